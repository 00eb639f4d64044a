"""Failure probability vs load, and capacity: the load where a window is as likely to fail as
not, with an interval.

A window fails when its p95 breaches the SLO or its error rate passes the threshold. With
both kinds of window in the data, a logistic regression of failure on goodput says where the
odds turn; the load axis is goodput (what the system sustained), so windows past the knee sit
at the capacity they reached instead of at an offered rate a fast ramp overshot by seconds of
queue build-up. Its interval is the spread of refits on resampled windows, joined with the
spread of goodput the failing windows actually reached (what one window at capacity shows).

A run in which nothing failed but whose target reported its busy time (`demand.py`) places
the ceiling by the utilization law; each bootstrap queueing fit then carries a resampled
measured μ, and the capacity is where its p95 meets the SLO (just under μ).

A run in which nothing failed and nothing reported utilization cannot place that crossing by
logistic regression: then each
bootstrap fit of the queueing model gives the load at which its predicted p95 meets the SLO,
P(fail) at a load is the share of fits failing there, and the interval is the fits' spread,
never below the highest load the run sustained (it demonstrably held that).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

from loadtui.analyze.demand import Demand
from loadtui.analyze.features import LoadFeatures
from loadtui.analyze.queueing import MU_SPAN, RHO_CAP, QueueModel

Array = NDArray[np.float64]
BOOT_ROUNDS = 100
MIN_CLASS = 2  # windows of each kind needed for a logistic fit
CI = (5.0, 95.0)  # a 90 % interval
PROBE_REL = 0.03  # busy time is sampled every 0.1 s: window ends can be a sample off
WEAK_REACH = 0.75  # data reaching less of the estimate than this cannot bound it below
FLAT = 1.3  # mean latency at the top load under this × unloaded: the knee was not seen
FAR_POINT = 2.0  # a flat run's crossing beyond this × what it sustained is reported as a floor
AGREE = 0.15  # failures this far below the busy-time ceiling name another bottleneck


@dataclass(frozen=True)
class FailureRule:
    slo_p95_ms: float
    max_error_rate: float = 0.05

    def failed(self, f: LoadFeatures) -> NDArray[np.bool_]:
        return (f.p95 > self.slo_p95_ms) | (f.error_rate > self.max_error_rate)


@dataclass(frozen=True)
class Capacity:
    rps: float
    rps_low: float
    rps_high: float  # inf when the data cannot bound it from above
    users: float | None  # concurrency at that rate (Little's law on the run's own windows)
    method: Literal["logistic", "utilization", "queueing", "below_data"]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class FailureModel:
    """P(fail) at a load; logistic on load/scale, or the share of queueing fits failing."""

    kind: Literal["logistic", "queueing", "below_data"]
    scale: float
    coef: float = 0.0
    intercept: float = 0.0
    crossings: tuple[float, ...] = field(default=())  # per bootstrap queueing fit

    def p_fail(self, load: Array | float) -> Array:
        x = np.asarray(load, dtype=float)
        if self.kind == "logistic":
            z = self.coef * x / self.scale + self.intercept
            return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))
        if self.kind == "below_data":
            return np.ones_like(x)
        cross = np.asarray(self.crossings, dtype=float)
        return (x[..., None] >= cross).mean(axis=-1) if cross.size else np.zeros_like(x)


def _logistic(load: Array, failed: NDArray[np.bool_], scale: float) -> tuple[float, float]:
    model = LogisticRegression(C=100.0, max_iter=1000)
    model.fit((load / scale).reshape(-1, 1), failed.astype(int))
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def _crossing(coef: float, intercept: float, scale: float) -> float:
    return -intercept / coef * scale if coef > 0 else math.inf


def slo_crossing(model: QueueModel, base_p95: float, slo_ms: float) -> float:
    """Load where base_p95 × the model's shape reaches the SLO (bisection; shape rises)."""
    lo, hi = 0.0, model.mu * RHO_CAP
    if base_p95 * float(model.shape(hi)) < slo_ms:
        return hi
    if base_p95 >= slo_ms:
        return 0.0
    for _ in range(60):
        mid = (lo + hi) / 2.0
        if base_p95 * float(model.shape(mid)) >= slo_ms:
            hi = mid
        else:
            lo = mid
    return (lo + hi) / 2.0


