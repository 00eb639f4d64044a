"""One live series: name, current value and a sparkline of its recent history."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label, Sparkline, Static

LABEL_AND_VALUE = 13  # .metric-label + .metric-value widths in app.tcss
HISTORY = 600  # points kept; a wider terminal simply shows more of them


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


class MetricRow(Horizontal):
    """Holds its own `deque`; the screen appends and calls `redraw` (dolphie style)."""

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="metric-row")
        self.label = label
        self.series: deque[float] = deque(maxlen=HISTORY)

    def compose(self) -> ComposeResult:
        yield Label(self.label, classes="metric-label")
        yield Static("–", classes="metric-value")
        yield Sparkline([], summary_function=_mean, classes="metric-spark")

    def push(self, value: float) -> None:
        self.series.append(value)

    def reset(self, values: Sequence[float] = ()) -> None:
        self.series.clear()
        self.series.extend(values)

    def redraw(self, value_text: str) -> None:
        self.query_one(".metric-value", Static).update(value_text)
        spark = self.query_one(Sparkline)
        room = max(self.size.width - LABEL_AND_VALUE, 1)
        data = list(self.series)[-room:]
        # one cell per window: a short series grows from the left instead of being stretched
        spark.styles.width = max(len(data), 1) if len(data) < room else "1fr"
        spark.data = data

    @property
    def shown(self) -> list[float]:
        """The points the sparkline holds now (what the user sees)."""
        return list(self.query_one(Sparkline).data or [])
