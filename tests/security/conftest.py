"""The display tests read the screen with tests/tui's helpers (`tui_screen.screen_lines`)."""

from __future__ import annotations

import sys
from pathlib import Path

TUI_TESTS = str(Path(__file__).resolve().parents[1] / "tui")
if TUI_TESTS not in sys.path:
    sys.path.append(TUI_TESTS)
