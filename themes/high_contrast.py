"""loadtui high-contrast: pure black and white with saturated signal colours (WCAG AAA text)."""

from textual.theme import Theme

THEME = Theme(
    name="high-contrast",
    primary="#00D7FF",
    secondary="#FFFFFF",
    accent="#FFFF00",
    warning="#FFFF00",
    error="#FF3030",
    success="#00FF5F",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    boost="#333333",
    dark=True,
    luminosity_spread=0.25,
    text_alpha=1.0,
)
