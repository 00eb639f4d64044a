"""A prepared plan started with the app (`Workspace.plan` + `start_run`): the way scripts and the
engine benchmark watch a run in the real Run pane. Real demo target, a 3 s `--url` plan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.widgets import ProgressBar
from tui_waits import demo_target, wait_for

from loadtui.contracts import RunOptions
from loadtui.engine.url_plan import build_url_plan
from loadtui.store.runs import read_windows
from loadtui.target.process import TargetProcess
from loadtui.tui import display
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.screens.run import RunScreen
from loadtui.tui.widgets.run.metric_row import MetricRow
from loadtui.tui.workspace import Workspace

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def target() -> Iterator[TargetProcess]:
    with demo_target(service_ms=5.0) as proc:
        yield proc


async def test_prepared_plan_starts_on_the_run_pane_and_shows_every_window(
    target: TargetProcess, tmp_path: Path, shown: Callable[..., str]
) -> None:
    plan = build_url_plan(target.url + "/", vus=4, duration="3s")
    ws = Workspace(plan=plan, runs_dir=tmp_path / "runs")
    options = RunOptions(out_dir=ws.runs_dir, workers=1, transport="fast", interval_s=0.25)
    app = LoadtuiApp(ws, run_options=options, start_run=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, RunScreen), "start_run opens the Run pane"
        assert await wait_for(lambda: screen.state == "ended", 60), f"state {screen.state}"
        await pilot.pause()

        assert screen.plan is plan and screen.target_url == target.url
        assert app.run_status.startswith("■ complete ")
        live = screen.live
        assert live is not None and live.runner is not None and live.run_dir is not None
        assert live.runner.transport == "fast"
        windows, bad = read_windows(live.run_dir / "windows.ndjson")
        assert bad == 0 and len(windows) >= 10  # 3 s of 0.25 s windows
        rps_row = screen.query_one("#row-rps", MetricRow)
        # every window the run wrote reached the screen, in order, with its value
        assert list(rps_row.series) == [w.rps for w in windows]
        assert screen.last == windows[-1]
        requests = sum(w.requests for w in windows)
        assert requests > 0 and sum(w.errors for w in windows) == 0
        assert live.record is not None
        assert requests == live.record.metrics["http_reqs"]["count"]
        assert "complete ·" in shown(app, "#flags-pane")
        assert "plan url GET /" in shown(app, "#navbar")
        # the end of the run shows its results: the record's numbers, the folder it went to
        results = shown(app, "#results-pane")
        assert "results · complete" in results
        assert f"http_reqs .........: {requests:,}  " in results
        assert f"{live.run_dir.name}/" in results
        bar = screen.query_one("#stage-progress", ProgressBar)
        assert bar.percentage == 1.0  # a complete run ends with a full bar, not at 99 %
        await pilot.press("v")  # the live rows of the run that ended
        await pilot.pause()
        assert shown(app, "#row-rps").startswith(f"rps {display.rate(windows[-1].rps):>8} ")


async def test_a_prepared_plan_shows_its_thresholds_before_it_starts(
    tmp_path: Path, shown: Callable[..., str]
) -> None:
    plan = build_url_plan("http://127.0.0.1:9/", vus=1, duration="1s")
    plan = plan.model_copy(update={"thresholds": {"http_req_duration": ["p(95)<250"]}})
    app = LoadtuiApp(Workspace(plan=plan, runs_dir=tmp_path / "runs"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen) and app.screen.state == "idle"
        panel = shown(app, "#thresholds-pane")
        assert "p(95)<250" in panel and "no thresholds" not in panel
