"""A terminal smaller than 80×24 gets one clear sentence instead of clipped panes.

The app pushes this screen over whatever is shown when the terminal shrinks below the size the
panes are laid out for, and pops it when the terminal is large enough again; meanwhile only
`q` works (a run goes on underneath and its windows are still written).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.events import Resize
from textual.screen import ModalScreen
from textual.widgets import Static

MIN_WIDTH = 80
MIN_HEIGHT = 24


def too_small(width: int, height: int) -> bool:
    return width < MIN_WIDTH or height < MIN_HEIGHT


def too_small_message(width: int, height: int) -> str:
    return (
        f"loadtui needs {MIN_WIDTH}×{MIN_HEIGHT}; this terminal is {width}×{height} — enlarge it"
        "\n\n(q quits; a run goes on meanwhile)"
    )


class TooSmallScreen(ModalScreen[None]):
    BINDINGS = [Binding("q", "app.quit", "quit")]

    def compose(self) -> ComposeResult:
        width, height = self.app.size
        yield Static(too_small_message(width, height), id="too-small")

    def on_resize(self, event: Resize) -> None:
        self.query_one("#too-small", Static).update(too_small_message(*event.size))
