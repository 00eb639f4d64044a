"""Pixel-level regressions: every pane in every theme at 80×24 (regenerate with
`--snapshot-update` after an intended visual change; `make screenshots` draws the same scenes
for the README).

The scenes (tests/tui/tui_scenes.py) are built from pinned data in a temporary folder with
TZ=UTC, so a snapshot depends on neither the machine, the clock nor the user's settings. A few
Run pane states that differ in layout rather than colour are pinned in the dark theme only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_plans import make_shop_plan
from tui_scenes import SCENES, THEMES, TOO_SMALL, feed, personas, plan_app

from loadtui.tui import palette
from loadtui.tui.themes import load_themes

SnapCompare = Callable[..., bool]
pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder of its own (paths on screen are relative to it), UTC, colour allowed; the
    palette back on dark afterwards (it is process-wide)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("NO_COLOR", raising=False)
    time.tzset()
    yield tmp_path
    monkeypatch.undo()
    time.tzset()
    palette.use(load_themes()["dark"])


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("scene", list(SCENES))
def test_each_pane_in_each_theme_at_80x24(
    snap_compare: SnapCompare, pinned: Path, scene: str, theme: str
) -> None:
    app, run_before = SCENES[scene].prepared(pinned, theme)
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


def test_a_terminal_below_80x24_shows_one_sentence(snap_compare: SnapCompare, pinned: Path) -> None:
    app, run_before = TOO_SMALL.prepared(pinned, "dark")
    assert snap_compare(app, run_before=run_before, terminal_size=TOO_SMALL.size)


# -- Run pane layouts, dark theme only --------------------------------------------------------
def test_run_pane_short_series_at_80x24(snap_compare: SnapCompare) -> None:
    """A few windows in: each sparkline grows from the left, one cell per window."""
    app = plan_app(make_shop_plan("http://127.0.0.1:9"), "dark")
    assert snap_compare(app, run_before=feed(20), terminal_size=(80, 24))


def test_run_pane_before_start_at_80x24(snap_compare: SnapCompare) -> None:
    """A prepared plan, not started: what would run, its thresholds without values yet."""
    app = plan_app(make_shop_plan("http://127.0.0.1:9"), "dark")
    assert snap_compare(app, press=["2"], terminal_size=(80, 24))


def test_run_pane_without_thresholds_at_80x24(snap_compare: SnapCompare) -> None:
    """A plan with no thresholds says so; the service-time view (c) shows its own series."""
    plan = make_shop_plan("http://127.0.0.1:9").model_copy(update={"thresholds": {}})
    fed = feed(30, verdicts=False)

    async def run_before(pilot: Pilot[int]) -> None:
        await fed(pilot)
        await pilot.press("c")
        await pilot.pause(0.3)

    assert snap_compare(plan_app(plan, "dark"), run_before=run_before, terminal_size=(80, 24))


def test_personas_pane_is_the_first_screen(snap_compare: SnapCompare, pinned: Path) -> None:
    """What `loadtui` opens on with a model and no keys pressed."""
    app, _ = personas(pinned, "dark")
    assert snap_compare(app, terminal_size=(80, 24))
