"""The Run pane before a start: the plan that would run (summary, stage table, rate chart).

Draws a `PlanPreview` (loadtui.tui.plan_preview computes every string); the chart is laid out
at the widget's own size, so a wider terminal gets a finer chart, never another layout.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.geometry import Size
from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import Static

from loadtui.safe_text import clean, clean_lines, plain
from loadtui.tui.plan_preview import PlanPreview, chart_lines, table_line

MIN_CHART_ROWS = 5  # a smoke plan's two stages still get a readable chart


class PlanChart(Widget):
    """The planned rate over time as blocks; as tall as the stage table next to it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.profile: tuple[tuple[float, float], ...] = ()
        self.unit = "req/s"
        self.rows = MIN_CHART_ROWS

    def show(self, profile: tuple[tuple[float, float], ...], unit: str, rows: int) -> None:
        self.profile, self.unit, self.rows = profile, unit, max(rows, MIN_CHART_ROWS)
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self.rows

    def render(self) -> VisualType:
        lines = chart_lines(self.profile, self.size.width, self.size.height, self.unit)
        return Text("\n".join(lines), no_wrap=True, overflow="crop")


class PlanView(Vertical):
    """Summary lines on top; the stage table on the left and the chart on the right."""

    def compose(self) -> ComposeResult:
        yield Static("", id="plan-lines")
        with Horizontal(id="plan-body"):
            yield Static("", id="plan-table")
            yield PlanChart(id="plan-chart")

    def show(self, preview: PlanPreview | None, message: str = "") -> None:
        """The plan that would run, or `message` when there is none (and why)."""
        lines = self.query_one("#plan-lines", Static)
        table = self.query_one("#plan-table", Static)
        chart = self.query_one(PlanChart)
        if preview is None:
            lines.update(plain(message, style="bold"))
            table.update("")
            chart.show((), "req/s", 0)
            self.query_one("#plan-body").display = False
            return
        self.query_one("#plan-body").display = True
        lines.update(Text(clean_lines("\n".join(preview.lines)), no_wrap=True, overflow="ellipsis"))
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(table_line(preview.header), style="bold")
        for row in preview.rows:
            text.append("\n" + clean(table_line(row)))
        table.update(text)
        chart.show(preview.profile, preview.unit, len(preview.rows) + 1)
