"""Arrivals follow a day's rhythm; out-of-order mode steps back in time like Apache logs."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
from synth_runs import Synth

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
    intensity = minute_intensity(rng, days=7, start=datetime(2026, 11, 1, tzinfo=UTC))  # a Sunday
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


def test_a_start_at_six_keeps_the_clock() -> None:
    log = generate(sessions=600, seed=5, start=datetime(2026, 11, 2, 6, 0, tzinfo=UTC), days=1)
    people = log.truth.filter(pl.col("persona") == "casual_browser")
    first = people["start"].min()
    assert first is not None and first >= datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
    per_hour = np.bincount(people["start"].dt.hour().to_numpy(), minlength=24)
    assert 17 <= int(per_hour.argmax()) <= 22  # still the evening, not 6 h + the peak


def test_arrivals_are_burstier_than_the_hourly_profile() -> None:
    rng = np.random.default_rng(3)
    people = minute_intensity(rng, days=3, start=datetime(2026, 11, 2, tzinfo=UTC))["people"]
    per_hour = people.reshape(-1, 60)
    # within each hour the rate moves (5-minute bursts), by more than a few percent
    spread = per_hour.std(axis=1) / per_hour.mean(axis=1)
    assert np.median(spread) > 0.2
