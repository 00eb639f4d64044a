"""Arrivals follow a day's rhythm; out-of-order mode steps back in time like Apache logs."""

from __future__ import annotations

import numpy as np
import polars as pl
from conftest import Synth

from loadtui.synth.arrivals import (
    MIN_SESSION_GAP_S,
    minute_intensity,
    separate_user_sessions,
    sessions_per_user,
)
from loadtui.synth.generator import generate


def test_hourly_profile_peaks_in_the_evening_and_dips_at_night(synth: Synth) -> None:
    people = synth.truth.filter(pl.col("persona").is_in(["casual_browser", "power_user"]))
    per_hour = np.bincount(people["start"].dt.hour().to_numpy(), minlength=24)
    peak = int(per_hour.argmax())
    assert 17 <= peak <= 22, per_hour
    evening, night = per_hour[18:23].sum(), per_hour[2:7].sum()
    assert evening > 3 * night, per_hour


def test_log_is_in_time_order_unless_asked_otherwise(synth: Synth) -> None:
    assert synth.requests["ts"].is_sorted()
    shuffled = generate(sessions=150, seed=4, out_of_order=True).rows
    steps = shuffled["ts"].diff().dt.total_microseconds().drop_nulls()
    assert (steps < 0).sum() > 0  # some lines finish after later-starting ones
    assert steps.min() > -120 * 1e6  # …but never far back


def test_weekends_differ_from_weekdays_for_integrations() -> None:
    rng = np.random.default_rng(0)
    # 1 Nov 2026 is a Sunday
    intensity = minute_intensity(rng, days=7, first_weekday=6)
    per_day = intensity["business"].reshape(7, -1).sum(axis=1)
    sunday, monday = per_day[0], per_day[1]
    assert monday > 1.8 * sunday


def test_sessions_per_user_add_up_and_returning_users_keep_their_distance() -> None:
    rng = np.random.default_rng(1)
    counts = sessions_per_user(rng, 500, rate=1.5)
    assert counts.sum() == 500 and counts.min() >= 1 and counts.max() > 1
    user = np.repeat(np.arange(counts.size), counts)
    starts = rng.uniform(0, 86400, user.size)
    durations = rng.uniform(0, 600, user.size)
    fixed = separate_user_sessions(starts, durations, user)
    order = np.lexsort((fixed, user))
    same = user[order][1:] == user[order][:-1]
    gaps = fixed[order][1:] - (fixed[order][:-1] + durations[order][:-1])
    assert (gaps[same] >= MIN_SESSION_GAP_S).all()
