"""Run folders for the `loadtui advise` tests, written through RunSink: 12 windows of 0.5 s
whose p95s scatter ±6 % around a given value, every window's 40 requests split over the given
route names (log text, which the tests check is printed or redacted as such)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from loadtui.contracts import Breakdown, LatencyStats, MetricWindow, RunRecord
from loadtui.contracts import TestPlan as Plan
from loadtui.store.sink import RunSink

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def write_run(
    out: Path,
    run_id: str,
    *,
    p95: float,
    minute: int,
    routes: Sequence[str],
    seed: int | None = None,
) -> Path:
    """A 12-window run starting `minute` minutes after T0. With a `seed`, the window p95s are
    normal draws (sd 6 %) around `p95` ms; without, a fixed saw of -6..+6 % (same every run)."""
    rng = np.random.default_rng(seed) if seed is not None else None
    plan = Plan(name="shop", thresholds={"http_req_duration": ["p(95)<500"]})
    sink = RunSink.open(out, plan, run_id=run_id)
    start = T0 + timedelta(minutes=minute)
    for i in range(12):
        spread = rng.normal(0, 0.06) if rng is not None else 0.03 * ((i % 5) - 2)
        v = p95 * (1 + spread)
        lat = LatencyStats(count=40, p50=v * 0.7, p95=v, p99=v * 1.2, max=v * 1.5)
        sink.window(
            MetricWindow(
                t=(i + 1) * 0.5,
                ts=start + timedelta(seconds=(i + 1) * 0.5),
                interval_s=0.5,
                requests=40,
                rps=80.0,
                latency=lat,
                by_route={r: Breakdown(requests=40 // len(routes), latency=lat) for r in routes},
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
