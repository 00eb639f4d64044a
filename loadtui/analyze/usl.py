"""Universal Scalability Law (Gunther): throughput vs concurrency.

X(N) = λN / (1 + α(N−1) + βN(N−1)): λ is the throughput of one unit of concurrency, α the
contention (serialised share: the curve flattens toward λ/α), β the coherency cost (the curve
turns down after N* = √((1−α)/β)). It answers "how many users" questions: the throughput a
given number of concurrent users reach, and the concurrency past which more users only wait.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import OptimizeWarning, curve_fit

Array = NDArray[np.float64]
MIN_LEVELS = 3  # distinct concurrency levels needed for three parameters


@dataclass(frozen=True)
class USL:
    lam: float  # requests/s per unit of concurrency at N = 1
    alpha: float
    beta: float

    def throughput(self, n: Array | float) -> Array:
        n = np.maximum(np.asarray(n, dtype=float), 0.0)
        out = self.lam * n / (1.0 + self.alpha * (n - 1.0) + self.beta * n * (n - 1.0))
        return np.asarray(out, dtype=np.float64)

    @property
    def peak_concurrency(self) -> float:
        """N* where throughput is highest (infinite when β = 0: it only flattens)."""
        if self.beta <= 0:
            return math.inf
        return math.sqrt(max(1.0 - self.alpha, 0.0) / self.beta)

    @property
    def peak_throughput(self) -> float:
        n = self.peak_concurrency
        if math.isinf(n):
            return self.lam / self.alpha if self.alpha > 0 else math.inf
        return float(self.throughput(n))

    def concurrency_for(self, throughput: float) -> float:
        """Smallest N reaching `throughput` (inf when the curve never does)."""
        if throughput >= self.peak_throughput:
            return math.inf if throughput > self.peak_throughput else self.peak_concurrency
        top = self.peak_concurrency if math.isfinite(self.peak_concurrency) else 1e7
        grid = np.geomspace(1e-3, max(top, 1.0), 4000)
        values = self.throughput(grid)
        hit = np.nonzero(values >= throughput)[0]
        return float(grid[hit[0]]) if hit.size else math.inf


def fit_usl(concurrency: Array, throughput: Array) -> USL | None:
    """Bounded least squares (α, β in [0, 1], λ > 0); None without three concurrency levels
    or when the fit does not converge."""
    keep = (concurrency > 0) & (throughput > 0)
    n, x = concurrency[keep], throughput[keep]
    if np.unique(np.round(n, 1)).size < MIN_LEVELS:
        return None
    lam0 = float(np.max(x / n))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", OptimizeWarning)
            params, _cov = curve_fit(
                lambda nn, lam, a, b: lam * nn / (1.0 + a * (nn - 1.0) + b * nn * (nn - 1.0)),
                n,
                x,
                p0=(lam0, 0.01, 0.0001),
                bounds=([1e-9, 0.0, 0.0], [lam0 * 10.0, 1.0, 1.0]),
                maxfev=20000,
            )
    except (RuntimeError, ValueError):
        return None
    return USL(lam=float(params[0]), alpha=float(params[1]), beta=float(params[2]))
