"""loadtui dark: calm blues on near-black, amber warnings, red only for failures."""

from textual.theme import Theme

THEME = Theme(
    name="dark",
    primary="#4EA1FF",
    secondary="#8FB8DE",
    accent="#F2B84B",
    warning="#F2B84B",
    error="#FF5F56",
    success="#3FCF8E",
    foreground="#D7DCE2",
    background="#0F1419",
    surface="#161C23",
    panel="#1E2630",
    dark=True,
)
