"""Text lines drawn as cached strips, for panels that change a few characters per window.

A `Static` parses and lays out its whole content on every update; the Run pane updates some of
its panels four times a second with one number changed. `StripLines.show` compares line by
line and repaints only the lines that differ, never with a layout pass (the widget's size
comes from app.tcss, not from its content).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import cast

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from loadtui.safe_text import clean
from loadtui.tui.widgets.run.panels import ThresholdRow

# (line, width, text style, blank style) → the line's segments
LineDrawer = Callable[[Hashable, int, Style, Style], list[Segment]]


class StripLines(Widget):
    def __init__(self, draw: LineDrawer, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._draw = draw
        self._lines: list[Hashable] = []
        self._strips: dict[int, Strip] = {}
        self._styles: tuple[object, Style, Style] | None = None  # key, text, blank

    def show(self, lines: Sequence[Hashable]) -> None:
        old, new = self._lines, list(lines)
        if new == old:
            return
        self._lines = new
        if len(new) != len(old):
            self._strips.clear()
            self.refresh()
            return
        width = self.size.width
        for y, (before, after) in enumerate(zip(old, new, strict=True)):
            if before != after:
                self._strips.pop(y, None)
                self.refresh(Region(0, y, width, 1))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    def _text_styles(self) -> tuple[Style, Style]:
        """Text and blank-cell styles, worked out again only when Textual's style key moves."""
        key = self.visual_style
        if self._styles is None or self._styles[0] is not key:
            self._strips.clear()  # drawn in the old colours
            _, background = self.background_colors
            blank = Style.from_color(bgcolor=background.rich_color)
            self._styles = (key, self.rich_style, blank)
        return self._styles[1], self._styles[2]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        text, blank = self._text_styles()
        if y >= len(self._lines):
            return Strip.blank(width, blank)
        strip = self._strips.get(y)
        if strip is None or strip.cell_length != width:
            segments = self._draw(self._lines[y], width, text, blank)
            strip = self._strips[y] = Strip(segments).adjust_cell_length(width, blank)
        return strip


def plain_line(line: Hashable, width: int, text: Style, blank: Style) -> list[Segment]:
    """One string in the widget's colours."""
    return [Segment(clean(line)[:width], text)]


def threshold_line(line: Hashable, width: int, text: Style, blank: Style) -> list[Segment]:
    """`✓ duration p(95)<500      84 ms`: mark, then the threshold cut to fit with an ellipsis,
    then the value right-aligned in the values' width; the layout `Table.grid(padding=(0, 1))`
    gave this panel before, without measuring a table per window."""
    row, value_width = cast(tuple[ThresholdRow, int], line)
    mark, mark_style, label, value = row
    if not mark and not value:  # the panel's one line when there are no thresholds
        return [Segment("  ", blank), Segment(clean(label), text + Style.parse(mark_style))]
    room = max(width - 3 - value_width, 1)
    cut = Text(clean(label))
    cut.truncate(room, overflow="ellipsis", pad=True)
    return [
        Segment(mark, text + Style.parse(mark_style)),
        Segment(" ", text),
        Segment(cut.plain, text),
        Segment(" ", text),
        Segment(value.rjust(value_width), text),
    ]


def threshold_lines(
    rows: list[ThresholdRow], empty: str = "no thresholds in this plan"
) -> list[Hashable]:
    """The panel's lines for `StripLines(threshold_line)`: each row with the values' width;
    `empty` when there are none."""
    if not rows:
        return [(("", "dim", empty, ""), 0)]
    value_width = max(len(row[3]) for row in rows)
    return [(row, value_width) for row in rows]
