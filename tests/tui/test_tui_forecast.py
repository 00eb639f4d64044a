"""Forecast pane: fits a fixture stress ramp, draws it, answers a what-if; snapshot at 80×24."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.text import Text
from tui_plans import make_shop_plan, make_window
from tui_waits import wait_for

from loadtui.contracts import RunOptions, RunRecord, TestPlan
from loadtui.store.sink import RunSink
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.screens.forecast import ForecastScreen
from loadtui.tui.workspace import Workspace

pytestmark = pytest.mark.timeout(120)
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KNEE = 600.0


def p95_at(load: float) -> float:
    """A queue: flat service time, then waiting grows fast past the knee."""
    rho = min(load / KNEE, 0.995)
    return 20.0 / (1.0 - rho) ** 0.5 if load < KNEE else 20.0 * (1 + 20 * (load / KNEE - 1)) * 5


def stress_run(out: Path, run_id: str = "r-stress") -> Path:
    """A 60-window ramp from 50 to 900 req/s against a system with its knee at 600 req/s."""
    sink = RunSink.open(
        out,
        TestPlan(name="stress", type="stress", thresholds={"http_req_duration": ["p(95)<200"]}),
        run_id=run_id,
    )
    for i in range(60):
        load = 50 + (900 - 50) * i / 59
        served = min(load, KNEE * 1.02)
        errors = 0 if load < KNEE else int(0.2 * served * 0.5 * (load - KNEE) / 300)
        w = make_window(
            0.5 * (i + 1),
            p95=p95_at(load),
            rps=served,
            errors=errors,
            target_rate=load,
            interval_s=0.5,
        )
        sink.window(w.model_copy(update={"ts": T0 + timedelta(seconds=0.5 * (i + 1))}))
    return sink.close(
        RunRecord(run_id=run_id, state="complete", plan_name="stress", started=T0, duration_s=30)
    ) and (out / run_id)


def app_for(runs: Path, run_dir: Path) -> LoadtuiApp:
    ws = Workspace(plan=make_shop_plan("http://127.0.0.1:9"), runs_dir=runs)
    ws.forecast([run_dir])
    return LoadtuiApp(ws, run_options=RunOptions(out_dir=runs))


async def test_the_forecast_pane_fits_a_run_and_answers_a_what_if(
    tmp_path: Path, shown: Callable[..., str]
) -> None:
    runs = tmp_path / "runs"
    app = app_for(runs, stress_run(runs))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ForecastScreen)
        assert await wait_for(lambda: screen.forecast is not None, 60), shown(app, "#forecast-pane")
        f = screen.forecast
        assert f is not None
        assert 0.7 * KNEE <= f.capacity.rps <= 1.3 * KNEE, f.capacity
        await pilot.pause()
        assert "capacity" in shown(app, "#forecast-head")
        await pilot.press("w")
        await pilot.pause()
        for key in "300":
            await pilot.press(key)
        await pilot.press("enter")
        await pilot.pause()
        answer = screen.what_if_answer
        text = answer.plain if isinstance(answer, Text) else str(answer)
        assert text.startswith("at 300/s: p95 ") and "P(fail)" in text, text
        await pilot.press("escape", "v")  # actual vs predicted
        await pilot.pause()
        assert screen.view == "actual"
        await pilot.press("v")
        await pilot.pause()
        assert screen.view == "anomalies"


def test_forecast_pane_at_80x24(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, snap_compare: Callable[..., bool]
) -> None:
    monkeypatch.chdir(tmp_path)
    runs = Path("runs")
    app = app_for(runs, stress_run(runs))

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await pilot.press("3")
        screen = pilot.app.screen
        assert await wait_for(lambda: screen.forecast is not None, 60)
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=(80, 24))


def test_usl_line_says_no_retrograde_instead_of_an_absurd_peak() -> None:
    """κ ≈ 0 (a run that never contended) put the peak at 32,087,392,876 in flight."""
    from loadtui.contracts import Forecast
    from loadtui.tui.forecast_view import usl_line

    flat = Forecast.model_construct(
        usl={
            "alpha": 1.1e-4,
            "beta": 9.7e-22,
            "peak_concurrency": 3.2e10,
            "peak_throughput": 3160.0,
        }
    )
    line = usl_line(flat).plain
    assert "no retrograde measured" in line and "3,160/s" in line
    assert "in flight" not in line
    real = Forecast.model_construct(
        usl={"alpha": 0.02, "beta": 0.001, "peak_concurrency": 31.0, "peak_throughput": 812.0}
    )
    assert "peak 812/s at 31 in flight" in usl_line(real).plain
