"""Run folders and result files whose names, routes, notes and flags hold hostile text: what a
target's answer (error examples), a plan made from a hostile log, or an imported file bring."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from loadtui.contracts import (
    AnomalyFlag,
    Breakdown,
    LatencyStats,
    MetricWindow,
    RunRecord,
    TestPlan,
    ThresholdVerdict,
)
from loadtui.store.sink import RunSink

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WINDOWS = 40
INTERVAL_S = 1.0


def _latency(count: int, p95: float) -> LatencyStats:
    return LatencyStats(
        count=count, p50=p95 * 0.4, p90=p95 * 0.85, p95=p95, p99=p95 * 1.6, max=p95 * 2
    )


def window(i: int, plan: TestPlan, value: str, slowdown: float) -> MetricWindow:
    """Window `i` of a ramp from 20 to 420 req/s whose latency climbs past ~300 req/s (a knee
    for the forecast), split over the plan's routes; its stage is named with `value`."""
    rps = 20.0 + 10.0 * i
    requests = int(rps * INTERVAL_S)
    p95 = slowdown * (20.0 + max(rps - 300.0, 0.0) ** 1.5 / 20.0)
    errors = requests // 50 if rps > 350 else 0
    routes = [f"{s.method} {s.route}" for sc in plan.scenarios for s in sc.steps] or ["GET /"]
    share = max(requests // len(routes), 1)
    return MetricWindow(
        t=INTERVAL_S * (i + 1),
        ts=T0 + timedelta(seconds=INTERVAL_S * (i + 1)),
        interval_s=INTERVAL_S,
        stage=0,
        stage_name=f"ramp {value}",
        target_rate=rps,
        active=int(rps * p95 / 1000) + 1,
        in_flight=int(rps * p95 / 1000),
        requests=requests,
        errors=errors,
        errors_by_class={"http_5xx": errors} if errors else {},
        status_counts={"200": requests - errors, "503": errors} if errors else {"200": requests},
        rps=rps,
        latency=_latency(requests, p95),
        service=_latency(requests, p95 * 0.9),
        by_route={r: Breakdown(requests=share, latency=_latency(share, p95)) for r in routes},
        worker_cpu=[0.3, 0.3],
    )


def write_hostile_run(
    out: Path, run_id: str, plan: TestPlan, value: str, *, slowdown: float = 1.0, hours: int = 0
) -> Path:
    """A finished run of `plan` (named with `value`) through the one run-folder writer: a flag
    and the target's error answer quote `value`, a threshold is tagged with it."""
    plan = plan.model_copy(
        update={"name": f"shop {value}", "target": f"http://127.0.0.1:9/{value}"}
    )
    start = T0 + timedelta(hours=hours)
    sink = RunSink.open(out, plan, run_id=run_id)
    windows = [window(i, plan, value, slowdown) for i in range(WINDOWS)]
    for w in windows:
        sink.window(w.model_copy(update={"ts": start + timedelta(seconds=w.t)}))
    sink.flags(
        [AnomalyFlag(t=30.0, kind="latency_jump", metric="p95", message=f"p95 jumped on {value}")]
    )
    total = sum(w.requests for w in windows)
    sink.close(
        RunRecord(
            run_id=run_id,
            state="complete",
            plan_name=plan.name,
            target=plan.target,
            started=start,
            ended=start + timedelta(seconds=WINDOWS * INTERVAL_S),
            duration_s=WINDOWS * INTERVAL_S,
            metrics={
                "http_reqs": {"count": float(total), "rate": total / (WINDOWS * INTERVAL_S)},
                "http_req_duration": {
                    "avg": 30.0,
                    "min": 2.0,
                    "med": 20.0,
                    "p(90)": 60.0,
                    "p(95)": 90.0 * slowdown,
                    "p(99)": 150.0,
                    "max": 300.0,
                },
                "http_req_failed": {"rate": 0.01, "passes": 20.0, "fails": float(total - 20)},
            },
            thresholds=[
                ThresholdVerdict(
                    metric=f"http_req_duration{{name:{value}}}",
                    expression="p(95)<500",
                    ok=True,
                    value=90.0,
                )
            ],
            errors_by_class={"http_5xx": 20},
            notes=[f"http_5xx e.g.: 503 {value}", f"target said {value}"],
        )
    )
    return out / run_id


def write_k6_summary(directory: Path, value: str) -> Path:
    """A k6 `--summary-export` file named with `value` (its run is named after the file) whose
    threshold is tagged with it."""
    directory.mkdir(parents=True, exist_ok=True)
    name = "".join(c for c in value if c not in "/\x00") or "x"
    path = directory / f"k6-{name}.json"
    tagged = f"http_req_duration{{name:{value}}}"
    doc = {
        "metrics": {
            "http_reqs": {"count": 100, "rate": 10.0},
            "http_req_duration": {
                "avg": 20,
                "med": 18,
                "p(90)": 30,
                "p(95)": 35,
                "max": 80,
                "min": 2,
            },
            "http_req_failed": {"passes": 1, "fails": 99, "value": 0.01},
            tagged: {"avg": 20, "p(95)": 35, "thresholds": {"p(95)<500": False}},
        },
        "root_group": {"name": "", "path": "", "groups": {}, "checks": {}},
    }
    path.write_text(json.dumps(doc))
    return path
