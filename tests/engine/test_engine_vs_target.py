"""Acceptance against the demo target, whose capacity is known: capacity 16 × 10 ms → knee at
1600 requests/s. Rates are measured over the steady windows (the first window holds worker
warm-up: connection set-up, first imports), which is what a performance engineer would read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loadtui.engine.histogram import merge_encoded
from loadtui.engine.runner import Runner
from loadtui.engine.url_plan import build_url_plan

process = pytest.importorskip("loadtui.target.process")

SERVICE_MS = 10.0
CAPACITY = 16
KNEE_RPS = CAPACITY * 1000 / SERVICE_MS
ROUTE = "/products/42"


@pytest.fixture
def target() -> Iterator[Any]:
    with process.TargetProcess(capacity=CAPACITY, service_ms=SERVICE_MS) as t:
        yield t


def test_half_the_knee_is_delivered_on_schedule_at_the_service_time(
    target: Any, tmp_path: Path
) -> None:
    rate = KNEE_RPS / 2
    plan = build_url_plan(target.url + ROUTE, rate=rate, duration="6s")
    runner = Runner(plan, tmp_path, workers=2, transport="aiohttp", seed=11)
    windows = list(runner.windows())
    rec = runner.result()
    assert rec.state == "complete"
    # every scheduled request was sent and answered
    assert rec.metrics["http_reqs"]["count"] == pytest.approx(rate * 6, rel=0.02)
    assert rec.metrics["http_req_failed"]["rate"] == 0
    # steady part: after 2 s of warm-up (cold target and workers), before the final drain
    steady = [w for w in windows[:-1] if w.t > 2.5]
    achieved = sum(w.requests for w in steady) / sum(w.interval_s for w in steady)
    assert achieved == pytest.approx(rate, rel=0.02)
    p50 = merge_encoded([w.service_hist for w in steady]).percentile_ms(50)
    assert abs(p50 - SERVICE_MS) <= 2.0, p50


def test_past_the_knee_latency_grows_and_503s_appear(target: Any, tmp_path: Path) -> None:
    plan = build_url_plan(target.url + ROUTE, rate=KNEE_RPS * 1.5, duration="4s")
    runner = Runner(plan, tmp_path, workers=2, transport="aiohttp", seed=12)
    windows = list(runner.windows())
    rec = runner.result()
    assert rec.state == "complete"
    assert rec.errors_by_class.get("http_5xx", 0) > 0
    assert any(k.startswith("503") for w in windows for k in w.status_counts)
    assert rec.metrics["http_req_duration"]["p(95)"] > 3 * SERVICE_MS
    assert windows[-2].latency.p50 > windows[0].latency.p50
