"""Widgets of the Personas pane."""
