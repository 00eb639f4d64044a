"""Run-level anomalies: an IsolationForest over a finished run's windows, for the report.

The online detector (`anomaly.py`) judges each window against its own past only; after the
run every window can be judged against all the others. Each window becomes a point of robust
z-scores (median/MAD over the run) of p95, error rate, delivered/planned rate and send lag;
the forest isolates the odd ones, and each flag names the metrics that made its window odd
(|z| ≥ 3, largest first) in a plain sentence. Windows the online detector already flagged
within a second are left to its flag, so the two lists sit side by side without repeats.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from sklearn.ensemble import IsolationForest

from loadtui.analyze.features import usable
from loadtui.contracts import AnomalyFlag, MetricWindow

MAD_TO_SIGMA = 1.4826
MIN_WINDOWS = 12  # fewer windows give the forest nothing to isolate against
CONTAMINATION = 0.05
Z_INVOLVED = 3.0
_METRICS = ("p95", "error_rate", "delivery", "send_lag")
_KIND = {
    "p95": "latency_jump",
    "error_rate": "error_burst",
    "delivery": "throughput_drop",
    "send_lag": "generator_saturated",
}


def _robust_z(x: NDArray[np.float64], floor: float) -> NDArray[np.float64]:
    median = float(np.median(x))
    mad = float(np.median(np.abs(x - median))) * MAD_TO_SIGMA
    return (x - median) / max(mad, floor)


def _describe(name: str, value: float, median: float) -> str:
    if name == "p95":
        return f"p95 {value:,.0f} ms (run median {median:,.0f})"
    if name == "error_rate":
        return f"errors {value:.1%} (run median {median:.1%})"
    if name == "delivery":
        return f"delivered {value:.0%} of the planned rate (run median {median:.0%})"
    return f"send lag p99 {value:,.0f} ms (run median {median:,.0f})"


def run_anomalies(
    windows: Sequence[MetricWindow],
    online: Sequence[AnomalyFlag] = (),
    *,
    seed: int = 0,
) -> list[AnomalyFlag]:
    """Odd windows of a finished run, oldest first, each with its metrics and a reason."""
    ws = usable(windows)
    if len(ws) < MIN_WINDOWS:
        return []
    raw = {
        "p95": np.array([w.latency.p95 for w in ws]),
        "error_rate": np.array([w.errors / max(w.requests, 1) for w in ws]),
        "delivery": np.array([w.rps / w.target_rate if w.target_rate > 0 else 1.0 for w in ws]),
        "send_lag": np.array([w.send_lag_ms.p99 for w in ws]),
    }
    floors = {"p95": 1.0, "error_rate": 0.005, "delivery": 0.02, "send_lag": 1.0}
    z = np.column_stack([_robust_z(raw[m], floors[m]) for m in _METRICS])
    forest = IsolationForest(contamination=CONTAMINATION, random_state=seed, n_estimators=100)
    labels = forest.fit_predict(z)
    scores = -forest.score_samples(z)
    seen = [f.t for f in online]
    flags: list[AnomalyFlag] = []
    for i in np.nonzero(labels == -1)[0]:
        w = ws[int(i)]
        # only the unusual direction: slower, more errors, less delivered, more lag
        signed = z[i] * np.array([1.0, 1.0, -1.0, 1.0])
        involved = [
            m
            for m, v in sorted(zip(_METRICS, signed, strict=True), key=lambda p: -p[1])
            if v >= Z_INVOLVED
        ]
        if not involved or any(abs(w.t - t) <= 1.0 for t in seen):
            continue
        medians = {m: float(np.median(raw[m])) for m in involved}
        reason = "; ".join(_describe(m, float(raw[m][i]), medians[m]) for m in involved)
        stage = f" in {w.stage_name}" if w.stage_name else ""
        flags.append(
            AnomalyFlag(
                t=w.t,
                kind=_KIND[involved[0]],  # type: ignore[arg-type]
                metric=",".join(involved),
                message=f"odd window at {w.t:.1f}s{stage}: {reason}",
                score=round(float(scores[i]), 3),
                stage=w.stage,
            )
        )
    return flags
