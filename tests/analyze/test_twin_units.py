"""The twin's parts on windows whose truth is known: a synthetic M/G/c system, a USL curve,
an imported (k6) run with one load level, and odd windows for the run-level detector."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from loadtui.analyze.queueing import QueueModel
from loadtui.analyze.route_capacity import route_capacities
from loadtui.analyze.run_anomalies import run_anomalies
from loadtui.analyze.twin import fit_twin
from loadtui.analyze.usl import fit_usl
from loadtui.cli import main
from loadtui.contracts import Breakdown, LatencyStats, MetricWindow, RunRecord, TestPlan
from loadtui.store.sink import RunSink

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def window(t: float, offered: float, served: float, p95: float, errors: int = 0) -> MetricWindow:
    requests = round(served)
    lat = LatencyStats(count=requests, mean=p95 / 1.4, p50=p95 / 1.5, p95=p95, max=p95 * 1.2)
    return MetricWindow(
        t=t,
        ts=T0 + timedelta(seconds=t),
        interval_s=1.0,
        target_rate=offered,
        active=max(1, int(served * p95 / 1500)),
        requests=requests,
        errors=errors,
        rps=served,
        latency=lat,
        by_route={"GET /a": Breakdown(requests=requests, errors=errors, latency=lat)},
    )


def ramp(knee: float, top: float, seconds: int = 60, seed: int = 1) -> list[MetricWindow]:
    """An open-model ramp into an M/G/4 queue with capacity `knee`; past it the queue builds."""
    rng = np.random.default_rng(seed)
    truth = QueueModel(service_ms=20.0, mu=knee, k=0.53)
    out, backlog = [], 0.0
    for i in range(seconds):
        offered = top * (i + 1) / seconds
        served = min(offered, knee) * rng.normal(1.0, 0.02)
        backlog = max(0.0, backlog + offered - knee)
        p95 = 30.0 * float(truth.shape(min(offered, 0.98 * knee))) + 1000.0 * backlog / knee
        errors = int(max(0.0, offered - knee) * 0.5) if backlog > 100 else 0
        out.append(window(i + 1.0, offered, served + errors, p95 * rng.normal(1.0, 0.05), errors))
    return out


def test_usl_fit_recovers_contention_and_coherency() -> None:
    n = np.arange(1, 65, dtype=float)
    x = 100 * n / (1 + 0.05 * (n - 1) + 0.0005 * n * (n - 1))
    usl = fit_usl(n, x)
    assert usl is not None
    assert usl.alpha == pytest.approx(0.05, rel=0.05)
    assert usl.beta == pytest.approx(0.0005, rel=0.05)
    assert usl.peak_concurrency == pytest.approx(np.sqrt(0.95 / 0.0005), rel=0.05)


def test_twin_places_capacity_of_a_ramp_past_the_knee() -> None:
    twin = fit_twin([ramp(knee=200.0, top=300.0)])
    cap = twin.capacity
    assert cap.method == "logistic"
    assert cap.rps == pytest.approx(200.0, rel=0.10)
    assert cap.rps_low <= 200.0 <= cap.rps_high
    assert twin.predict(100.0).p_fail < 0.1
    assert twin.predict(280.0).p_fail > 0.9
    low = twin.predict(100.0)
    assert low.p95_low <= low.p95 <= low.p95_high
    assert twin.model_name in {"queueing", "gradient_boosting", "random_forest", "voting"}


def busy(windows: list[MetricWindow], mu: float, seed: int = 2) -> list[MetricWindow]:
    """The windows with the busy fraction a target of ceiling `mu` would report."""
    rng = np.random.default_rng(seed)
    return [
        w.model_copy(update={"utilization": min(1.0, w.rps / mu * rng.normal(1.0, 0.03))})
        for w in windows
    ]


def test_busy_time_places_the_knee_from_a_ramp_to_sixty_percent() -> None:
    """Latency barely moves below 60 %: without busy time the knee is not identified (an open
    interval from what was sustained); with it the utilization law gives it within a few %."""
    windows = ramp(knee=800.0, top=480.0)
    blind = fit_twin([windows])
    assert blind.capacity.method == "queueing"
    assert blind.capacity.rps_low == pytest.approx(480.0, rel=0.05)
    assert blind.capacity.rps_high == float("inf")  # nothing bounds it from above
    assert blind.capacity.rps <= 2.0 * 480.0  # a floor, not a crossing 10x past the data
    seen = fit_twin([busy(windows, 800.0)])
    assert seen.capacity.method == "utilization"
    assert seen.capacity.rps == pytest.approx(800.0, rel=0.05)
    assert seen.capacity.rps_low <= 800.0 <= seen.capacity.rps_high
    assert seen.capacity.rps_high < 1.15 * 800.0  # bounded above, unlike the blind fit
    assert seen.predict(790.0).p_fail > seen.predict(400.0).p_fail


def test_failures_well_below_the_busy_ceiling_name_another_bottleneck() -> None:
    """Busy time says 2000/s but the system broke at 800/s (something behind the slots): the
    failures win and the note says so."""
    twin = fit_twin([busy(ramp(knee=800.0, top=1200.0), 2000.0)])
    assert twin.capacity.method == "logistic"
    assert twin.capacity.rps == pytest.approx(800.0, rel=0.15)
    assert any("something else is the bottleneck" in note for note in twin.notes)


def test_far_extrapolation_is_warned() -> None:
    twin = fit_twin([ramp(knee=200.0, top=300.0)])
    assert twin.predict(250.0).warning is None
    far = twin.predict(1000.0)
    assert far.extrapolated and far.warning
    assert f"{1000.0 / twin.max_load:.1f}× the highest load" in far.warning


def test_route_capacity_stops_where_errors_pass_five_percent() -> None:
    routes = route_capacities([ramp(knee=200.0, top=300.0)])
    assert [r.route for r in routes] == ["GET /a"]
    assert routes[0].broke
    assert routes[0].sustained_rps == pytest.approx(200.0, rel=0.05)


def test_isolation_forest_flags_the_odd_window_with_its_metrics() -> None:
    rng = np.random.default_rng(3)
    ws = [
        window(i + 1.0, 100.0, 100.0 * rng.normal(1, 0.01), 30 * rng.normal(1, 0.03))
        for i in range(40)
    ]
    ws[25] = window(26.0, 100.0, 100.0, 400.0, errors=20)
    flags = run_anomalies(ws)
    assert [f.t for f in flags] == [26.0]
    assert flags[0].metric == "p95,error_rate"
    assert "p95 400 ms" in flags[0].message


def test_forecast_json_on_an_imported_constant_rate_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A k6 run at one rate: the forecast still answers, with the note and a wide interval."""
    rng = np.random.default_rng(2)
    sink = RunSink.open(tmp_path, TestPlan(name="k6"), run_id="k6run", index=False)
    for i in range(30):
        sink.window(window(i + 1.0, 0.0, 150 * rng.normal(1, 0.03), 40 * rng.normal(1, 0.05)))
    sink.close(RunRecord(run_id="k6run", started=T0, state="complete", source="k6"))
    assert main(["forecast", str(tmp_path / "k6run"), "--rps", "120", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    cap = doc["capacity"]
    assert any("too few load levels to fit" in n for n in doc["notes"])
    assert cap["rps_low"] <= cap["rps"]
    assert cap["rps_high"] is None or cap["rps_high"] >= cap["rps"]
    assert doc["what_if"][0]["load"] == 120.0
    assert 0.0 <= doc["what_if"][0]["p_fail"] <= 1.0
    assert doc["model"]["name"] == "queueing"
