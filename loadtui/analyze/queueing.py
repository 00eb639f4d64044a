"""The queueing baseline: an M/G/c model of response time vs throughput, fitted to windows.

Trees cannot extrapolate and a straight line does not bend, but a queue does the right thing
past the data: response time R(λ) = S·(1 + k·ρ^a / (c(1−ρ))), with ρ = λS/c, the
Sakasegawa (1977) approximation of the M/G/c wait (a = √(2(c+1)) − 1; k = (1 + CV²)/2, the
arrival and service-time variability). Its two free parameters are the mean service time S and the
capacity μ = c/S (requests/s); c follows. The fit is in log latency with a soft-L1 loss, so a
few windows of a stalled box do not drag it, and ρ is capped just under 1 so windows past the
knee (whose latency the queue limit bounds) still pull μ down to the throughput they reached.

Whether μ is *identified* depends on the data: windows near the knee pin it; a run that never
left the flat part of the curve says only that μ is above the highest load it saw. The
bootstrap in `fit_queue_bootstrap` shows that honestly as a wide (or open) interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import least_squares

Array = NDArray[np.float64]
RHO_CAP = 0.995  # past this the model's latency is the queue limit's business, not the model's
MU_SPAN = 50.0  # μ is searched up to this × the highest load seen


@dataclass(frozen=True)
class QueueModel:
    service_ms: float  # mean service time S
    mu: float  # capacity c/S, requests/s
    k: float  # (1 + CV²)/2 of service times

    @property
    def servers(self) -> float:
        return self.mu * self.service_ms / 1000.0

    def rho(self, load: Array | float) -> Array:
        return np.clip(np.asarray(load, dtype=float) / self.mu, 0.0, RHO_CAP)

    def shape(self, load: Array | float) -> Array:
        """R(λ)/S: how many times the unloaded response time a request takes at load λ."""
        c = max(self.servers, 1e-6)
        rho = self.rho(load)
        a = np.sqrt(2.0 * (c + 1.0)) - 1.0
        return 1.0 + self.k * rho**a / (c * (1.0 - rho))

    def response_ms(self, load: Array | float) -> Array:
        return self.service_ms * self.shape(load)


POISSON_CV2 = 1.0  # arrivals of independent sessions (the open model, real traffic)
PACED_CV2 = 0.1  # fixed-rate arrivals (`--url --rate`), plus the event loop's send jitter


def arrival_cv2(arrivals: Sequence[str]) -> float:
    """Squared coefficient of variation of inter-arrival times from the runs' `arrivals`
    (summary environment): paced only when every run was paced; unknown reads as Poisson."""
    return PACED_CV2 if arrivals and all(a == "paced" for a in arrivals) else POISSON_CV2


def variability(p50: Array, p95: Array, arrival_cv2: float = POISSON_CV2) -> float:
    """k = (Ca² + Cs²)/2 (Allen–Cunneen): Cs² from unloaded p50/p95, reading service times as
    lognormal (the spread of p95 over p50 gives σ), clamped to [0, 1] (deterministic to
    exponential). Fixed-rate arrivals queue far less than Poisson ones at the same load: read
    as Poisson, a paced ramp's flat latency put the knee 20-40 % too high."""
    ratio = np.median(p95 / np.maximum(p50, 1e-9)) if p50.size else 3.0
    sigma = np.log(max(float(ratio), 1.0)) / 1.6449
    service_cv2 = float(np.clip(np.expm1(sigma**2), 0.0, 1.0))
    return (arrival_cv2 + service_cv2) / 2.0


def fit_queue(
    load: Array, latency_ms: Array, k: float, base_ms: float, mu: float | None = None
) -> QueueModel:
    """Least-squares fit of (S, μ) to windows' mean latency vs goodput; only S when the
    utilization law measured μ (`demand.py`)."""
    top = max(float(load.max()), 1e-6)
    s0 = max(base_ms, 1e-3)
    if mu is not None:
        return _fit_service(load, latency_ms, k, s0, mu)

    def residuals(theta: Array) -> Array:
        model = QueueModel(service_ms=float(np.exp(theta[0])), mu=float(np.exp(theta[1])), k=k)
        return np.log(model.response_ms(load)) - np.log(np.maximum(latency_ms, 1e-6))

    lo = np.array([np.log(0.3 * s0), np.log(0.5 * top)])
    hi = np.array([np.log(3.0 * s0), np.log(MU_SPAN * top)])
    best: QueueModel | None = None
    best_cost = np.inf
    for start_mu in (1.1 * top, 2.0 * top, 8.0 * top):  # the cost is not convex in μ
        x0 = np.clip(np.array([np.log(s0), np.log(start_mu)]), lo + 1e-9, hi - 1e-9)
        res = least_squares(residuals, x0, bounds=(lo, hi), loss="soft_l1", f_scale=0.1)
        if res.cost < best_cost:
            best_cost = float(res.cost)
            best = QueueModel(float(np.exp(res.x[0])), float(np.exp(res.x[1])), k)
    assert best is not None
    return best


def _fit_service(load: Array, latency_ms: Array, k: float, s0: float, mu: float) -> QueueModel:
    def residuals(theta: Array) -> Array:
        model = QueueModel(service_ms=float(np.exp(theta[0])), mu=mu, k=k)
        return np.log(model.response_ms(load)) - np.log(np.maximum(latency_ms, 1e-6))

    lo, hi = np.log(0.3 * s0), np.log(3.0 * s0)
    x0 = np.clip(np.array([np.log(s0)]), lo + 1e-9, hi - 1e-9)
    res = least_squares(residuals, x0, bounds=([lo], [hi]), loss="soft_l1", f_scale=0.1)
    return QueueModel(float(np.exp(res.x[0])), mu, k)


def fit_queue_bootstrap(
    load: Array,
    latency_ms: Array,
    k: float,
    base_ms: float,
    rounds: int,
    seed: int,
    mus: Array | None = None,
) -> list[QueueModel]:
    """Refits on windows drawn with replacement: the spread of μ is what the data know.
    With `mus` (the utilization law's resampled ceilings) each refit takes one of them."""
    rng = np.random.default_rng(seed)
    n = load.size
    fits: list[QueueModel] = []
    for i in range(rounds):
        idx = rng.integers(0, n, n)
        if np.unique(load[idx]).size < 3:
            continue
        mu = None if mus is None or mus.size == 0 else float(mus[i % mus.size])
        fits.append(fit_queue(load[idx], latency_ms[idx], k, base_ms, mu))
    return fits
