"""The forecast service: run folders' windows in, the `contracts.Forecast` document out.

The CLI (`loadtui forecast`) and the TUI's Forecast pane both call `build_forecast`, so the
numbers a screen draws are the numbers `--json` prints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from loadtui.analyze.features import load_levels
from loadtui.analyze.queueing import arrival_cv2
from loadtui.analyze.route_capacity import route_capacities
from loadtui.analyze.run_anomalies import run_anomalies
from loadtui.analyze.twin import Prediction, Twin, fit_twin
from loadtui.contracts import (
    AnomalyFlag,
    Forecast,
    ForecastCapacity,
    ForecastModel,
    ForecastPoint,
    MetricWindow,
    TestPlan,
)
from loadtui.plan.thresholds import parse_threshold


def plan_slo(plan: TestPlan | None) -> float | None:
    """The plan's p95 latency threshold in ms (`http_req_duration: ["p(95)<500"]`), if any."""
    if plan is None:
        return None
    for expr in plan.thresholds.get("http_req_duration", []):
        try:
            t = parse_threshold(expr)
        except ValueError:
            continue
        if t.aggregation == "p" and t.percentile == 95.0 and t.op in ("<", "<="):
            return float(t.value)
    return None


def point(p: Prediction, users: float | None = None) -> ForecastPoint:
    return ForecastPoint(
        load=round(p.load, 3),
        users=users,
        p95_ms=round(p.p95, 3),
        p95_low_ms=round(p.p95_low, 3),
        p95_high_ms=round(p.p95_high, 3),
        throughput=round(p.throughput, 3),
        p_fail=round(p.p_fail, 4),
        extrapolated=p.extrapolated,
        warning=p.warning,
    )


def report(
    twin: Twin,
    run_ids: Sequence[str],
    windows_by_run: Sequence[Sequence[MetricWindow]],
    *,
    flags_by_run: Sequence[Sequence[AnomalyFlag]] = (),
    users: float | None = None,
    rps: float | None = None,
    points: int = 24,
) -> Forecast:
    """The JSON document for a fitted twin, with what-if answers for `users` / `rps`."""
    cap = twin.capacity
    what_if: list[ForecastPoint] = []
    if rps is not None:
        what_if.append(point(twin.predict(rps)))
    if users is not None:
        what_if.append(point(twin.predict(twin.load_for_users(users)), users=users))
    usl = None
    if twin.usl is not None:
        usl = {
            "lam": twin.usl.lam,
            "alpha": twin.usl.alpha,
            "beta": twin.usl.beta,
            "peak_concurrency": min(twin.usl.peak_concurrency, 1e12),
            "peak_throughput": min(twin.usl.peak_throughput, 1e12),
        }
    anomalies: list[AnomalyFlag] = []
    for i, windows in enumerate(windows_by_run):
        online = flags_by_run[i] if i < len(flags_by_run) else ()
        anomalies.extend(run_anomalies(windows, online))
    chosen = twin.chosen
    return Forecast(
        runs=list(run_ids),
        windows=len(twin.features),
        load_levels=load_levels(twin.features.goodput),
        slo_p95_ms=twin.rule.slo_p95_ms,
        max_error_rate=twin.rule.max_error_rate,
        capacity=ForecastCapacity(
            rps=round(cap.rps, 3),
            rps_low=round(cap.rps_low, 3),
            rps_high=round(cap.rps_high, 3) if math.isfinite(cap.rps_high) else None,
            users=round(cap.users, 2) if cap.users is not None else None,
            method=cap.method,
        ),
        usl=usl,
        queueing={
            "service_ms": twin.queue.service_ms,
            "mu": twin.queue.mu,
            "servers": twin.queue.servers,
            "k": twin.queue.k,
        },
        model=ForecastModel(name=chosen.name, cv_mape=chosen.cv_mape, cv_r2=chosen.cv_r2),
        models=[ForecastModel(name=s.name, cv_mape=s.cv_mape, cv_r2=s.cv_r2) for s in twin.scores],
        curve=[point(p) for p in twin.curve(points)],
        what_if=what_if,
        routes=route_capacities(windows_by_run, twin.rule.max_error_rate),
        anomalies=anomalies,
        fit_seconds=round(twin.fit_seconds, 3),
        notes=list(twin.notes),
    )


def build_forecast(
    run_ids: Sequence[str],
    windows_by_run: Sequence[Sequence[MetricWindow]],
    *,
    plan: TestPlan | None = None,
    flags_by_run: Sequence[Sequence[AnomalyFlag]] = (),
    users: float | None = None,
    rps: float | None = None,
    seed: int = 0,
    arrivals: Sequence[str] = (),
) -> Forecast:
    """`arrivals`: each run's recorded arrival process (`environment.arrivals`)."""
    twin = fit_twin(
        windows_by_run, slo_p95_ms=plan_slo(plan), seed=seed, arrival_cv2=arrival_cv2(arrivals)
    )
    return report(twin, run_ids, windows_by_run, flags_by_run=flags_by_run, users=users, rps=rps)
