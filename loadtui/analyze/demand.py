"""Capacity by the utilization law, where the target reported how busy it was.

U = X·D: a window's busy fraction over its throughput is the service demand per request, and
the ceiling is 1/D = ΣX/ΣU (a ratio of sums, so lightly loaded windows weigh little). Windows
near saturation or with errors are left out: past the knee U pins at 1 while X is whatever
queueing let through, and an error answered at once used no service. Resampled windows give the
interval.

The law assumes the probed slots are the bottleneck. If something behind them saturates first
(a database), latency fails before U reaches 1; the failures then place the knee through the
logistic fit, which `capacity.py` prefers whenever the run has them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from loadtui.analyze.features import LoadFeatures

Array = NDArray[np.float64]
MIN_UTIL = 0.05  # below this the busy time is mostly sampling noise
MAX_UTIL = 0.95  # at saturation U stops telling the demand
MAX_ERROR_RATE = 0.01
MIN_WINDOWS = 6


@dataclass(frozen=True)
class Demand:
    mu: float  # requests/s at 100 % busy
    boot: Array  # the estimate on resampled windows
    top_utilization: float  # highest busy fraction among the windows used
    windows: int


def fit_demand(f: LoadFeatures, rounds: int, seed: int) -> Demand | None:
    """The utilization-law ceiling and its resampled spread; None without enough probed
    windows."""
    u = f.utilization
    use = np.isfinite(u) & (u >= MIN_UTIL) & (u <= MAX_UTIL) & (f.error_rate <= MAX_ERROR_RATE)
    if int(use.sum()) < MIN_WINDOWS:
        return None
    x, busy = f.goodput[use], u[use]
    mu = float(x.sum() / busy.sum())
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, x.size, (rounds, x.size))
    boot = x[idx].sum(axis=1) / np.maximum(busy[idx].sum(axis=1), 1e-12)
    return Demand(mu, boot.astype(np.float64), float(busy.max()), int(x.size))
