"""Fixtures for the TUI tests: hand-built models and plans (deterministic), the screen's text.

Helpers live in importable modules (`tui_plans`, `tui_screen`, `tui_waits`); this file holds
fixtures only, so no test imports from a conftest (whose module name every folder shares).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tui_plans import make_shop_model, make_shop_plan
from tui_screen import screen_text

from loadtui.contracts import TestPlan, TrafficModel


@pytest.fixture
def shop_model() -> TrafficModel:
    """Four personas shaped like the demo shop's ground truth, with fixed numbers."""
    return make_shop_model()


@pytest.fixture
def shown() -> Callable[..., str]:
    """`shown(app, "#detail-pane")`: the text on screen, for asserting what a user sees."""
    return screen_text


@pytest.fixture
def shop_plan() -> Callable[..., TestPlan]:
    """`shop_plan(url, duration="20s", rate=10.0)`: a hand-built plan for the demo shop."""
    return make_shop_plan
