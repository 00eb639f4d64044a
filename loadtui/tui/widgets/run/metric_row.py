"""One live series: name, current value and a sparkline of its recent history.

One widget draws the whole row as a single cached `Strip` (label, value, sparkline): a window
that changes nothing on screen costs a comparison, one that does costs one line of segments,
and neither triggers a layout (the row is one line at a fixed width). Three child widgets and
a width change per window used to relayout the whole screen four times a second.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from itertools import islice
from typing import ClassVar

from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

LABEL = 4  # cells: "p95 " (bold)
VALUE = 9  # cells: the value right-aligned in 8, then one blank
LABEL_AND_VALUE = LABEL + VALUE
HISTORY = 600  # points kept; a wider terminal simply shows more of them
BARS = "▁▂▃▄▅▆▇█"


def spark_cells(data: Sequence[float]) -> list[tuple[str, float]]:
    """(bar, height ratio) per point, one cell each: `textual.renderables.Sparkline` at a width
    of len(data) (so one point per bucket), which is what the row showed before."""
    if not data:
        return [(BARS[0], 0.0)]
    if len(data) == 1:
        return [(BARS[-1], 1.0)]
    low, high = min(data), max(data)
    extent = high - low or 1
    top = len(BARS) - 1
    cells = []
    for value in data:
        ratio = (value - low) / extent
        cells.append((BARS[int(ratio * top)], ratio))
    return cells


class MetricRow(Widget):
    """Holds its own `deque`; the screen appends and calls `redraw` (dolphie style)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"sparkline--max-color", "sparkline--min-color"}
    DEFAULT_CSS = """
    MetricRow {
        height: 1;
    }
    MetricRow > .sparkline--max-color {
        color: $primary;
    }
    MetricRow > .sparkline--min-color {
        color: $primary 30%;
    }
    """

    def __init__(self, label: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="metric-row")
        self.label = label
        self.series: deque[float] = deque(maxlen=HISTORY)
        self._value = "–"
        self._shown: list[float] | None = None  # None until the first redraw: a flat line
        self._strip: Strip | None = None  # None: draw again on the next frame
        self._palette: _Palette | None = None

    def push(self, value: float) -> None:
        self.series.append(value)

    def reset(self, values: Sequence[float] = ()) -> None:
        self.series.clear()
        self.series.extend(values)

    def redraw(self, value_text: str) -> None:
        """Show `value_text` and the newest points that fit; repaint only if either changed."""
        room = max(self.size.width - LABEL_AND_VALUE, 1)
        data = list(islice(self.series, max(len(self.series) - room, 0), None))
        if value_text == self._value and data == self._shown and self._strip is not None:
            return
        self._value = value_text
        self._shown = data
        self._strip = None
        self.refresh()

    def on_resize(self) -> None:
        """Laid out at last (the live view was hidden when the first windows came) or
        widened: show the newest points that fit the new width, not the few of before."""
        if self._shown is not None:
            self.redraw(self._value)

    @property
    def shown(self) -> list[float]:
        """The points the sparkline holds now (what the user sees)."""
        return list(self._shown or [])

    # -- drawing ---------------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._palette = None  # theme or CSS changed: colours differ
        self._strip = None

    def render_line(self, y: int) -> Strip:
        if y != 0:
            return Strip.blank(self.size.width, self.rich_style)
        stale = self._palette is None or self._palette.key is not self.visual_style
        if stale or self._strip is None or self._strip.cell_length != self.size.width:
            self._strip = self._draw(self.size.width)
        return self._strip

    def _colours(self) -> _Palette:
        """Styles of the row, worked out again only when Textual's own style cache key moves
        (walking the ancestors for them was most of a redraw)."""
        key = self.visual_style
        palette = self._palette
        if palette is None or palette.key is not key:
            _, background = self.background_colors
            low = background + self.get_component_styles("sparkline--min-color").color
            high = background + self.get_component_styles("sparkline--max-color").color
            palette = self._palette = _Palette(
                key, self.rich_style, background.rich_color, low.rich_color, high.rich_color
            )
        return palette

    def _draw(self, width: int) -> Strip:
        palette = self._colours()
        base, blank = palette.base, palette.blank
        label = self.label[:LABEL]
        value = self._value[: VALUE - 1]
        segments = [  # padding is blank cells, as the Label/Static this replaces drew it
            Segment(label, palette.bold),
            Segment(" " * (LABEL - len(label)), blank),
            Segment(" " * (VALUE - 1 - len(value)), blank),
            Segment(value, base),
            Segment(" ", blank),
        ]
        if self._shown is None:  # nothing to show yet: a flat line across the row
            segments.append(Segment(BARS[0] * (width - LABEL_AND_VALUE), palette.bar_style(0.0)))
        else:
            bar_style = palette.bar_style  # narrower since the last redraw: the newest that fit
            cells = spark_cells(self._shown[-max(width - LABEL_AND_VALUE, 1) :])
            segments.extend(Segment(bar, bar_style(ratio)) for bar, ratio in cells)
        return Strip(segments).adjust_cell_length(width, blank)


class _Palette:
    """A row's styles for one theme: text, blank cells, and a bar's colour by height, blended
    from the min to the max colour exactly as `textual.renderables.Sparkline` does."""

    def __init__(
        self, key: object, base: Style, background: RichColor, low: RichColor, high: RichColor
    ) -> None:
        self.key = key
        self.base = base
        self.bold = base + Style(bold=True)
        self.blank = Style.from_color(bgcolor=background)
        assert low.triplet is not None and high.triplet is not None
        self.low = low.triplet
        self.high = high.triplet
        self._by_rgb: dict[tuple[int, int, int], Style] = {}  # ≤ 256: one line in RGB space

    def bar_style(self, ratio: float) -> Style:
        (r1, g1, b1), (r2, g2, b2) = self.low, self.high
        rgb = (  # what blend_colors + Color.from_rgb give: truncated, not rounded
            int(r1 + (r2 - r1) * ratio),
            int(g1 + (g2 - g1) * ratio),
            int(b1 + (b2 - b1) * ratio),
        )
        style = self._by_rgb.get(rgb)
        if style is None:
            style = self._by_rgb[rgb] = self.base + Style.from_color(RichColor.from_rgb(*rgb))
        return style
