"""loadtui light: for bright rooms and terminals with a white background."""

from textual.theme import Theme

THEME = Theme(
    name="light",
    primary="#0B5CAD",
    secondary="#3D6E99",
    accent="#A15C00",
    warning="#A15C00",
    error="#C62828",
    success="#1B7F4B",
    foreground="#1C2329",
    background="#F7F9FB",
    surface="#EEF2F6",
    panel="#E1E7EE",
    dark=False,
)
