"""Arrival shape: per-hour rates, peak factor, burstiness as index of dispersion."""

from __future__ import annotations

import numpy as np
import pytest

from loadtui.profile.arrivals import US_PER_S, arrival_model, index_of_dispersion

DAY0 = 1_709_251_200 * US_PER_S  # 2024-03-01 00:00 UTC, a Friday


def _poisson_times(rate_per_s: float, seconds: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate_per_s * seconds)
    return np.sort(DAY0 + (rng.uniform(0, seconds, n) * US_PER_S).astype(np.int64))


def test_poisson_arrivals_have_burstiness_near_one() -> None:
    t = _poisson_times(0.5, 6 * 3600, seed=3)
    assert index_of_dispersion(t, DAY0, DAY0 + 6 * 3600 * US_PER_S) == pytest.approx(1.0, abs=0.15)


def test_diurnal_swing_alone_is_not_burstiness() -> None:
    rng = np.random.default_rng(9)
    parts = []
    for hour in range(24):
        rate = 0.1 + 0.9 * (hour >= 9 and hour < 18)
        n = rng.poisson(rate * 3600)
        parts.append(DAY0 + ((hour * 3600 + rng.uniform(0, 3600, n)) * US_PER_S).astype(np.int64))
    t = np.sort(np.concatenate(parts))
    assert index_of_dispersion(t, DAY0, DAY0 + 86400 * US_PER_S) == pytest.approx(1.0, abs=0.15)


def test_bursty_arrivals_have_dispersion_above_one() -> None:
    rng = np.random.default_rng(4)
    bursts = rng.uniform(0, 6 * 3600, 200)
    t = np.concatenate([b + rng.uniform(0, 20, 15) for b in bursts])
    times = np.sort(DAY0 + (t * US_PER_S).astype(np.int64))
    assert index_of_dispersion(times, DAY0, DAY0 + 6 * 3600 * US_PER_S) > 3.0


def test_hourly_profile_peak_and_means() -> None:
    # 100 sessions in hour 9, 10 in hour 15, log spans 09:00–16:00
    t9 = DAY0 + (9 * 3600 + np.linspace(0, 3599, 100)).astype(np.int64) * US_PER_S
    t15 = DAY0 + (15 * 3600 + np.linspace(0, 3599, 10)).astype(np.int64) * US_PER_S
    end = DAY0 + 16 * 3600 * US_PER_S
    starts = np.concatenate([t9, t15, [end]])
    model = arrival_model(starts, starts)
    assert model.sessions_per_hour[9] == pytest.approx(100, rel=0.02)
    assert model.sessions_per_hour[15] == pytest.approx(10, rel=0.02)
    assert model.sessions_per_hour[12] == 0.0
    # hours the log never covered are flat at the covered mean, not zero
    assert model.sessions_per_hour[3] == pytest.approx(111 / 7, rel=0.05)
    assert model.mean_sessions_per_s == pytest.approx(111 / (7 * 3600), rel=0.01)
    assert model.peak_sessions_per_s == pytest.approx(100 / 3600, rel=0.02)
    assert model.peak_factor == pytest.approx(100 / (111 / 7), rel=0.03)
    assert model.sessions_per_weekday is None


def test_weekday_profile_needs_a_week() -> None:
    starts = DAY0 + np.arange(0, 8 * 86400, 600, dtype=np.int64) * US_PER_S
    model = arrival_model(starts, starts)
    assert model.sessions_per_weekday is not None
    assert len(model.sessions_per_weekday) == 7
    assert model.sessions_per_weekday == pytest.approx([144.0] * 7, rel=0.02)


def test_a_two_minute_log_still_gives_a_rate() -> None:
    starts = DAY0 + np.arange(0, 120, 2, dtype=np.int64) * US_PER_S
    model = arrival_model(starts, starts)
    assert model.mean_sessions_per_s == pytest.approx(60 / 118, rel=0.01)
    assert model.sessions_per_hour[0] == pytest.approx(60 / (118 / 3600), rel=0.01)
    assert model.peak_factor == pytest.approx(1.0)
