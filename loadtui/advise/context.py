"""What an advisor sees: a run, its baseline runs and the plan, as aggregates (`AdviceInput`).

Built from run folders (`store.runs.load_run`), never from raw logs: per-run totals, the steady
windows' p95s (start-up and drain left out, `analyze.steady`), per-stage and per-route numbers,
the thresholds' verdicts and the regression report against the baseline runs. Route names are
the only text from outside that travels (the LLM advisor redacts them further).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from loadtui.analyze.regression import compare
from loadtui.analyze.steady import steady_windows, window_values
from loadtui.contracts import (
    AdviceInput,
    MetricWindow,
    RouteRunStats,
    RunRecord,
    RunStats,
    Stage,
    StageStats,
    TestPlan,
)
from loadtui.durations import parse_duration
from loadtui.engine.histogram import merge_encoded
from loadtui.store.runs import PLAN_FILE, load_run

MIN_WINDOW_REQUESTS = 5  # as analyze.regression: a p95 over fewer requests is their maximum


def build_input(
    run_dir: Path,
    baseline_dirs: Sequence[Path] = (),
    plan: TestPlan | None = None,
    note: str = "",
) -> AdviceInput:
    """The advisors' input for the run in `run_dir` against the runs in `baseline_dirs`.

    `plan` defaults to the copy the run saved (`plan.yaml` in its folder); without one the
    stages come from the windows alone and the thresholds are the ones the run judged.
    """
    record, windows = load_run(run_dir)
    if plan is None:
        plan = _saved_plan(Path(run_dir))
    stages = list(plan.stages) if plan is not None else []
    base = [load_run(d) for d in baseline_dirs]
    regression = None
    if base:
        regression = compare(
            [windows],
            [w for _r, w in base],
            candidate_ids=[record.run_id],
            baseline_ids=[r.run_id for r, _w in base],
        )
    thresholds = (
        dict(plan.thresholds)
        if plan is not None
        else {v.metric: [v.expression] for v in record.thresholds}
    )
    return AdviceInput(
        plan_name=plan.name if plan is not None else record.plan_name or "plan",
        plan_type=plan.type if plan is not None else "load",
        workload=plan.workload.model if plan is not None else _workload(record),
        stages=stages,
        thresholds=thresholds,
        run=run_stats(record, windows, stages),
        baseline=[run_stats(r, w, stages) for r, w in base],
        regression=regression,
        note=note,
    )


def _saved_plan(run_dir: Path) -> TestPlan | None:
    from loadtui.plan.yaml_io import load_plan

    path = run_dir / PLAN_FILE
    if not path.is_file():
        return None
    try:
        return load_plan(path)
    except Exception:  # an imported run's plan copy may not be ours; advise without it
        return None


def _workload(record: RunRecord) -> Literal["open", "closed"]:
    return "closed" if record.workload == "closed" else "open"


def run_stats(
    record: RunRecord, windows: Sequence[MetricWindow], stages: Sequence[Stage] = ()
) -> RunStats:
    """One run as aggregates: totals from its summary, spreads from its steady windows."""
    windows = list(windows)
    steady = steady_windows(windows)
    dur = record.metrics.get("http_req_duration", {})
    reqs = record.metrics.get("http_reqs", {})
    requests = int(reqs.get("count", sum(w.requests for w in windows)))
    failed = record.metrics.get("http_req_failed", {})
    errors = sum(w.errors for w in windows)
    error_rate = float(failed.get("rate", errors / requests if requests else 0.0))
    window_p95, _err = window_values(steady, min_requests=MIN_WINDOW_REQUESTS)
    steady_p95, steady_p99 = _merged_percentiles(steady)
    return RunStats(
        run_id=record.run_id,
        state=record.state,
        duration_s=record.duration_s,
        requests=requests,
        rps=float(reqs.get("rate", 0.0)),
        error_rate=error_rate,
        errors_by_class=dict(record.errors_by_class),
        p50_ms=_get(dur, "med", "p(50)"),
        p95_ms=_get(dur, "p(95)"),
        p99_ms=_get(dur, "p(99)"),
        window_p95_ms=[round(v, 3) for v in window_p95],
        steady_p95_ms=steady_p95,
        steady_p99_ms=steady_p99,
        stages=stage_stats(windows, stages),
        routes=route_stats(record, windows),
        thresholds=list(record.thresholds),
    )


def _get(metric: dict[str, float], *keys: str) -> float | None:
    for k in keys:
        if k in metric:
            return float(metric[k])
    return None


def _merged_percentiles(windows: Sequence[MetricWindow]) -> tuple[float | None, float | None]:
    """p95 and p99 over all requests of the windows: their histograms merged when they carry
    them (runs of our engine), else the request-weighted mean of the windows' own values."""
    if not windows:
        return None, None
    if all(w.hist for w in windows if w.requests):
        hist = merge_encoded([w.hist for w in windows])
        if hist.count:
            return round(hist.percentile_ms(95.0), 3), round(hist.percentile_ms(99.0), 3)
        return None, None
    total = sum(w.requests for w in windows)
    if not total:
        return None, None
    p95 = sum(w.latency.p95 * w.requests for w in windows) / total
    p99 = sum(w.latency.p99 * w.requests for w in windows) / total
    return round(p95, 3), round(p99, 3)


