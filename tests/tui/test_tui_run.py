"""The Run pane against a real demo target: live sparklines, a flag when the target slows
down mid-run, and stop with confirmation. Bounded: one worker, stopped once the flag shows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tui_waits import demo_target, wait_for

from loadtui.contracts import RunOptions, TrafficModel
from loadtui.store.runs import load_run, read_flags
from loadtui.target.process import TargetProcess
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.planning import PlanChoice
from loadtui.tui.screens.modals import ConfirmScreen
from loadtui.tui.screens.run import RunScreen
from loadtui.tui.widgets.run.metric_row import MetricRow
from loadtui.tui.workspace import Workspace

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def target() -> Iterator[TargetProcess]:
    with demo_target(service_ms=10.0) as proc:
        yield proc


async def test_run_streams_sparklines_and_flags_a_slowdown(
    shop_model: TrafficModel,
    target: TargetProcess,
    tmp_path: Path,
    shown: Callable[..., str],
) -> None:
    """Real planner (30 s load plan at 80 rps; stopped early), real engine, real target."""
    ws = Workspace(model=shop_model, target=target.url, runs_dir=tmp_path / "runs")
    options = RunOptions(out_dir=ws.runs_dir, workers=1, interval_s=0.25)
    choice = PlanChoice(duration="30s", peak_rps=80)
    app = LoadtuiApp(ws, run_options=options, plan_choice=choice)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")  # personas → plan → Run pane
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen)
        await pilot.press("enter")  # start
        p95 = screen.query_one("#row-p95", MetricRow)
        assert await wait_for(lambda: len(p95.shown) >= 8, 40), "no windows arrived"
        first = len(p95.shown)
        assert await wait_for(lambda: len(p95.shown) >= first + 4, 10)
        # the ramp starts at 0 sessions/s (~3 arrivals expected in its first 3 s): wait for one
        rps = screen.query_one("#row-rps", MetricRow)
        assert await wait_for(lambda: max(p95.shown) > 0 and max(rps.shown) > 0, 20), screen.last
        assert "running" in app.run_status
        assert "✓" in shown(app, "#thresholds-pane")
        assert screen.plan is not None and screen.plan.type == "load"
        assert await wait_for(lambda: screen.last is not None and screen.last.t >= 10, 20)

        target.control(slowdown=8)
        flagged = await wait_for(lambda: any(f.kind == "latency_jump" for f in screen.flags), 12)
        assert flagged, f"no latency flag; flags={screen.flags}"
        await pilot.pause()
        assert "p95 jumped" in shown(app, "#flags-pane")

        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        assert await wait_for(lambda: screen.state == "ended", 30)
        assert "interrupted" in app.run_status
    assert screen.live is not None and screen.live.run_dir is not None
    run_dir = screen.live.run_dir
    assert (run_dir / "summary.json").is_file()
    saved = read_flags(run_dir)  # the flag the pane showed is in the run folder too
    assert any(f.kind == "latency_jump" for f in saved)
    record, _ = load_run(run_dir)
    assert record.flags == len(saved) and record.state == "interrupted"
