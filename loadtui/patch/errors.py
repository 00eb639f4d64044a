"""The one error of the patch engine: an edit that cannot apply, or a result that would not
parse. A UserError, so the CLI prints it as one line and exits 2."""

from __future__ import annotations

from loadtui.errors import UserError


class PatchError(UserError):
    """An edit cannot apply to this file, or the edited file would not parse: nothing is written."""
