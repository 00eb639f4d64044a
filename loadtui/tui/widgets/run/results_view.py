"""The Run pane after a run: the k6-style summary lines that loadtui.tui.results computes."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from loadtui.safe_text import clean
from loadtui.tui.results import Line


class ResultsView(Static):
    def show(self, lines: list[Line]) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        for i, line in enumerate(lines):
            text.append(("\n" if i else "") + clean(line.text), style=line.style)
        self.update(text)