def stage_bounds(stages: Sequence[Stage]) -> list[tuple[float, float, float, float]]:
    """(start s, end s, target at start, target at end) of each plan stage (k6 semantics: a
    stage ramps linearly from the previous stage's target, 0 before the first)."""
    out: list[tuple[float, float, float, float]] = []
    t, prev = 0.0, 0.0
    for s in stages:
        d = parse_duration(s.duration)
        out.append((t, t + d, prev, float(s.target)))
        t, prev = t + d, float(s.target)
    return out


def stage_stats(windows: Sequence[MetricWindow], stages: Sequence[Stage]) -> list[StageStats]:
    """Per plan stage: the windows the engine tagged with it (all of them: a ramp's trouble
    is often in its first seconds, which steady-state analysis would leave out)."""
    bounds = stage_bounds(stages)
    by_stage: dict[int, list[MetricWindow]] = {}
    for w in windows:
        by_stage.setdefault(w.stage, []).append(w)
    indexes = sorted(set(range(len(bounds))) | set(by_stage))
    out: list[StageStats] = []
    for i in indexes:
        ws = by_stage.get(i, [])
        if i < len(bounds):
            start, end, t_from, t_to = bounds[i]
        else:  # windows past the plan (drain) or a plan we do not have
            start = min((w.t - w.interval_s for w in ws), default=0.0)
            end = max((w.t for w in ws), default=0.0)
            t_from = t_to = max((w.target_rate for w in ws), default=0.0)
        requests = sum(w.requests for w in ws)
        errors = sum(w.errors for w in ws)
        by_class: dict[str, int] = {}
        for w in ws:
            for k, v in w.errors_by_class.items():
                by_class[k] = by_class.get(k, 0) + v
        span = sum(w.interval_s for w in ws) or (end - start)
        p95, p99 = _merged_percentiles(ws)
        p50 = _merged_p50(ws)
        name = stages[i].name if i < len(stages) else (ws[0].stage_name if ws else None)
        out.append(
            StageStats(
                index=i,
                name=name,
                start_s=round(start, 3),
                end_s=round(end, 3),
                target_from=t_from,
                target_to=t_to,
                requests=requests,
                rps=round(requests / span, 3) if span > 0 else 0.0,
                error_rate=errors / requests if requests else 0.0,
                errors_by_class=by_class,
                p50_ms=p50,
                p95_ms=p95,
                p99_ms=p99,
                windows=len(ws),
                saturated_windows=sum(1 for w in ws if w.generator_saturated),
                dropped=sum(w.dropped for w in ws),
            )
        )
    return out


def _merged_p50(windows: Sequence[MetricWindow]) -> float | None:
    if not windows or not any(w.requests for w in windows):
        return None
    if all(w.hist for w in windows if w.requests):
        return round(merge_encoded([w.hist for w in windows]).percentile_ms(50.0), 3)
    total = sum(w.requests for w in windows)
    return round(sum(w.latency.p50 * w.requests for w in windows) / total, 3)


def route_stats(record: RunRecord, windows: Sequence[MetricWindow]) -> list[RouteRunStats]:
    """Per route: requests and errors over the run (windows), p95 from the run's summary
    (`http_req_duration{name:ROUTE}`), busiest first. Windows keep no per-route status codes,
    so `status_counts` stays empty for our runs (the run's `errors_by_class` says which kind)."""
    volume: dict[str, list[int]] = {}
    for w in windows:
        for route, b in w.by_route.items():
            acc = volume.setdefault(route, [0, 0])
            acc[0] += b.requests
            acc[1] += b.errors
    out: list[RouteRunStats] = []
    for route, (requests, errors) in sorted(volume.items(), key=lambda kv: (-kv[1][0], kv[0])):
        trend = record.metrics.get(f"http_req_duration{{name:{route}}}", {})
        out.append(
            RouteRunStats(
                route=route,
                requests=requests,
                error_rate=errors / requests if requests else 0.0,
                p95_ms=_get(trend, "p(95)"),
            )
        )
    return out
