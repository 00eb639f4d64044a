"""Widgets of the Run pane: metric rows with sparklines, strip-cached lines, the flag log."""
