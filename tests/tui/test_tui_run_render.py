"""The Run pane caches what it draws (rows, panels); a theme switch mid-run must not leave
stale colours: the screen after the switch equals a fresh app started in that theme."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from tui_plans import make_shop_plan, make_window

from loadtui.live import WindowDone
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.messages import LiveUpdate
from loadtui.tui.screens.run import RunScreen
from loadtui.tui.workspace import Workspace


async def _screen_after_windows(theme: str, switch_to: str | None = None) -> str:
    """The screen (text and colours, as an SVG screenshot) after 30 windows, maybe a switch."""
    plan = make_shop_plan("http://127.0.0.1:9")
    app = LoadtuiApp(Workspace(plan=plan, runs_dir=Path("runs")), theme_name=theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen)
        screen.plan, screen.state = plan, "running"
        for i in range(30):
            window = make_window(0.25 * (i + 1), p95=40 + i % 7, rps=1000 + 13 * i, errors=i % 3)
            screen.post_message(LiveUpdate(WindowDone(window, [], [])))
        await pilot.pause()
        if switch_to is not None:
            app.theme = switch_to
            await pilot.pause()
        return await _settled(app, pilot)


async def _settled(app: LoadtuiApp, pilot: Pilot[int]) -> str:
    """The screenshot once redraws stop: the pane redraws at most every 0.25 s, so on a busy
    box the held redraw may still be pending after one pause."""
    shot = app.export_screenshot()
    for _ in range(20):
        await pilot.pause(0.3)
        again = app.export_screenshot()
        if again == shot:
            return shot
        shot = again
    return shot


async def test_theme_switch_mid_run_redraws_cached_rows_in_the_new_colours() -> None:
    switched = await _screen_after_windows("dark", switch_to="light")
    fresh = await _screen_after_windows("light")
    assert switched == fresh
    assert switched != await _screen_after_windows("dark")
