"""Threshold bounds from the run-to-run distribution of baseline runs, rounded for people.

A threshold must let noise pass and fail a real regression. Window-to-window spread inside one
run understates what matters: runs differ by more than windows do (a busy neighbour, a cold
cache, GC timing), and a threshold is judged once per run. So the bound rests on one value per
baseline run (its p95, say), as a performance engineer would set it by hand:

    bound = round_up( Q90(run values) + max(K × sd(run values), MIN_MARGIN × median) )

Q90 (linear interpolation) is near the worst baseline run with 5 runs and is less swayed by
one outlier than the max with 10; the margin scales with the run-to-run spread, so a noisy
system gets room, and is at least 10 % of the median because five runs taken minutes apart
understate the drift of hours: on the shared bench box, 5 quiet runs (30.6-32.0 ms) gave a
5 % margin and a bound of 34 ms that 3 of 5 later identical runs broke (34.6 ms). With 5
quiet runs the bound lands near +13 % of the median, the rounding adds at most 2.5 % more,
and a +20 % regression still fails. With fewer than 3 runs there is no spread to measure, so
the minimum margin is 15 % (and the advisor's confidence is lower).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

UPPER_QUANTILE = 0.90
K_SPREAD = 2.0  # margin in run-to-run standard deviations
MIN_MARGIN = 0.10  # at least 10 % of the median above the upper quantile
FEW_RUNS = 3  # below this, no spread can be measured: MIN_MARGIN × 1.5
FEW_RUNS_FACTOR = 1.5
# latency bounds round up to the largest of these steps that is ≤ 2.5 % of the value: 500 ms
# goes in 10 ms steps, 1 s in 25 ms, 2 s in 50 ms, 60 ms in 1 ms steps (a 5 ms step there
# would add 8 % and hide part of the regression the bound exists to catch)
LATENCY_STEPS_MS = (1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0)
MAX_STEP_FRACTION = 0.025
# error-rate bounds people write: 0.1 %, 0.2 %, 0.5 %, 1 %, 2 %, 5 %, 10 % ...
ERROR_RATE_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0)
MIN_ERROR_MARGIN = 0.002  # 0.2 points: a handful of failed requests is not a trend
OUTLIER_FACTOR = 1.5  # a baseline run this far above the median of the others is left out
OUTLIER_MIN_RUNS = 4
ERROR_RATE_FLOOR = 0.01  # k6's customary rate<0.01; a bound below it fails on a few stray errors


@dataclass(frozen=True)
class Bound:
    """A proposed upper bound and the numbers it came from (all in the values' unit)."""

    runs: int
    median: float
    upper: float  # the upper quantile of the run values
    spread: float  # sample standard deviation (0 with one run)
    margin: float
    raw: float  # upper + margin, before rounding
    value: float  # rounded up


def latency_step(value_ms: float) -> float:
    """The rounding step for a latency bound near `value_ms` (see LATENCY_STEPS_MS)."""
    fitting = [s for s in LATENCY_STEPS_MS if s <= MAX_STEP_FRACTION * value_ms]
    return fitting[-1] if fitting else LATENCY_STEPS_MS[0]


def round_up(value: float, step: float) -> float:
    """`value` rounded up to a multiple of `step` (tiny float error does not add a step)."""
    return float(math.ceil(value / step - 1e-9) * step)


def nice_rate(value: float) -> float:
    """The smallest ERROR_RATE_STEPS entry ≥ value (1.0 at most)."""
    for step in ERROR_RATE_STEPS:
        if step >= value - 1e-12:
            return step
    return 1.0


def _spread_stats(values: Sequence[float]) -> tuple[float, float, float]:
    arr = np.asarray(values, dtype=float)
    median = float(np.median(arr))
    upper = float(np.quantile(arr, UPPER_QUANTILE))
    spread = float(statistics.stdev(arr.tolist())) if len(arr) >= 2 else 0.0
    return median, upper, spread


def outliers(values: Sequence[float]) -> list[int]:
    """Indexes of baseline runs far above the others: > OUTLIER_FACTOR × the median of the
    rest (judged with ≥ OUTLIER_MIN_RUNS runs, at most a quarter of them left out). One run
    2.5× slower than its four siblings is a busy neighbour, not the system's spread: kept, it
    would lift the bound past any regression (bench: 32-33 ms runs and one at 80.9 ms gave
    p(95)<138, which a +25 % run passed)."""
    n = len(values)
    if n < OUTLIER_MIN_RUNS:
        return []
    out: list[int] = []
    for i in sorted(range(n), key=lambda j: -values[j])[: n // 4]:
        rest = [v for j, v in enumerate(values) if j != i and j not in out]
        if values[i] > OUTLIER_FACTOR * statistics.median(rest):
            out.append(i)
    return sorted(out)


def latency_bound(values_ms: Sequence[float]) -> Bound:
    """The latency bound for run values (one p95 or p99 per baseline run), in ms."""
    if not values_ms:
        raise ValueError("a bound needs at least one run value")
    median, upper, spread = _spread_stats(values_ms)
    min_margin = MIN_MARGIN * (FEW_RUNS_FACTOR if len(values_ms) < FEW_RUNS else 1)
    margin = max(K_SPREAD * spread, min_margin * median)
    raw = upper + margin
    value = round_up(raw, latency_step(raw))
    return Bound(len(values_ms), median, upper, spread, margin, raw, value)


def error_rate_bound(rates: Sequence[float]) -> Bound:
    """The http_req_failed rate bound for run error rates (fractions), at least 1 %."""
    if not rates:
        raise ValueError("a bound needs at least one run value")
    median, upper, spread = _spread_stats(rates)
    margin = max(K_SPREAD * spread, MIN_ERROR_MARGIN)
    raw = upper + margin
    value = nice_rate(max(raw, ERROR_RATE_FLOOR))
    return Bound(len(rates), median, upper, spread, margin, raw, value)
