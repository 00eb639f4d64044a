"""When sessions arrive: the daily shape, the peak and how bursty arrivals are.

Rates are divided by *exposure* (how long the log actually covered each hour of the day), so a
two-minute log still gives a per-hour rate and a log that starts at 13:40 does not understate
13:00. Burstiness is measured within each clock hour so the daily swing is not mistaken for
bursts: pure Poisson arrivals give 1 whatever the diurnal shape.
"""

from __future__ import annotations

import numpy as np

from loadtui.contracts import ArrivalModel

US_PER_S = 1_000_000
US_PER_MIN = 60 * US_PER_S
US_PER_HOUR = 3600 * US_PER_S
US_PER_DAY = 24 * US_PER_HOUR
MIN_PEAK_EXPOSURE_H = 0.25  # an hour bucket must be this covered to set the peak


def _exposure_by_hour(start_us: int, end_us: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per clock-hour bucket from start to end: bucket start (µs), covered seconds, hour of day."""
    first = start_us // US_PER_HOUR * US_PER_HOUR
    buckets = np.arange(first, end_us + 1, US_PER_HOUR, dtype=np.int64)
    lo = np.maximum(buckets, start_us)
    hi = np.minimum(buckets + US_PER_HOUR, end_us)
    covered = np.maximum(hi - lo, 0) / US_PER_S
    hours = (buckets // US_PER_HOUR) % 24
    return buckets, covered, hours


def index_of_dispersion(times_us: np.ndarray, start_us: int, end_us: int) -> float:
    """Variance/mean of per-minute counts, pooled within clock hours (1 = Poisson, >1 = bursty).

    Only whole minutes inside [start, end] count; fewer than two minutes of data gives 1.
    """
    first_min = -(-start_us // US_PER_MIN)  # ceil: first whole minute
    last_min = end_us // US_PER_MIN  # exclusive end
    n_min = int(last_min - first_min)
    if n_min < 2 or times_us.size == 0:
        return 1.0
    minute = times_us // US_PER_MIN - first_min
    minute = minute[(minute >= 0) & (minute < n_min)]
    counts = np.bincount(minute, minlength=n_min).astype(np.float64)
    hour_of_min = (np.arange(first_min, last_min) * US_PER_MIN) // US_PER_HOUR
    _, group = np.unique(hour_of_min, return_inverse=True)
    sizes = np.bincount(group).astype(np.float64)
    sums = np.bincount(group, weights=counts)
    means = sums / sizes
    sq_dev = np.bincount(group, weights=(counts - means[group]) ** 2)
    dof = sizes - 1
    usable = dof > 0
    if not usable.any():
        return 1.0
    pooled_var = sq_dev[usable].sum() / dof[usable].sum()
    pooled_mean = sums[usable].sum() / sizes[usable].sum()
    if pooled_mean <= 0:
        return 1.0
    return float(pooled_var / pooled_mean)


def _rates(times_us: np.ndarray, start_us: int, end_us: int) -> tuple[float, float, np.ndarray]:
    """Mean rate, peak hourly rate (per second) and per-bucket counts."""
    buckets, covered, _hours = _exposure_by_hour(start_us, end_us)
    span_s = max((end_us - start_us) / US_PER_S, 1.0)
    mean = times_us.size / span_s
    idx = np.clip((times_us - buckets[0]) // US_PER_HOUR, 0, buckets.size - 1)
    counts = np.bincount(idx, minlength=buckets.size).astype(np.float64)
    enough = covered >= MIN_PEAK_EXPOSURE_H * 3600
    if not enough.any():
        return mean, mean, counts
    peak = float(np.max(counts[enough] / covered[enough]))
    return mean, max(peak, mean), counts


def arrival_model(session_starts_us: np.ndarray, request_times_us: np.ndarray) -> ArrivalModel:
    """Build the arrival model from session start times and request times (µs since epoch, UTC)."""
    if session_starts_us.size == 0:
        return ArrivalModel()
    starts = np.sort(session_starts_us.astype(np.int64))
    requests = np.sort(request_times_us.astype(np.int64)) if request_times_us.size else starts
    start_us = int(min(starts[0], requests[0]))
    end_us = int(max(starts[-1], requests[-1]))
    if end_us <= start_us:
        end_us = start_us + US_PER_S

    buckets, covered, hours = _exposure_by_hour(start_us, end_us)
    mean_s, peak_s, counts = _rates(starts, start_us, end_us)
    mean_r, peak_r, _ = _rates(requests, start_us, end_us)

    exposure_h = np.bincount(hours, weights=covered / 3600, minlength=24)
    sessions_h = np.bincount(hours, weights=counts, minlength=24)
    observed = exposure_h > 0
    per_hour = np.zeros(24)
    per_hour[observed] = sessions_h[observed] / exposure_h[observed]
    # Hours the log never covered get the mean of the covered ones: flat, not zero, is the
    # honest guess for "unknown".
    per_hour[~observed] = per_hour[observed].mean()

    weekday: list[float] | None = None
    if end_us - start_us >= 7 * US_PER_DAY:
        days = (buckets // US_PER_DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        exposure_d = np.bincount(days, weights=covered / 86400, minlength=7)
        sessions_d = np.bincount(days, weights=counts, minlength=7)
        weekday = [
            float(s / e) if e > 0 else 0.0 for s, e in zip(sessions_d, exposure_d, strict=True)
        ]

    return ArrivalModel(
        sessions_per_hour=[float(v) for v in per_hour],
        sessions_per_weekday=weekday,
        mean_sessions_per_s=float(mean_s),
        peak_sessions_per_s=float(peak_s),
        peak_factor=float(peak_s / mean_s) if mean_s > 0 else 1.0,
        burstiness=index_of_dispersion(starts, start_us, end_us),
        mean_requests_per_s=float(mean_r),
        peak_requests_per_s=float(peak_r),
    )
