"""What a TUI test's terminal shows, read through Textual's public API only.

`screen_text` rebuilds each screen row from the widget on top at each cell
(`Screen.get_widget_at`) and that widget's own rendering of the row (`Widget.render_lines`),
the same two calls Textual's `Screen.get_style_at` is made of, so no private attribute (such as
the screen's compositor) is read. For comparing colours as well as text, use
`App.export_screenshot()` (what snapshot tests compare).
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.errors import NoWidget
from textual.geometry import Region
from textual.screen import Screen
from textual.widget import Widget


def screen_lines(app: App[Any]) -> list[str]:
    """Every row of the current screen as plain text (one cell a character)."""
    screen = app.screen
    width, height = screen.size
    lines: list[str] = []
    for y in range(height):
        parts: list[str] = []
        x = 0
        while x < width:
            try:
                widget, region = screen.get_widget_at(x, y)
            except NoWidget:
                parts.append(" ")
                x += 1
                continue
            end = x + 1  # the run of cells this widget is on top at
            while end < width and _top(screen, end, y) is widget:
                end += 1
            strip = widget.render_lines(Region(0, y - region.y, region.width, 1))[0]
            parts.append(strip.crop(x - region.x, end - region.x).text)
            x = end
        lines.append("".join(parts))
    return lines


def screen_text(app: App[Any], selector: str | None = None) -> str:
    """What the terminal shows: the whole screen, or one widget's region, as plain text."""
    lines = screen_lines(app)
    if selector is None:
        return "\n".join(lines)
    region = app.screen.query_one(selector).region
    return "\n".join(line[region.x : region.right] for line in lines[region.y : region.bottom])


def _top(screen: Screen[Any], x: int, y: int) -> Widget | None:
    try:
        return screen.get_widget_at(x, y)[0]
    except NoWidget:
        return None
