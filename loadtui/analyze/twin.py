"""The digital twin: latency, throughput and failure probability at a load nobody ran yet.

`fit_twin(windows_by_run)` learns from finished runs' windows:
- the queueing baseline (`queueing.py`, M/G/c) for the shape of latency vs load, its
  capacity μ measured by the utilization law when the target reported its busy time
  (`demand.py`);
- the USL (`usl.py`) for throughput vs concurrency, so a question in users has an answer;
- p95 latency as baseline × a learned correction: GradientBoosting, RandomForest and a Voting
  ensemble of both are trained on log(p95 / baseline), and the one with the lowest
  cross-validated error wins (the bare baseline competes too). Trees cannot extrapolate, so
  past the data the correction stays at its edge value and the queue supplies the shape;
- split-conformal prediction intervals from the winner's out-of-fold residuals, widened past
  the data and joined with the queueing bootstrap's spread;
- the failure model and capacity (`capacity.py`).

Everything returned is plain frozen dataclasses; `forecast_report` turns them into the JSON
contract (`contracts.Forecast`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from sklearn.ensemble import GradientBoostingRegressor, RandomForestRegressor, VotingRegressor
from sklearn.model_selection import KFold
from threadpoolctl import threadpool_limits

from loadtui.analyze.capacity import Capacity, FailureModel, FailureRule, fit_capacity
from loadtui.analyze.demand import fit_demand
from loadtui.analyze.features import LoadFeatures, load_features, load_levels
from loadtui.analyze.queueing import (
    POISSON_CV2,
    QueueModel,
    fit_queue,
    fit_queue_bootstrap,
    variability,
)
from loadtui.analyze.usl import USL, fit_usl
from loadtui.contracts import MetricWindow

Array = NDArray[np.float64]
DEFAULT_SLO_MS = 500.0
SLO_BASE_FACTOR = 5.0  # the default SLO is at least this × the unloaded p95
MIN_LEVELS = 4  # fewer load levels than this cannot shape a curve
MIN_WINDOWS = 6
FAR_BEYOND = 1.5  # asking for more than this × the highest load seen gets a warning
COVERAGE = 0.9  # conformal interval level
BOOT_ROUNDS = 60


class TwinError(ValueError):
    """The windows cannot support a forecast (too few, or no load)."""


@dataclass(frozen=True)
class Prediction:
    load: float  # requests/s asked for
    p95: float  # ms
    p95_low: float
    p95_high: float
    throughput: float  # requests/s the system would answer
    p_fail: float
    extrapolated: bool  # beyond the highest load in the data
    warning: str | None = None


@dataclass(frozen=True)
class ModelScore:
    name: str
    cv_mape: float  # mean absolute percentage error of p95, out of fold
    cv_r2: float


@dataclass
class Twin:
    features: LoadFeatures
    rule: FailureRule
    queue: QueueModel
    queue_fits: list[QueueModel]
    usl: USL | None
    model_name: str
    scores: list[ModelScore]
    conformal_q: float  # log-space half-width of the interval
    failure: FailureModel
    capacity: Capacity
    fit_seconds: float
    notes: list[str] = field(default_factory=list)
    _regressor: object | None = None

    @property
    def max_load(self) -> float:
        return float(self.features.goodput.max())

    @property
    def chosen(self) -> ModelScore:
        return next(s for s in self.scores if s.name == self.model_name)

    def baseline_p95(self, load: Array) -> Array:
        return self.features.base_p95 * self.queue.shape(load)

    def _correction(self, load: Array) -> Array:
        if self._regressor is None:
            return np.zeros_like(load)
        edge = np.minimum(load, self.max_load)  # trees stop at their edge; the queue goes on
        X = _design(edge, self.queue, self.max_load)
        return np.asarray(self._regressor.predict(X), dtype=np.float64)  # type: ignore[attr-defined]

    def predict_many(self, load: Sequence[float] | Array) -> list[Prediction]:
        x = np.maximum(np.asarray(load, dtype=float), 0.0)
        p95 = self.baseline_p95(x) * np.exp(self._correction(x))
        beyond = np.maximum(x / max(self.max_load, 1e-9) - 1.0, 0.0)
        q = self.conformal_q * (1.0 + 2.0 * beyond)
        low, high = p95 * np.exp(-q), p95 * np.exp(q)
        if self.queue_fits:
            spread = np.array([self.features.base_p95 * m.shape(x) for m in self.queue_fits])
            corr = np.exp(self._correction(x))
            low = np.minimum(low, np.percentile(spread, 5, axis=0) * corr)
            high = np.maximum(high, np.percentile(spread, 95, axis=0) * corr)
        p_fail = self.failure.p_fail(x)
        cap = self.capacity.rps
        out: list[Prediction] = []
        for i, lam in enumerate(x):
            warn = None
            if lam > FAR_BEYOND * self.max_load:
                warn = (
                    f"{lam:,.0f}/s is {lam / self.max_load:.1f}× the highest load in the data "
                    f"({self.max_load:,.0f}/s): an extrapolation, trust the interval, not the point"
                )
            out.append(
                Prediction(
                    load=float(lam),
                    p95=float(p95[i]),
                    p95_low=float(low[i]),
                    p95_high=float(high[i]),
                    throughput=float(min(lam, cap) if math.isfinite(cap) else lam),
                    p_fail=float(p_fail[i]),
                    extrapolated=bool(lam > self.max_load),
                    warning=warn,
                )
            )
        return out

    def predict(self, load: float) -> Prediction:
        """p95 (with interval), throughput and P(fail) at `load` requests/s."""
        return self.predict_many([load])[0]

    def load_for_users(self, users: float) -> float:
        """Requests/s that `users` concurrent sessions/VUs produce (USL, else Little's law)."""
        if self.usl is not None:
            x = float(self.usl.throughput(users))
        elif self.capacity.users and self.capacity.rps > 0:
            x = users * self.capacity.rps / self.capacity.users
        else:
            raise TwinError("the runs carry no concurrency, so users cannot be turned into load")
        cap = self.capacity.rps
        return min(x, cap) if math.isfinite(cap) else x

    def curve(self, points: int = 24, upto: float | None = None) -> list[Prediction]:
        """Predictions on an even grid from 0 to `upto` (default 1.5 × capacity, at least
        the data's range)."""
        cap = self.capacity.rps if math.isfinite(self.capacity.rps) else self.max_load
        top = upto if upto is not None else max(1.5 * cap, self.max_load)
        grid = np.linspace(top / points, top, points)
        return self.predict_many(grid)


def _design(load: Array, queue: QueueModel, top: float) -> Array:
    """Regressor inputs: the load (scaled) and the queueing baseline's log shape."""
    return np.column_stack([load / max(top, 1e-9), np.log(queue.shape(load))])


def _candidates(seed: int) -> dict[str, object]:
    gb = GradientBoostingRegressor(
        n_estimators=60, max_depth=2, learning_rate=0.05, subsample=0.8, random_state=seed
    )
    rf = RandomForestRegressor(n_estimators=60, min_samples_leaf=3, random_state=seed, n_jobs=1)
    gb2 = GradientBoostingRegressor(
        n_estimators=60, max_depth=2, learning_rate=0.05, subsample=0.8, random_state=seed
    )
    rf2 = RandomForestRegressor(n_estimators=60, min_samples_leaf=3, random_state=seed, n_jobs=1)
    return {
        "gradient_boosting": gb,
        "random_forest": rf,
        "voting": VotingRegressor([("gb", gb2), ("rf", rf2)]),
    }


def _cross_validate(
    name: str, make: object | None, X: Array, y: Array, base: Array, seed: int
) -> tuple[ModelScore, Array]:
    """Out-of-fold log residuals and the scores of one candidate (None: baseline alone)."""
    from sklearn.base import clone

    folds = KFold(n_splits=min(5, y.size), shuffle=True, random_state=seed)
    oof = np.zeros_like(y)
    for train, test in folds.split(X):
        if make is None:
            oof[test] = 0.0
            continue
        est = clone(make)
        est.fit(X[train], y[train])
        oof[test] = est.predict(X[test])
    return _score(name, y, oof, base), y - oof


def _score(name: str, y: Array, oof: Array, base: Array) -> ModelScore:
    actual = base * np.exp(y)
    pred = base * np.exp(oof)
    mape = float(np.mean(np.abs(pred - actual) / np.maximum(actual, 1e-9)))
    ss_res = float(np.sum((actual - pred) ** 2))
    ss_tot = float(np.sum((actual - actual.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else 0.0
    return ModelScore(name, mape, r2)


def default_slo(f: LoadFeatures) -> float:
    return max(DEFAULT_SLO_MS, SLO_BASE_FACTOR * f.base_p95)


def fit_twin(
    windows_by_run: Sequence[Sequence[MetricWindow]],
    *,
    slo_p95_ms: float | None = None,
    max_error_rate: float = 0.05,
    seed: int = 0,
    arrival_cv2: float = POISSON_CV2,
) -> Twin:
    """Fit every part of the twin to the windows of one or more runs of one system.
    `arrival_cv2` is the arrival process's variability (`queueing.arrival_cv2` of the runs'
    recorded `arrivals`): paced arrivals queue far less than Poisson ones.

    BLAS runs on one thread: hundreds of tiny fits gain nothing from threads, and on a busy
    2-core box OpenBLAS's spinning threads made the fit 4× slower (27 s → 6.7 s)."""
    with threadpool_limits(limits=1):
        return _fit_twin(windows_by_run, slo_p95_ms, max_error_rate, seed, arrival_cv2)


def _fit_twin(
    windows_by_run: Sequence[Sequence[MetricWindow]],
    slo_p95_ms: float | None,
    max_error_rate: float,
    seed: int,
    arrival_cv2: float,
) -> Twin:
    started = time.perf_counter()
    f = load_features(windows_by_run)
    if len(f) < MIN_WINDOWS or float(f.goodput.max(initial=0.0)) <= 0:
        raise TwinError(
            f"{len(f)} usable windows (≥ {MIN_WINDOWS} with ≥ 5 answers each are needed): "
            "run longer or with more load"
        )
    notes: list[str] = []
    rule = FailureRule(slo_p95_ms or default_slo(f), max_error_rate)
    if slo_p95_ms is None:
        notes.append(f"SLO: p95 < {rule.slo_p95_ms:,.0f} ms (default; the plan sets none)")
    levels = load_levels(f.goodput)
    few = levels < MIN_LEVELS
    if few:
        notes.append(
            f"too few load levels to fit ({levels}): the curve is the queueing model's shape "
            "and the intervals are wider; a ramp or stepped run would pin it down"
        )
    low = f.goodput <= np.quantile(f.goodput, 0.25)
    k = variability(f.p50[low], f.p95[low], arrival_cv2)
    base_mean = float(np.median(f.mean[low]))
    demand = fit_demand(f, BOOT_ROUNDS, seed)
    mu = None if demand is None else demand.mu
    queue = fit_queue(f.goodput, f.mean, k, base_mean, mu)
    mus = None if demand is None else demand.boot
    queue_fits = fit_queue_bootstrap(f.goodput, f.mean, k, base_mean, BOOT_ROUNDS, seed, mus)
    usl = fit_usl(f.concurrency, f.goodput)

    failure, cap = fit_capacity(f, rule, queue_fits, seed=seed, demand=demand)
    # past the knee a window's p95 says how long the overload lasted, not how loaded it was:
    # the latency curve learns from windows that held the SLO; P(fail) speaks for the rest
    ok = ~rule.failed(f)
    fit_rows = ok if ok.sum() >= MIN_WINDOWS else np.ones_like(ok)
    g = f.goodput[fit_rows]
    base = f.base_p95 * queue.shape(g)
    y = np.log(np.maximum(f.p95[fit_rows], 1e-6) / base)
    X = _design(g, queue, float(f.goodput.max()))
    scores: list[ModelScore] = []
    residuals: dict[str, Array] = {}
    score, res = _cross_validate("queueing", None, X, y, base, seed)
    scores.append(score)
    residuals["queueing"] = res
    candidates = {} if few else _candidates(seed)
    for name, est in candidates.items():
        if name == "voting":
            # an equal-weight VotingRegressor predicts the mean of its members, and its members
            # are clones of the two just cross-validated on the same folds: their out-of-fold
            # mean is its out-of-fold prediction, without fitting both again (fit time −40 %)
            res = (residuals["gradient_boosting"] + residuals["random_forest"]) / 2.0
            score = _score(name, y, y - res, base)
        else:
            score, res = _cross_validate(name, est, X, y, base, seed)
        scores.append(score)
        residuals[name] = res
    best = min(scores, key=lambda s: s.cv_mape)
    regressor = None
    if best.name != "queueing":
        regressor = candidates[best.name]
        regressor.fit(X, y)  # type: ignore[attr-defined]
    r = np.abs(residuals[best.name])
    level = min(1.0, COVERAGE * (1.0 + 1.0 / max(r.size, 1)))
    q = float(np.quantile(r, level)) if r.size else 0.5
    if few:
        q *= 2.0
    if few:
        span = cap.rps_high - cap.rps_low
        cap = Capacity(
            cap.rps,
            max(0.0, cap.rps_low - span / 2),
            cap.rps_high + span / 2,
            cap.users,
            cap.method,
            cap.notes,
        )
    notes.extend(cap.notes)
    return Twin(
        features=f,
        rule=rule,
        queue=queue,
        queue_fits=queue_fits,
        usl=usl,
        model_name=best.name,
        scores=scores,
        conformal_q=q,
        failure=failure,
        capacity=cap,
        fit_seconds=time.perf_counter() - started,
        notes=notes,
        _regressor=regressor,
    )
