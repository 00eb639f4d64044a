"""Pixel-level regressions of the panes at 80×24 (regenerate with `--snapshot-update`)."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.pilot import Pilot
from tui_plans import make_shop_plan, make_window

from loadtui.contracts import (
    AnomalyFlag,
    RunOptions,
    RunRecord,
    TestPlan,
    ThresholdVerdict,
    TrafficModel,
)
from loadtui.live import RunFinished, WindowDone
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.messages import LiveUpdate
from loadtui.tui.screens.run import RunScreen
from loadtui.tui.workspace import Workspace

SnapCompare = Callable[..., bool]


# the plan view names the workers; fixed, so a snapshot does not depend on the machine's cores
OPTIONS = RunOptions(workers=2, interval_s=0.25)


def make_app(model: TrafficModel) -> LoadtuiApp:
    ws = Workspace(model=model, log_paths=[Path("sample.log")])
    return LoadtuiApp(ws, theme_name="dark", run_options=OPTIONS)


def test_personas_pane_at_80x24(snap_compare: SnapCompare, shop_model: TrafficModel) -> None:
    assert snap_compare(make_app(shop_model), press=["down"], terminal_size=(80, 24))


def test_help_screen_at_80x24(snap_compare: SnapCompare, shop_model: TrafficModel) -> None:
    assert snap_compare(make_app(shop_model), press=["question_mark"], terminal_size=(80, 24))


def _run_app(plan: TestPlan) -> LoadtuiApp:
    return LoadtuiApp(
        Workspace(plan=plan, runs_dir=Path("runs")), theme_name="dark", run_options=OPTIONS
    )


def _feed(
    count: int, *, errors_from: int | None = None, verdicts: bool = True
) -> Callable[[Pilot[int]], Awaitable[None]]:
    """Open the Run pane and post `count` deterministic windows as the run's consumer would."""

    async def run_before(pilot: Pilot[int]) -> None:
        await pilot.press("2")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, RunScreen)
        screen.plan = screen.workspace.plan
        screen.state = "running"
        live = [
            ThresholdVerdict(metric="http_req_duration", expression="p(95)<500", ok=True, value=1),
            ThresholdVerdict(metric="http_req_failed", expression="rate<0.01", ok=False, value=0),
            ThresholdVerdict(  # too long for the panel: ellipsis; no value yet: a dim dot
                metric="http_req_duration{scenario:a_rather_long_name}",
                expression="p(99)<900",
                ok=True,
            ),
        ]
        for i in range(count):
            errors = 3 + i % 4 if errors_from is not None and i >= errors_from else 0
            window = make_window(
                0.25 * (i + 1),
                p95=40 + 30 * math.sin(i / 5) + (60 if i > count // 2 else 0),
                rps=1400 + 10 * (i % 7) + 4 * i,
                errors=errors,
                cpu=0.5 + 0.01 * (i % 10),
            )
            live[0] = live[0].model_copy(update={"value": window.latency.p95})
            flags = (
                [AnomalyFlag(t=window.t, kind="latency_jump", metric="p95", message="p95 jumped")]
                if i == count // 2 + 2
                else []
            )
            screen.post_message(
                LiveUpdate(WindowDone(window, list(live) if verdicts else [], flags))
            )
        await pilot.pause()

    return run_before


def test_run_pane_short_series_at_80x24(snap_compare: SnapCompare) -> None:
    """A few windows in: each sparkline grows from the left, one cell per window."""
    app = _run_app(make_shop_plan("http://127.0.0.1:9"))
    assert snap_compare(app, run_before=_feed(20), terminal_size=(80, 24))


def test_run_pane_full_series_at_80x24(snap_compare: SnapCompare) -> None:
    """More windows than cells: the newest fill the row; errors show on the err row."""
    app = _run_app(make_shop_plan("http://127.0.0.1:9"))
    assert snap_compare(app, run_before=_feed(90, errors_from=70), terminal_size=(80, 24))


def test_run_pane_before_start_at_80x24(snap_compare: SnapCompare) -> None:
    """A prepared plan, not started: what would run, its thresholds without values yet."""
    app = _run_app(make_shop_plan("http://127.0.0.1:9"))
    assert snap_compare(app, press=["2"], terminal_size=(80, 24))


def test_run_pane_without_thresholds_at_80x24(snap_compare: SnapCompare) -> None:
    """A plan with no thresholds says so; the service-time view (c) shows its own series."""
    plan = make_shop_plan("http://127.0.0.1:9").model_copy(update={"thresholds": {}})
    feed = _feed(30, verdicts=False)

    async def run_before(pilot: Pilot[int]) -> None:
        await feed(pilot)
        await pilot.press("c")

    assert snap_compare(_run_app(plan), run_before=run_before, terminal_size=(80, 24))


def test_run_pane_plan_from_personas_at_80x24(
    snap_compare: SnapCompare, shop_model: TrafficModel
) -> None:
    """The plan enter would run, switched to a stress test: stages, rates, chart, thresholds."""
    app = make_app(shop_model)
    assert snap_compare(app, press=["enter", "l"], terminal_size=(80, 24))


def test_run_pane_results_at_80x24(snap_compare: SnapCompare) -> None:
    """The end of a run: k6's summary, the verdicts, the flags and notes, the run folder."""
    feed = _feed(40, errors_from=30)
    trend = {"avg": 31.2, "min": 2.1, "med": 24.0, "p(90)": 61.5, "p(95)": 84.2, "p(99)": 210.0}
    record = RunRecord(
        run_id="20260101-120000-tui-test",
        state="complete",
        started=datetime(2026, 1, 1, tzinfo=UTC),
        duration_s=10.0,
        metrics={
            "http_reqs": {"count": 14321.0, "rate": 1432.1},
            "http_req_duration": {**trend, "max": 912.0},
            "http_req_service": {**trend, "max": 640.0},
            "http_req_failed": {"rate": 0.0036, "passes": 52.0, "fails": 14269.0},
            "data_received": {"count": 18_345_678.0, "rate": 1_834_567.0},
            "sessions": {"count": 3580.0, "rate": 358.0},
            "vus_max": {"value": 61.0},
        },
        thresholds=[
            ThresholdVerdict(metric="http_req_duration", expression="p(95)<500", ok=True, value=84),
            ThresholdVerdict(metric="http_req_failed", expression="rate<0.01", ok=True, value=0),
        ],
        errors_by_class={"http_5xx": 52},
        notes=["http_5xx e.g.: 503 Service Unavailable on GET /products/{id}"],
        flags=1,
    )

    async def run_before(pilot: Pilot[int]) -> None:
        await feed(pilot)
        run_dir = Path("runs/20260101-120000-tui-test")
        pilot.app.screen.post_message(LiveUpdate(RunFinished(record, run_dir)))
        await pilot.pause()

    app = _run_app(make_shop_plan("http://127.0.0.1:9"))
    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))
