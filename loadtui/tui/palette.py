"""The semantic colours of verdicts, states and warnings, taken from the active theme.

Panes build Rich `Text` (tables, panels, plots) where Textual's CSS variables cannot reach, so
"good", "bad", "warn" and "mark" are resolved here from the theme's success, error, warning and
accent colours. The app calls `use(theme)` whenever the theme changes; every place that used to
say "green" or "red" asks `style("good")` / `style("bad")` instead, so the high-contrast theme's
colour-blind-safe pair (blue for good, orange for bad) reaches every verdict. Meaning never rests
on colour alone: marks (✓ ✗ ⚠ ★) carry it too, which is what NO_COLOR leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.color import Color
from textual.theme import Theme

Role = Literal["good", "bad", "warn", "mark"]


@dataclass(frozen=True)
class Palette:
    good: str  # "#RRGGBB"
    bad: str
    warn: str
    mark: str

    @classmethod
    def from_theme(cls, theme: Theme) -> Palette:
        def hex_of(value: str | None, fallback: str) -> str:
            return Color.parse(value or fallback).hex6

        return cls(
            good=hex_of(theme.success, "#3FCF8E"),
            bad=hex_of(theme.error, "#FF5F56"),
            warn=hex_of(theme.warning, "#F2B84B"),
            mark=hex_of(theme.accent or theme.warning, "#F2B84B"),
        )

    def colour(self, role: Role) -> str:
        return str(getattr(self, role))

    def rgb(self, role: Role) -> tuple[int, int, int]:
        """For plotext, which takes (r, g, b) tuples."""
        color = Color.parse(self.colour(role))
        return (color.r, color.g, color.b)


# the shipped dark theme's colours until the app says otherwise (pure functions run in tests)
_current = Palette(good="#3FCF8E", bad="#FF5F56", warn="#F2B84B", mark="#F2B84B")


def use(theme: Theme) -> Palette:
    """Make `theme`'s colours the ones `style()` answers with."""
    global _current
    _current = Palette.from_theme(theme)
    return _current


def current() -> Palette:
    return _current


def style(role: Role, *, bold: bool = False) -> str:
    """A Rich style string for `role` in the active theme, e.g. `"bold #FF7A00"`."""
    colour = _current.colour(role)
    return f"bold {colour}" if bold else colour