def users_per_rps(f: LoadFeatures, ok: NDArray[np.bool_]) -> float | None:
    """Concurrency per request/s near the top of the healthy windows (Little's law, measured)."""
    load = f.goodput[ok]
    if load.size == 0 or f.concurrency[ok].max() <= 0:
        return None
    top = load >= np.quantile(load, 0.8)
    return float(np.median(f.concurrency[ok][top] / np.maximum(load[top], 1e-9)))


def fit_capacity(
    f: LoadFeatures,
    rule: FailureRule,
    queue_fits: list[QueueModel],
    *,
    seed: int = 0,
    demand: Demand | None = None,
) -> tuple[FailureModel, Capacity]:
    """The failure model and the capacity it implies (see the module docstring)."""
    failed = rule.failed(f)
    load = f.goodput
    scale = max(float(load.max()), 1e-9)
    ratio = users_per_rps(f, ~failed)
    n_fail, n_ok = int(failed.sum()), int((~failed).sum())
    if n_ok == 0:
        top = float(load.min())
        note = f"every window failed: capacity is below the lowest load seen ({top:,.0f}/s)"
        cap = Capacity(top, 0.0, top, _users(top, ratio), "below_data", (note,))
        return FailureModel("below_data", scale), cap
    if n_fail >= MIN_CLASS and n_ok >= MIN_CLASS:
        return _with_failures(f, rule, failed, queue_fits, seed, demand, ratio)
    return _without_failures(f, rule, failed, queue_fits, demand, ratio)


def _with_failures(
    f: LoadFeatures,
    rule: FailureRule,
    failed: NDArray[np.bool_],
    queue_fits: list[QueueModel],
    seed: int,
    demand: Demand | None,
    ratio: float | None,
) -> tuple[FailureModel, Capacity]:
    """Logistic regression of failure on goodput; the busy-time ceiling when it agrees."""
    load = f.goodput
    scale = max(float(load.max()), 1e-9)
    coef, intercept = _logistic(load, failed, scale)
    point = _crossing(coef, intercept, scale)
    boots = _bootstrap_logistic(load, failed, scale, seed)
    reached = load[failed & (load >= 0.8 * min(point, scale))]
    lows = [np.percentile(boots, CI[0])] if boots.size else []
    highs = [np.percentile(boots, CI[1])] if boots.size else []
    point = float(np.clip(point, load.min(), scale * 1.5))
    if reached.size >= 3:
        lows.append(np.percentile(reached, 10))
        highs.append(np.percentile(reached, 90))
        # failing windows at a plateau as high as the healthy ones leave the crossing to
        # noise (it drifted 20 % above the plateau): capacity is what the failures reached
        point = float(np.clip(point, lows[-1], highs[-1]))
    low = float(min([point, *lows]))
    high = float(max([point, *highs]))
    notes: list[str] = []
    if demand is not None and queue_fits:
        crossings = _crossings(queue_fits, f, rule)
        d_point, d_low, d_high = _demand_interval(crossings, demand, 0.0)
        if point >= (1.0 - AGREE) * d_point:
            # failures began where busy time puts the ceiling: the busy-time estimate is
            # the steadier (a window's goodput past the knee is a burst, not a rate)
            notes.append(
                f"failures began near {point:,.0f}/s; the target's busy time puts its "
                f"ceiling at {demand.mu:,.0f}/s (utilization law)"
            )
            users = _users(d_point, ratio)
            cap = Capacity(d_point, min(d_low, point), d_high, users, "utilization", tuple(notes))
            return FailureModel("queueing", scale, crossings=_tuple(crossings)), cap
        notes.append(
            f"failures began at {point:,.0f}/s, well before the target's busy time reached "
            f"its ceiling ({demand.mu:,.0f}/s): something else is the bottleneck"
        )
    cap = Capacity(point, low, high, _users(point, ratio), "logistic", tuple(notes))
    return FailureModel("logistic", scale, coef, intercept), cap


