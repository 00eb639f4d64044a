"""Run folders for the `loadtui heal` tests, written through RunSink: a plan's baseline runs and
a candidate, each with window p95s scattered ±6 % around a given value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from loadtui.contracts import Breakdown, LatencyStats, MetricWindow, RunRecord, Stage, TestPlan
from loadtui.store.sink import RunSink

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PLAN = TestPlan(
    name="shop",
    stages=[Stage(duration="2s", target=10), Stage(duration="4s", target=10)],
    thresholds={"http_req_duration": ["p(95)<500"]},
)


def write_run(out: Path, run_id: str, *, p95: float, minute: int, seed: int) -> Path:
    """A 12-window run of PLAN whose window p95s scatter ±6 % around `p95` ms."""
    rng = np.random.default_rng(seed)
    sink = RunSink.open(out, PLAN, run_id=run_id)
    start = T0 + timedelta(minutes=minute)
    for i in range(12):
        v = p95 * (1 + rng.normal(0, 0.06))
        lat = LatencyStats(count=40, p50=v * 0.7, p95=v, p99=v * 1.2, max=v * 1.5)
        sink.window(
            MetricWindow(
                t=(i + 1) * 0.5,
                ts=start + timedelta(seconds=(i + 1) * 0.5),
                interval_s=0.5,
                requests=40,
                rps=80.0,
                latency=lat,
                by_route={"GET /": Breakdown(requests=40, latency=lat)},
            )
        )
    sink.close(
        RunRecord(
            run_id=run_id,
            state="complete",
            plan_name="shop",
            started=start,
            ended=start + timedelta(seconds=6),
            duration_s=6.0,
            metrics={
                "http_reqs": {"count": 480.0, "rate": 80.0},
                "http_req_duration": {"p(95)": p95, "p(99)": p95 * 1.2},
                "http_req_failed": {"rate": 0.0},
            },
        )
    )
    return sink.run_dir


def write_runs(out: Path) -> None:
    """Baseline runs b1..b4 around 30 ms, `same` (noise) and `slow` (+33 %)."""
    for i, (rid, p95) in enumerate((("b1", 30.0), ("b2", 31.0), ("b3", 29.5), ("b4", 30.5))):
        write_run(out, rid, p95=p95, minute=i, seed=i)
    write_run(out, "same", p95=30.0, minute=10, seed=10)
    write_run(out, "slow", p95=40.0, minute=11, seed=11)
