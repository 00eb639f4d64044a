"""Fit positive, heavy-tailed quantities (think times, durations, lengths) to a `Distribution`.

A lognormal is what think times and session lengths usually look like, and it samples cheaply in
the engine. When the data clearly is not lognormal (a page load's burst of near-zero asset gaps
mixed with human pauses is bimodal), the model says `empirical` so the engine samples the
observed quantiles instead of a wrong curve.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from loadtui.contracts import Distribution

# Probability levels kept for empirical sampling and display (endpoints included for sampling).
QUANTILE_LEVELS: tuple[float, ...] = (
    0.0,
    0.01,
    0.05,
    0.1,
    0.2,
    0.25,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.75,
    0.8,
    0.9,
    0.95,
    0.99,
    1.0,
)
# Kolmogorov–Smirnov distance above which the lognormal is not trusted for sampling.
KS_LIMIT = 0.08
# The fit and the KS check run on a seeded sample this large: the parameters and the distance
# are stable to well under a percent long before it, and a million gaps would cost a second.
FIT_SAMPLE = 50_000
# Smallest value used in the log fit: timestamps have 1 ms (often 1 s) resolution, so 0 means
# "less than the resolution", not "no time at all".
FLOOR = 1e-3


def quantile_key(level: float) -> str:
    """`0.5` → `"0.5"`, `0.05` → `"0.05"`: stable JSON keys for quantile levels."""
    return f"{level:g}"


def fit_distribution(values: np.ndarray | list[float]) -> Distribution:
    """Fit a lognormal (scipy MLE, location fixed at 0) and keep empirical quantiles.

    Empty input gives an all-zero `constant`; a single distinct value gives a `constant`.
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    x = x[x >= 0]
    n = int(x.size)
    if n == 0:
        return Distribution(kind="constant", n=0)
    qs = np.quantile(x, QUANTILE_LEVELS)
    quantiles = {quantile_key(lv): float(q) for lv, q in zip(QUANTILE_LEVELS, qs, strict=True)}
    observed = Distribution(
        kind="constant",
        median=quantiles["0.5"],
        mean=float(x.mean()),
        p10=quantiles["0.1"],
        p50=quantiles["0.5"],
        p90=quantiles["0.9"],
        p99=quantiles["0.99"],
        n=n,
        quantiles=quantiles,
    )
    if n < 2 or float(x.max() - x.min()) <= 0.0:
        return observed
    if n > FIT_SAMPLE:
        x = x[np.random.default_rng(0).integers(0, n, FIT_SAMPLE)]
    clipped = np.maximum(x, FLOOR)
    shape, _loc, scale = stats.lognorm.fit(clipped, floc=0)
    sigma = float(shape)
    mu = float(math.log(scale))
    if not (math.isfinite(mu) and math.isfinite(sigma)) or sigma <= 0:
        return observed.model_copy(update={"kind": "empirical"})
    ks = float(stats.kstest(clipped, "lognorm", args=(sigma, 0, scale)).statistic)
    kind = "lognormal" if ks <= KS_LIMIT else "empirical"
    return observed.model_copy(update={"kind": kind, "mu": mu, "sigma": sigma})
