"""Forecast accuracy against the demo target, whose knee is known (capacity / mean service).

For each capacity: a full stress ramp (5 % → 150 % of the knee) and a ramp that stops at 60 %
of it, both 20 s, one-request open model, 2 workers, 0.5 s windows. Reports the predicted
capacity with its 90 % interval against the knee, how it was placed (`utilization`: the
target's busy time, sampled by the run; `logistic`: the failing windows; `queueing`: latency
alone), the p95 MAPE and R² on held-out windows (every 4th healthy window of the full ramp, the
twin fitted on the rest), and the time to fit. Each ramp is fitted twice: as run, and "blind",
its windows stripped of busy time, as a target that reports none would give.

    .venv/bin/python bench/forecast.py [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from dataclasses import asdict, dataclass

import numpy as np

from loadtui.analyze.features import load_features
from loadtui.analyze.twin import fit_twin
from loadtui.contracts import MetricWindow, Stage
from loadtui.engine.runner import Runner
from loadtui.engine.url_plan import build_url_plan
from loadtui.target.process import TargetProcess

CAPACITIES = ((4, 20.0), (8, 10.0), (12, 8.0))  # the three: knees 194, 775, 1454
RAMP_S = 20


@dataclass
class Row:
    target: str
    knee: float
    ramp: str
    method: str
    rps: float
    rps_low: float
    rps_high: float | None
    error: float  # (predicted − knee) / knee
    covered: bool
    model: str
    mape: float | None
    r2: float | None
    fit_s: float


def ramp(capacity: int, service_ms: float, top: float) -> tuple[float, list[MetricWindow]]:
    with TargetProcess(capacity=capacity, service_ms=service_ms, seed=1) as target:
        knee = target.knee_rps
        plan = build_url_plan(target.url + "/products/1", rate=10.0, duration=f"{RAMP_S}s")
        plan.stages = [
            Stage(duration="0s", target=0.05 * knee),
            Stage(duration=f"{RAMP_S}s", target=top * knee),
        ]
        # Poisson arrivals, as a stress plan from a model has (a `--url` plan paces them)
        runner = Runner(plan, workers=2, transport="fast", interval_s=0.5, seed=3, paced=False)
        return knee, list(runner.windows())


def held_out(windows: list[MetricWindow]) -> tuple[float, float]:
    """MAPE and R² of p95 on every 4th window that held the SLO, fitted on the others."""
    test = [w for i, w in enumerate(windows) if i % 4 == 2]
    train = [w for i, w in enumerate(windows) if i % 4 != 2]
    twin = fit_twin([train])
    f = load_features([test])
    ok = ~twin.rule.failed(f)
    pred = np.array([p.p95 for p in twin.predict_many(f.goodput[ok])])
    actual = f.p95[ok]
    mape = float(np.mean(np.abs(pred - actual) / actual))
    r2 = 1.0 - float(np.sum((actual - pred) ** 2)) / float(np.sum((actual - actual.mean()) ** 2))
    return mape, r2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=None, help="write the rows here")
    args = parser.parse_args()
    rows: list[Row] = []
    load_before = os.getloadavg()[0]
    for capacity, service_ms in CAPACITIES:
        for name, top in (("full", 1.5), ("60%", 0.6)):
            knee, windows = ramp(capacity, service_ms, top)
            blind = [w.model_copy(update={"utilization": None}) for w in windows]
            for label, data in ((name, windows), (f"{name} blind", blind)):
                started = time.perf_counter()
                twin = fit_twin([data])
                fit_s = time.perf_counter() - started
                cap = twin.capacity
                mape, r2 = held_out(data) if label == "full" else (None, None)
                high = cap.rps_high if np.isfinite(cap.rps_high) else None
                rows.append(
                    Row(
                        target=f"{capacity}/{service_ms:g}",
                        knee=round(knee, 1),
                        ramp=label,
                        method=cap.method,
                        rps=round(cap.rps, 1),
                        rps_low=round(cap.rps_low, 1),
                        rps_high=round(high, 1) if high is not None else None,
                        error=round((cap.rps - knee) / knee, 4),
                        covered=cap.rps_low <= knee <= (high if high is not None else np.inf),
                        model=twin.model_name,
                        mape=None if mape is None else round(mape, 3),
                        r2=None if r2 is None else round(r2, 3),
                        fit_s=round(fit_s, 2),
                    )
                )
                print(rows[-1], flush=True)
    print(f"\nload average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    print(
        "| target | knee | ramp | placed by | predicted [90 % interval] | error | covered | "
        "model | held-out p95 MAPE / R² | fit |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        high = "open" if r.rps_high is None else f"{r.rps_high:,.0f}"
        held = "–" if r.mape is None else f"{r.mape:.0%} / {r.r2:.2f}"
        print(
            f"| {r.target} | {r.knee:,.0f} | {r.ramp} | {r.method} "
            f"| {r.rps:,.0f} [{r.rps_low:,.0f}, {high}] "
            f"| {r.error:+.1%} | {'yes' if r.covered else 'no'} | {r.model} | {held} "
            f"| {r.fit_s:.1f} s |"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump([asdict(r) for r in rows], fh, indent=1)


if __name__ == "__main__":
    main()