def _without_failures(
    f: LoadFeatures,
    rule: FailureRule,
    failed: NDArray[np.bool_],
    queue_fits: list[QueueModel],
    demand: Demand | None,
    ratio: float | None,
) -> tuple[FailureModel, Capacity]:
    """Where the queueing fits meet the SLO: μ measured by busy time, or extrapolated from
    latency alone (then as honest as the data's reach allows)."""
    load = f.goodput
    scale = max(float(load.max()), 1e-9)
    crossings = _crossings(queue_fits, f, rule)
    sustained = float(np.max(load[~failed]))
    if crossings.size == 0:
        note = "no window failed and the queueing model could not be fitted"
        users = _users(sustained, ratio)
        cap = Capacity(sustained, sustained, math.inf, users, "queueing", (note,))
        return FailureModel("queueing", scale), cap
    model = FailureModel("queueing", scale, crossings=_tuple(crossings))
    if demand is not None:
        note = (
            f"no window failed: capacity by the utilization law, the target "
            f"{demand.top_utilization:.0%} busy at up to {sustained:,.0f}/s puts 100 % at "
            f"{demand.mu:,.0f}/s; assumes its busy slots are the bottleneck"
        )
        point, low, high = _demand_interval(crossings, demand, sustained)
        return model, Capacity(point, low, high, _users(point, ratio), "utilization", (note,))
    point = max(float(np.median(crossings)), sustained)
    low = max(float(np.percentile(crossings, CI[0])), sustained)
    high = float(np.percentile(crossings, CI[1]))
    if high >= 0.9 * MU_SPAN * scale * RHO_CAP:
        high = math.inf
    reach = sustained / point if point > 0 else 1.0
    notes = [
        f"no window failed: capacity extrapolated by the queueing model from loads up to "
        f"{sustained:,.0f}/s ({reach:.0%} of the estimate)"
    ]
    flat = _flat(f, load)
    if reach < WEAK_REACH or flat:
        # far below the knee latency barely moves, so the curvature that places μ is within
        # the noise: all the data prove is that the system held what it was given
        low, high = sustained, math.inf
        notes.append(
            "the data stop well below the knee, where latency barely moves: they show only "
            f"that it held {sustained:,.0f}/s; the point is the queueing model's assumption "
            "and the interval is open above"
        )
    if flat and point > FAR_POINT * sustained:
        # no curvature at all: a crossing many times the data is the fit's noise, not a knee
        point = sustained
        notes.append(f"capacity is at least {sustained:,.0f}/s; run closer to the knee to place it")
    cap = Capacity(point, low, max(high, point), _users(point, ratio), "queueing", tuple(notes))
    return model, cap


def _flat(f: LoadFeatures, load: Array) -> bool:
    """Latency at the top tenth of the load within FLAT × its unloaded value: no curvature for
    a fit to place μ by (its tight interval would be the noise's)."""
    top = load >= np.quantile(load, 0.9)
    base = max(float(np.median(f.mean[load <= np.quantile(load, 0.25)])), 1e-9)
    return bool(np.median(f.mean[top]) < FLAT * base)


def _crossings(fits: list[QueueModel], f: LoadFeatures, rule: FailureRule) -> Array:
    return np.array([slo_crossing(m, f.base_p95, rule.slo_p95_ms) for m in fits])


def _tuple(values: Array) -> tuple[float, ...]:
    return tuple(float(v) for v in values)


def _demand_interval(
    crossings: Array, demand: Demand, sustained: float
) -> tuple[float, float, float]:
    """(point, low, high) where the μ-pinned queueing fits meet the SLO, the interval joined
    with the ceiling's own spread and never tighter than the probe's timing allows."""
    point = max(float(np.median(crossings)), sustained)
    low = min(float(np.percentile(crossings, CI[0])), float(np.percentile(demand.boot, CI[0])))
    high = max(float(np.percentile(crossings, CI[1])), float(np.percentile(demand.boot, CI[1])))
    low = max(min(low, point * (1 - PROBE_REL)), sustained)
    high = max(high, point * (1 + PROBE_REL))
    return point, low, high


def _users(rps: float, ratio: float | None) -> float | None:
    return None if ratio is None or not math.isfinite(rps) else rps * ratio


def _bootstrap_logistic(load: Array, failed: NDArray[np.bool_], scale: float, seed: int) -> Array:
    rng = np.random.default_rng(seed)
    out: list[float] = []
    n = load.size
    for _ in range(BOOT_ROUNDS):
        idx = rng.integers(0, n, n)
        y = failed[idx]
        if y.sum() < 1 or (~y).sum() < 1:
            continue
        coef, intercept = _logistic(load[idx], y, scale)
        cross = _crossing(coef, intercept, scale)
        if math.isfinite(cross):
            out.append(cross)
    return np.asarray(out, dtype=float)
