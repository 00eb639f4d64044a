"""loadtui high-contrast: pure black and white, signal colours safe for colour-blind eyes.

Good is blue and bad is orange (the Okabe-Ito pair), never green against red, which the most
common colour vision deficiencies (deuteranopia, protanopia) cannot tell apart; warnings are
yellow, far lighter than orange. Each is at least 7:1 against the black background (WCAG AAA)
and tests/tui/test_tui_palette.py checks the pair stays apart under simulated colour blindness.
"""

from textual.theme import Theme

THEME = Theme(
    name="high-contrast",
    primary="#00D7FF",
    secondary="#FFFFFF",
    accent="#FFFF00",
    warning="#FFFF00",
    error="#FF6A00",
    success="#3D9BFF",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#1A1A1A",
    boost="#333333",
    dark=True,
    luminosity_spread=0.25,
    text_alpha=1.0,
)
