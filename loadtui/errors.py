"""Errors a user can cause. The CLI turns them into exit code 2 with a one-line reason."""


class UserError(Exception):
    """Bad input, a missing file, an unreachable target: say what was wrong and what to do."""
