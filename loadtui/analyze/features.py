"""Engineered load features of a run's windows: the table every forecast model reads.

One row per usable window. The load axis is *goodput* (answered, non-error requests/s): past
the knee an open model's offered rate keeps climbing while the system still serves only its
capacity, and 503s answered at once inflate `rps`, so neither says what the system sustained.
Below the knee goodput equals the offered rate, so a what-if "at N req/s" reads the same axis.

Derived columns (all dimensionless so runs of different sizes mix):
- `load_factor`: achieved / offered rate (1 while the system keeps up, falls when it cannot);
- `stress_index`: p95 / the run's low-load p95 (1 when unloaded, grows with queueing);
- `efficiency`: goodput per unit of concurrency (= 1 / response time by Little's law, in
  requests/s per in-flight request; it falls as requests start to wait).

`utilization` is the target's own busy fraction where a probe read it (NaN elsewhere).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from loadtui.contracts import MetricWindow

Array = NDArray[np.float64]
MIN_REQUESTS = 5  # a window with fewer answers has no meaningful p95
LOW_LOAD_QUANTILE = 0.25  # windows under this load quantile define "unloaded"


@dataclass(frozen=True)
class LoadFeatures:
    """Column arrays, one entry per usable window (all the same length)."""

    t: Array
    run: NDArray[np.int64]  # index of the run the window came from
    offered: Array  # planned requests/s (open) or VUs (closed); 0 when unknown (imports)
    achieved: Array  # all answers per second, errors included
    goodput: Array  # non-error answers per second: the load axis
    concurrency: Array  # sessions/VUs alive, or requests in flight, whichever is larger
    p50: Array
    p95: Array
    mean: Array
    error_rate: Array
    requests: Array
    load_factor: Array
    stress_index: Array
    efficiency: Array
    utilization: Array  # the target's busy fraction; NaN where no probe read it
    base_p95: float  # the unloaded p95 the stress index is relative to

    def __len__(self) -> int:
        return int(self.t.size)

    def take(self, idx: NDArray[np.intp] | NDArray[np.bool_]) -> LoadFeatures:
        """The rows at `idx` (for bootstraps and cross-validation)."""
        cols = {name: getattr(self, name)[idx] for name in _COLUMNS}
        return LoadFeatures(**cols, base_p95=self.base_p95)


_COLUMNS = (
    "t",
    "run",
    "offered",
    "achieved",
    "goodput",
    "concurrency",
    "p50",
    "p95",
    "mean",
    "error_rate",
    "requests",
    "load_factor",
    "stress_index",
    "efficiency",
    "utilization",
)


def usable(windows: Sequence[MetricWindow]) -> list[MetricWindow]:
    """Windows a model can learn from: enough answers, and not the drain after the plan's
    end (a longer last window that collects stragglers and whose rate means nothing)."""
    if not windows:
        return []
    typical = float(np.median([w.interval_s for w in windows]))
    keep = [w for w in windows if w.requests >= MIN_REQUESTS and w.latency.count > 0]
    return [w for w in keep if w.interval_s <= 1.5 * typical]


def load_features(windows_by_run: Sequence[Sequence[MetricWindow]]) -> LoadFeatures:
    """The feature table over several runs' windows (runs of one system, stacked)."""
    rows: list[tuple[float, ...]] = []
    for run_index, windows in enumerate(windows_by_run):
        for w in usable(windows):
            seconds = max(w.interval_s, 1e-9)
            ok = max(w.requests - w.errors, 0)
            rows.append(
                (
                    w.t,
                    float(run_index),
                    w.target_rate,
                    w.requests / seconds,
                    ok / seconds,
                    float(max(w.active, w.in_flight)),
                    w.latency.p50,
                    w.latency.p95,
                    w.latency.mean,
                    w.errors / w.requests,
                    float(w.requests),
                    math.nan if w.utilization is None else w.utilization,
                )
            )
    data = np.asarray(rows, dtype=float).reshape(-1, 12)
    t, run, offered, achieved, goodput, conc, p50, p95, mean, err, req, util = data.T
    base = _unloaded_p95(goodput, p95)
    with np.errstate(divide="ignore", invalid="ignore"):
        load_factor = np.where(offered > 0, achieved / np.maximum(offered, 1e-9), 1.0)
        efficiency = goodput / np.maximum(conc, 1.0)
    return LoadFeatures(
        t=t,
        run=run.astype(np.int64),
        offered=offered,
        achieved=achieved,
        goodput=goodput,
        concurrency=conc,
        p50=p50,
        p95=p95,
        mean=mean,
        error_rate=err,
        requests=req,
        load_factor=load_factor,
        stress_index=p95 / max(base, 1e-9),
        efficiency=efficiency,
        utilization=util,
        base_p95=base,
    )


def _unloaded_p95(goodput: Array, p95: Array) -> float:
    """Median p95 of the least-loaded quarter of windows: the service's own latency."""
    if goodput.size == 0:
        return 0.0
    cut = np.quantile(goodput, LOW_LOAD_QUANTILE)
    return float(np.median(p95[goodput <= cut]))


def load_levels(load: Array, resolution: float = 0.05) -> int:
    """Distinct load levels in the data, at `resolution` of the highest load: a constant-rate
    run has one, a ramp has many. Fewer than a handful cannot shape a curve."""
    top = float(load.max()) if load.size else 0.0
    if top <= 0:
        return 0
    return int(np.unique(np.round(load / (resolution * top))).size)
