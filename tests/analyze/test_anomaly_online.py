"""The online detector on synthetic window series: steps flagged once, noise never."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from loadtui.analyze.anomaly import DetectorConfig, OnlineDetector
from loadtui.contracts import AnomalyFlag, LatencyStats, MetricWindow

INTERVAL = 0.25


def window(
    i: int,
    *,
    p95: float,
    rps: float = 400.0,
    errors: int = 0,
    target_rate: float = 40.0,
    cpu: float = 0.3,
    lag_p99: float = 1.0,
    status: dict[str, int] | None = None,
    stage_name: str = "steady",
) -> MetricWindow:
    requests = round(rps * INTERVAL)
    lat = LatencyStats(count=requests, p50=p95 / 2, p95=p95, p99=p95 * 1.5, max=p95 * 2)
    return MetricWindow(
        t=(i + 1) * INTERVAL,
        ts=datetime(2026, 1, 1, tzinfo=UTC),
        interval_s=INTERVAL,
        stage=1,
        stage_name=stage_name,
        target_rate=target_rate,
        requests=requests,
        errors=errors,
        status_counts=status or {},
        errors_by_class={"http_5xx": errors} if errors else {},
        rps=rps,
        latency=lat,
        service=lat,
        send_lag_ms=LatencyStats(count=requests, p99=lag_p99),
        worker_cpu=[cpu, cpu * 0.9],
    )


def noisy_p95(rng: np.random.Generator, n: int, level: float = 41.0) -> list[float]:
    return list(level + rng.normal(0, 3.0, n))


def kinds(flags: list[AnomalyFlag]) -> list[str]:
    return [f.kind for f in flags]


def test_steady_noise_is_not_flagged() -> None:
    rng = np.random.default_rng(7)
    p95 = noisy_p95(rng, 400)
    rps = 400 + rng.normal(0, 25, 400)
    windows = [window(i, p95=p, rps=r) for i, (p, r) in enumerate(zip(p95, rps, strict=True))]
    assert OnlineDetector().feed(windows) == []


def test_step_in_p95_is_flagged_once_with_before_and_after() -> None:
    rng = np.random.default_rng(11)
    before = noisy_p95(rng, 80, 41.0)
    after = noisy_p95(rng, 200, 84.0)
    windows = [window(i, p95=p, stage_name="spike") for i, p in enumerate(before + after)]
    flags = OnlineDetector().feed(windows)
    assert kinds(flags) == ["latency_jump"]
    flag = flags[0]
    assert 80 * INTERVAL < flag.t <= 84 * INTERVAL  # within a few windows of the step
    assert flag.metric == "p95" and flag.score >= 3.5
    assert "41 →" in flag.message and "in spike" in flag.message
    assert flag.message.startswith("p95 jumped ")


def test_single_outlier_window_is_not_a_jump() -> None:
    rng = np.random.default_rng(3)
    p95 = noisy_p95(rng, 120)
    p95[60] = 400.0
    flags = OnlineDetector().feed(window(i, p95=p) for i, p in enumerate(p95))
    assert flags == []


def test_error_burst_is_flagged_and_names_the_status() -> None:
    rng = np.random.default_rng(5)
    series = []
    for i in range(160):
        burst = 80 <= i < 100
        errors = int(rng.integers(8, 15)) if burst else int(rng.random() < 0.05)
        series.append(
            window(
                i,
                p95=41 + rng.normal(0, 2),
                errors=errors,
                status={"200": 100 - errors, "503": errors},
            )
        )
    flags = OnlineDetector().feed(series)
    assert kinds(flags) == ["error_burst"]
    assert flags[0].metric == "error_rate"
    assert flags[0].message.startswith("503s rising:")
    assert 80 * INTERVAL < flags[0].t <= 84 * INTERVAL


def test_second_burst_after_recovery_is_flagged_again() -> None:
    series = []
    for i in range(300):
        burst = 80 <= i < 90 or 220 <= i < 230
        series.append(window(i, p95=41, errors=20 if burst else 0))
    flags = OnlineDetector().feed(series)
    assert kinds(flags) == ["error_burst", "error_burst"]


def test_throughput_drop_against_the_schedule_is_flagged() -> None:
    rng = np.random.default_rng(9)
    series = [
        window(i, p95=41, rps=(400 if i < 100 else 150) + rng.normal(0, 15)) for i in range(200)
    ]
    flags = OnlineDetector().feed(series)
    assert kinds(flags) == ["throughput_drop"]
    assert "of the schedule" in flags[0].message


def test_ramp_that_follows_the_schedule_is_not_a_drop() -> None:
    series = [
        window(i, p95=41, rps=10.0 * (i + 10), target_rate=(i + 10) / 1.0) for i in range(200)
    ]
    assert OnlineDetector().feed(series) == []


def test_generator_saturation_is_flagged_once_per_episode() -> None:
    series = [window(i, p95=41, cpu=0.97 if 50 <= i < 120 else 0.4) for i in range(200)]
    flags = OnlineDetector().feed(series)
    assert kinds(flags) == ["generator_saturated"]
    assert "worker CPU 97%" in flags[0].message


def test_warm_up_windows_are_never_flagged() -> None:
    config = DetectorConfig(warmup_s=5.0)
    series = [window(i, p95=41 if i % 2 else 400) for i in range(int(5.0 / INTERVAL) - 1)]
    assert OnlineDetector(config).feed(series) == []


def test_sparse_windows_are_pooled_so_a_low_rate_step_is_still_seen() -> None:
    """10 rps in 0.25 s windows: 2-3 requests each, yet the slowdown must be flagged."""
    rng = np.random.default_rng(21)
    series = [
        window(i, p95=(18 if i < 60 else 120) + rng.normal(0, 3), rps=10.0, target_rate=10.0)
        for i in range(140)
    ]
    flags = OnlineDetector().feed(series)
    assert kinds(flags) == ["latency_jump"]
    assert 60 * INTERVAL < flags[0].t <= 70 * INTERVAL
