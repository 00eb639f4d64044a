"""History pane: fixture runs from the index, two compared, a baseline set; snapshot at 80×24."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable
from tui_plans import make_shop_plan, make_window
from tui_waits import wait_for

from loadtui.contracts import RunOptions, RunRecord, TestPlan
from loadtui.store.history import baseline_for, index_path
from loadtui.store.sink import RunSink
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.history_view import comparison_lines
from loadtui.tui.screens.history import HistoryScreen
from loadtui.tui.workspace import Workspace

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def write_run(out: Path, run_id: str, *, p95: float, start: datetime, plan: str = "shop") -> None:
    """A finished run of 24 windows whose p95 wobbles ±3 ms around `p95`."""
    sink = RunSink.open(out, TestPlan(name=plan), run_id=run_id)
    windows = []
    for i in range(24):
        w = make_window(0.5 * (i + 1), p95=p95 + 3 * math.sin(i * 1.7), rps=200, interval_s=0.5)
        windows.append(w.model_copy(update={"ts": start + timedelta(seconds=0.5 * (i + 1))}))
        sink.window(windows[-1])
    sink.close(
        RunRecord(
            run_id=run_id,
            state="complete",
            plan_name=plan,
            target="http://127.0.0.1:9",
            started=start,
            ended=start + timedelta(seconds=12),
            duration_s=12.0,
            metrics={
                "http_reqs": {"count": 2400.0, "rate": 200.0},
                "http_req_duration": {"p(95)": p95},
                "http_req_failed": {"rate": 0.0},
            },
        )
    )


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    out = tmp_path / "runs"
    write_run(out, "r-old", p95=40.0, start=T0)
    write_run(out, "r-same", p95=40.5, start=T0 + timedelta(hours=1))
    write_run(out, "r-slow", p95=60.0, start=T0 + timedelta(hours=2))
    return out


def app_for(runs: Path) -> LoadtuiApp:
    """With a prepared plan the app opens without the log wizard in the way."""
    ws = Workspace(plan=make_shop_plan("http://127.0.0.1:9"), runs_dir=runs)
    return LoadtuiApp(ws, run_options=RunOptions(out_dir=runs))


async def test_history_lists_runs_and_calls_a_slower_run_a_regression(
    runs: Path, shown: Callable[..., str]
) -> None:
    app = app_for(runs)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        table = screen.query_one(DataTable)
        assert [str(k.value) for k in table.rows] == ["r-slow", "r-same", "r-old"]
        assert "3 runs" in shown(app, "#history-pane")
        await pilot.press("space")  # r-slow
        await pilot.press("down", "down", "space")  # r-old
        await pilot.press("c")
        assert await wait_for(lambda: screen.report is not None, 20)
        assert screen.report is not None and screen.report.verdict == "regression"
        assert screen.report.candidate_runs == ["r-slow"]
        assert screen.report.baseline_runs == ["r-old"]
        await pilot.pause()
        text = "\n".join(t.plain for t in comparison_lines(screen.report))
        assert text.startswith("verdict regression  r-slow vs r-old")
        assert "regression  p95 39.6→59.6 ms +51% · err 0.0→0.0% +0.0pt" in text, text
        assert all(len(line) <= 78 for line in text.splitlines()[1:3]), text
        assert "comparison · regression" in shown(app, "#history-detail")


async def test_a_marked_baseline_is_what_one_run_is_compared_with(runs: Path) -> None:
    app = app_for(runs)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        await pilot.press("down", "down", "b")  # r-old joins the baseline of "shop"
        await pilot.pause()
        assert [r.run_id for r in baseline_for(index_path(runs), "shop")] == ["r-old"]
        await pilot.press("up", "c")  # r-same against the baseline: noise
        assert await wait_for(lambda: screen.report is not None, 20)
        assert screen.report is not None and screen.report.verdict == "noise"
        await pilot.press("down", "b")  # r-old leaves it again
        await pilot.pause()
        assert baseline_for(index_path(runs), "shop") == []


def test_history_pane_at_80x24(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, snap_compare: Callable[..., bool]
) -> None:
    monkeypatch.chdir(tmp_path)  # run folders as relative paths: the same picture every time
    runs = Path("runs")
    write_run(runs, "r-old", p95=40.0, start=T0)
    write_run(runs, "r-slow", p95=60.0, start=T0 + timedelta(hours=2))

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("5")
        await pilot.pause()

    assert snap_compare(app_for(runs), run_before=run_before, terminal_size=(80, 24))
