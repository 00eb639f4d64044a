"""A path field opened by a key, as `/` opens fzf's or k9s' filter: it takes keys only while
open (else the screen's letters, `n` among them, would be typed into it), it opens with what
was typed before selected so the next path replaces it, and enter or escape closes it.

Only the keyboard mechanics live here; what a typed path means is the host screen's job (it
handles `Input.Submitted` and hands focus back to its list after `close()`).
"""

from __future__ import annotations

from textual.widgets import Input


class PathField(Input):
    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(placeholder=placeholder, id=id, select_on_focus=True)
        self.can_focus = False

    @property
    def is_open(self) -> bool:
        return self.can_focus

    def open(self) -> None:
        """Take the keys, the old text selected: typing replaces it, → or End edits it.
        Selected here as well as on focus: a field still focused gets no Focus event."""
        self.can_focus = True
        self.focus()
        self.select_all()

    def close(self) -> None:
        """Give the keys back (the text stays shown); the host focuses what takes them."""
        self.can_focus = False
        if self.has_focus:
            self.blur()
