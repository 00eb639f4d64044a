"""Planned vs delivered: short windows are blamed on the target or on the generator."""

from __future__ import annotations

from datetime import UTC, datetime

from loadtui.contracts import LatencyStats, MetricWindow
from loadtui.engine.delivery import Delivery


def window(t: float, planned: float, sent: int, *, saturated: bool = False) -> MetricWindow:
    return MetricWindow(
        t=t,
        ts=datetime(2026, 1, 1, tzinfo=UTC),
        interval_s=1.0,
        target_rate=planned,
        requests=sent,
        rps=float(sent),
        errors=sent // 10,
        latency=LatencyStats(count=sent, p95=850.0),
        generator_saturated=saturated,
    )


def test_short_windows_name_who_held_the_rate_back() -> None:
    d = Delivery()
    d.observe(window(1, 200, 10))  # start-up window: never judged
    d.observe(window(2, 200, 195))  # 97.5 %: fine
    d.observe(window(3, 200, 120))  # the target: 60 %
    d.observe(window(4, 200, 150))  # the target: 75 %
    d.observe(window(5, 200, 100, saturated=True))  # the generator
    d.observe(window(6, 10, 0))  # too few planned to judge
    assert d.planned == 1010 and d.delivered == 575
    assert (d.judged, d.short_target, d.short_generator) == (4, 2, 1)
    target, generator = d.notes()
    assert target.startswith("the target held the rate back in 2 of 4 windows")
    assert "120 of 200 planned req/s at t=3s" in target and "p95 850 ms" in target
    assert "10.0% errors" in target
    assert generator.startswith("the generator held the rate back in 1 of 4 windows")


def test_a_run_that_delivered_says_nothing() -> None:
    d = Delivery()
    for t in range(1, 6):
        d.observe(window(t, 100, 100))
    assert d.notes() == [] and d.planned == 500
