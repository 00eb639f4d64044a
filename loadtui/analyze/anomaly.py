"""Online anomaly flags for the live view: one `update` per metric window, no lookahead.

Each signal is compared with a rolling baseline of its own recent past using a robust z-score
(median and MAD, so a few odd windows do not move the baseline). A flag needs the signal to be
strange for `persist` windows in a row (one noisy window is not news), and then stays raised
until the signal is back within `clear_z` of its baseline: a step is reported once, when it
happens, not every window after. A `cooldown_s` also separates two flags of the same kind.
Every window joins the baseline, so after a lasting step the new level becomes normal and the
detector is ready for the next change.

Signals: latency p95 (up), error rate (up), throughput relative to what the schedule asked for
(down), and the load generator's own health (CPU, send lag, dropped arrivals) — a saturated
generator makes every other number lie, so it is flagged on its own terms.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from loadtui.contracts import AnomalyFlag, MetricWindow

MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution × this = σ


@dataclass(frozen=True)
class DetectorConfig:
    warmup_s: float = 3.0  # windows before this only feed the baseline
    baseline_s: float = 30.0  # rolling baseline length
    min_baseline: int = 8  # windows needed before judging
    z: float = 3.5  # robust z to raise a flag
    clear_z: float = 1.5  # back under this: the episode is over
    persist: int = 2  # consecutive strange windows needed
    cooldown_s: float = 10.0  # between two flags of the same kind
    min_requests: int = 5  # windows with fewer requests say nothing about latency
    latency_ratio: float = 1.5  # and p95 must be ≥ this × baseline (σ alone is not enough)
    latency_floor_ms: float = 2.0  # MAD floor: ignore sub-millisecond jitter
    error_rate_min: float = 0.02  # an error burst is at least 2% of requests
    error_floor: float = 0.005  # MAD floor for the error rate
    throughput_ratio: float = 0.6  # delivered/asked below this × baseline is a drop
    min_expected_requests: float = 20.0  # too few requests per window to judge throughput
    cpu_saturated: float = 0.9  # fraction of one core per worker
    send_lag_ms: float = 100.0  # p99 lag between intended and actual send


@dataclass
class _Signal:
    """Rolling baseline plus episode state for one metric."""

    history: deque[float]
    strange: int = 0  # consecutive strange windows
    active: bool = False  # inside a flagged episode
    last_flag_t: float = float("-inf")

    def baseline(self) -> tuple[float, float]:
        values = np.fromiter(self.history, dtype=float)
        median = float(np.median(values))
        mad = float(np.median(np.abs(values - median))) * MAD_TO_SIGMA
        return median, mad


@dataclass
class OnlineDetector:
    config: DetectorConfig = field(default_factory=DetectorConfig)
    _signals: dict[str, _Signal] = field(default_factory=dict, init=False)
    # sparse windows are pooled until they hold `min_requests`: (requests, weighted sum)
    _pools: dict[str, tuple[float, float]] = field(default_factory=dict, init=False)
    _generator: _Signal | None = field(default=None, init=False)

    def update(self, window: MetricWindow) -> list[AnomalyFlag]:
        """Judge one window against the past, then add it to the past."""
        flags: list[AnomalyFlag] = []
        maxlen = max(self.config.min_baseline, round(self.config.baseline_s / window.interval_s))
        judge = window.t >= self.config.warmup_s
        for check in (self._latency, self._errors, self._throughput):
            flag = check(window, maxlen, judge)
            if flag is not None:
                flags.append(flag)
        flag = self._saturation(window, judge)
        if flag is not None:
            flags.append(flag)
        return flags

    def feed(self, windows: Iterable[MetricWindow]) -> list[AnomalyFlag]:
        """All flags for a finished series, in order (for reports and tests)."""
        return [flag for w in windows for flag in self.update(w)]

    # -- signals ---------------------------------------------------------------------------
    def _signal(self, name: str, maxlen: int) -> _Signal:
        sig = self._signals.get(name)
        if sig is None or sig.history.maxlen != maxlen:
            sig = _Signal(deque(sig.history if sig else (), maxlen=maxlen))
            self._signals[name] = sig
        return sig

    def _judge(
        self,
        sig: _Signal,
        value: float,
        t: float,
        judge: bool,
        floor: float,
        strange_if: Callable[[float, float, float], bool],
    ) -> tuple[bool, float, float, float]:
        """(raise now?, z, baseline median, value); updates episode state and the baseline."""
        raise_now = False
        z = 0.0
        median = value
        if judge and len(sig.history) >= self.config.min_baseline:
            median, mad = sig.baseline()
            z = (value - median) / max(mad, floor)
            if strange_if(z, median, value):
                sig.strange += 1
            else:
                sig.strange = 0
            if sig.active and abs(z) < self.config.clear_z:
                sig.active = False
            cooled = t - sig.last_flag_t >= self.config.cooldown_s
            if sig.strange >= self.config.persist and not sig.active and cooled:
                raise_now = True
                sig.active = True
                sig.last_flag_t = t
        sig.history.append(value)
        return raise_now, z, median, value

    def _pooled(self, name: str, weight: float, value: float) -> float | None:
        """Pool low-traffic windows: with 0.25 s windows at 10 rps one window holds 2-3
        requests, too few for a percentile, so judge their request-weighted mean once enough
        requests came in. Busy windows pass straight through."""
        count, total = self._pools.get(name, (0.0, 0.0))
        count += weight
        total += weight * value
        if count < self.config.min_requests:
            self._pools[name] = (count, total)
            return None
        self._pools.pop(name, None)
        return total / count

    def _latency(self, w: MetricWindow, maxlen: int, judge: bool) -> AnomalyFlag | None:
        cfg = self.config
        if w.latency.count <= 0:
            return None
        p95 = self._pooled("p95", w.latency.count, w.latency.p95)
        if p95 is None:
            return None
        sig = self._signal("p95", maxlen)
        raise_now, z, base, value = self._judge(
            sig,
            p95,
            w.t,
            judge,
            max(cfg.latency_floor_ms, 0.05 * _median_or(sig, p95)),
            lambda z, base, v: z >= cfg.z and v >= cfg.latency_ratio * base,
        )
        if not raise_now:
            return None
        return AnomalyFlag(
            t=w.t,
            kind="latency_jump",
            metric="p95",
            message=f"p95 jumped {z:.1f}σ ({base:,.0f} → {value:,.0f} ms){_in_stage(w)}",
            score=round(z, 2),
            stage=w.stage,
        )

    def _errors(self, w: MetricWindow, maxlen: int, judge: bool) -> AnomalyFlag | None:
        cfg = self.config
        if w.requests <= 0:
            return None
        rate = self._pooled("error_rate", w.requests, w.errors / w.requests)
        if rate is None:
            return None
        sig = self._signal("error_rate", maxlen)
        raise_now, z, base, value = self._judge(
            sig,
            rate,
            w.t,
            judge,
            cfg.error_floor,
            lambda z, base, v: z >= cfg.z and v >= cfg.error_rate_min and v >= 2 * base,
        )
        if not raise_now:
            return None
        return AnomalyFlag(
            t=w.t,
            kind="error_burst",
            metric="error_rate",
            message=f"{_error_label(w)} rising: {base:.1%} → {value:.1%}{_in_stage(w)}",
            score=round(z, 2),
            stage=w.stage,
        )

    def _throughput(self, w: MetricWindow, maxlen: int, judge: bool) -> AnomalyFlag | None:
        """Delivered rps per unit of scheduled rate: a drop means the system (or the
        generator) stopped keeping up, whatever unit the schedule is in."""
        cfg = self.config
        if w.target_rate <= 0:
            return None
        sig = self._signal("rps_ratio", maxlen)
        ratio = w.rps / w.target_rate
        expected = _median_or(sig, ratio) * w.target_rate * w.interval_s
        if expected < cfg.min_expected_requests:
            sig.history.append(ratio)
            return None
        raise_now, z, base, value = self._judge(
            sig,
            ratio,
            w.t,
            judge,
            0.05 * max(_median_or(sig, ratio), 1e-9),
            lambda z, base, v: z <= -cfg.z and v <= cfg.throughput_ratio * base,
        )
        if not raise_now:
            return None
        return AnomalyFlag(
            t=w.t,
            kind="throughput_drop",
            metric="rps",
            message=(
                f"throughput fell to {value / base:.0%} of the schedule "
                f"({base * w.target_rate:,.0f} → {w.rps:,.0f} rps){_in_stage(w)}"
            ),
            score=round(abs(z), 2),
            stage=w.stage,
        )

    def _saturation(self, w: MetricWindow, judge: bool) -> AnomalyFlag | None:
        cfg = self.config
        if self._generator is None:
            self._generator = _Signal(deque(maxlen=1))
        sig = self._generator
        cpu = max(w.worker_cpu, default=0.0)
        lag = w.send_lag_ms.p99
        reasons: list[str] = []
        if w.generator_saturated:
            reasons.append("workers report saturation")
        if cpu >= cfg.cpu_saturated:
            reasons.append(f"worker CPU {cpu:.0%}")
        if lag >= cfg.send_lag_ms and w.send_lag_ms.count > 0:
            reasons.append(f"send lag p99 {lag:,.0f} ms")
        if w.dropped > 0:
            reasons.append(f"{w.dropped:,} arrivals dropped")
        sig.strange = sig.strange + 1 if reasons else 0
        if not reasons:
            sig.active = False
        if not judge or sig.strange < cfg.persist or sig.active:
            return None
        if w.t - sig.last_flag_t < cfg.cooldown_s:
            return None
        sig.active = True
        sig.last_flag_t = w.t
        return AnomalyFlag(
            t=w.t,
            kind="generator_saturated",
            metric="generator",
            message=f"generator saturated: {', '.join(reasons)}; results understate the target",
            score=float(sig.strange),
            stage=w.stage,
        )


def _median_or(sig: _Signal, default: float) -> float:
    return float(np.median(np.fromiter(sig.history, dtype=float))) if sig.history else default


def _in_stage(w: MetricWindow) -> str:
    return f" in {w.stage_name}" if w.stage_name else ""


def _error_label(w: MetricWindow) -> str:
    """`503s` when one error status dominates, else the main error class, else `errors`."""
    bad = {s: n for s, n in w.status_counts.items() if s[:1] in "45" and n > 0}
    if bad:
        return f"{max(bad, key=lambda s: bad[s])}s"
    if w.errors_by_class:
        return max(w.errors_by_class, key=lambda c: w.errors_by_class[c])
    return "errors"
