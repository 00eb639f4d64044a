"""The Run pane's flag list: anomaly flags and run notes, newest at the bottom, wrapped."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import RichLog

from loadtui.contracts import AnomalyFlag
from loadtui.tui import display

EMPTY = "no anomalies"


class FlagLog(RichLog):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(wrap=True, min_width=20, max_lines=500, id=id)
        self._empty = True

    def on_mount(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.clear()
        self.write(Text(EMPTY, style="dim"))
        self._empty = True

    def _first(self) -> None:
        if self._empty:
            self.clear()
            self._empty = False

    def add_flag(self, flag: AnomalyFlag) -> None:
        self._first()
        self.write(Text.assemble((display.clock(flag.t), "bold"), " ", flag.message))

    def add_note(self, note: str, *, style: str = "") -> None:
        self._first()
        self.write(Text(note, style=style))
