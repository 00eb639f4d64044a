"""When sessions start: a daily rhythm, a weekly one, and bursts on top.

Session starts are drawn from a per-minute intensity (a Cox process): an hour-of-day profile per
kind of client, a day-of-week factor, a gamma-distributed multiplier per five minutes (real
traffic is over-dispersed against Poisson) and, now and then, a campaign spike of people.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

MINUTES_PER_DAY = 1440
BURST_BIN_MIN = 5
BURST_SHAPE = 4.0  # gamma shape of the 5-minute multiplier: variance 1/shape around 1
MIN_SESSION_GAP_S = 1800.0 + 90.0  # > the usual 30 min timeout, after rounding to seconds

# Relative sessions per hour of day (00..23, in the log's time zone).
# shoppers: trough before dawn, lunch bump, evening peak at 20:00
_PEOPLE = (
    0.30, 0.20, 0.14, 0.10, 0.09, 0.11, 0.20, 0.38, 0.55, 0.65, 0.72, 0.80,
    0.86, 0.82, 0.78, 0.78, 0.82, 0.92, 1.05, 1.20, 1.30, 1.22, 0.95, 0.60,
)  # fmt: skip
# integrations: office hours, cron jobs all night
_BUSINESS = (
    0.35, 0.30, 0.30, 0.30, 0.30, 0.35, 0.50, 0.75, 0.95, 1.05, 1.10, 1.10,
    1.05, 1.10, 1.10, 1.05, 1.00, 0.90, 0.75, 0.60, 0.50, 0.45, 0.40, 0.38,
)  # fmt: skip
# crawlers: around the clock, slightly more at night when sites are quiet
_FLAT = (
    1.10, 1.15, 1.15, 1.15, 1.10, 1.05, 1.00, 0.95, 0.95, 0.95, 0.95, 0.95,
    0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 1.00, 1.00, 1.05, 1.05,
)  # fmt: skip
HOURLY: dict[str, np.ndarray] = {
    "people": np.array(_PEOPLE),
    "business": np.array(_BUSINESS),
    "flat": np.array(_FLAT),
}
# Monday..Sunday.
WEEKDAY: dict[str, np.ndarray] = {
    "people": np.array([1.00, 0.97, 0.97, 1.00, 1.05, 1.12, 1.08]),
    "business": np.array([1.00, 1.00, 1.00, 1.00, 0.95, 0.45, 0.40]),
    "flat": np.ones(7),
}


def minute_intensity(rng: np.random.Generator, days: int, start: datetime) -> dict[str, np.ndarray]:
    """Per-minute relative intensity over `days` from `start` for each arrival profile.

    The burst multiplier is shared by all profiles (a busy five minutes is busy for everyone);
    campaign spikes (a newsletter, a sale) only touch people.
    """
    minutes = np.arange(days * MINUTES_PER_DAY)
    # clock minutes since the Monday 00:00 before `start`, so a 06:00 start begins at hour 6
    clock = minutes + start.weekday() * MINUTES_PER_DAY + start.hour * 60 + start.minute
    hour = (clock // 60) % 24
    weekday = (clock // MINUTES_PER_DAY) % 7
    bins = -(-minutes.size // BURST_BIN_MIN)
    burst = rng.gamma(BURST_SHAPE, 1.0 / BURST_SHAPE, size=bins)
    burst = np.repeat(burst, BURST_BIN_MIN)[: minutes.size]
    spikes = np.ones(minutes.size)
    for day in range(days):
        if rng.random() < 0.5:
            # a 20-40 min campaign between 09:00 and 21:00, 2-3x the usual rate
            at = day * MINUTES_PER_DAY + int(rng.integers(9 * 60, 21 * 60))
            length = int(rng.integers(20, 41))
            spikes[at : at + length] *= rng.uniform(2.0, 3.0)
    out: dict[str, np.ndarray] = {}
    for name, profile in HOURLY.items():
        base = profile[hour] * WEEKDAY[name][weekday] * burst
        out[name] = base * spikes if name == "people" else base
    return out


def draw_starts(rng: np.random.Generator, intensity: np.ndarray, n: int) -> np.ndarray:
    """`n` start times in seconds from the span's beginning, drawn from a per-minute intensity."""
    p = intensity / intensity.sum()
    minute = rng.choice(intensity.size, size=n, p=p)
    return minute * 60.0 + rng.random(n) * 60.0


def sessions_per_user(rng: np.random.Generator, n_sessions: int, rate: float) -> np.ndarray:
    """How many of `n_sessions` each user has: 1 + Poisson(rate), cut to add up exactly."""
    if n_sessions <= 0:
        return np.zeros(0, dtype=np.int64)
    guess = int(n_sessions / (1.0 + rate) * 1.5) + 8
    counts = 1 + rng.poisson(rate, size=guess)
    while counts.sum() < n_sessions:
        counts = np.concatenate([counts, 1 + rng.poisson(rate, size=guess)])
    total = np.cumsum(counts)
    users = int(np.searchsorted(total, n_sessions)) + 1
    counts = counts[:users].copy()
    counts[-1] -= int(total[users - 1] - n_sessions)
    return counts


def separate_user_sessions(
    starts: np.ndarray, durations: np.ndarray, user: np.ndarray
) -> np.ndarray:
    """Push a user's later sessions back so each begins well over 30 idle minutes after the
    previous one ended; a returning visitor must never merge into one long session.

    `starts`, `durations` in seconds; returns the new starts (same order as given).
    """
    order = np.lexsort((starts, user))
    s, d, u = starts[order].copy(), durations[order], user[order]
    repeat = np.flatnonzero(u[1:] == u[:-1]) + 1  # sessions that follow one of the same user
    for i in repeat:  # sequential by nature; only returning users' sessions loop here
        earliest = s[i - 1] + d[i - 1] + MIN_SESSION_GAP_S
        if s[i] < earliest:
            s[i] = earliest + (s[i] % 600.0)  # spread, not all at exactly the boundary
    out = np.empty_like(s)
    out[order] = s
    return out
