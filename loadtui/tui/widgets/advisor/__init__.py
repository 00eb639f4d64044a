"""The Advisor's widgets: the panel (suggestions, diff, verification) and its drawing."""

from loadtui.tui.widgets.advisor.panel import AdvisorPanel

__all__ = ["AdvisorPanel"]
