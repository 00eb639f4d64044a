"""Errors a user can cause. The CLI turns them into exit code 2 with a one-line reason."""


class UserError(Exception):
    """Bad input, a missing file, an unreachable target named by the user: say what and what to do."""
