"""Regression verdicts against the demo target: false alarms on identical runs, hits on a 25 %
slowdown.

One demo target (capacity 8 × 20 ms, knee ≈ 390 req/s) is loaded at 160 req/s, 40 % of its
knee (≈ 52 % slowed), so latency ≈ service time and the target's `slowdown` 1.25 shows up as
≈ +25 % p95. 80 requests a 0.5 s window keep window p95s steady: at 80 req/s (40 a window)
a busy box made identical pairs swing ±12 % and 2 of 10 slowdowns were missed.
Each pair is a fresh baseline run then a candidate run: identical (slowdown 1.0) or slowed
(1.25, set through `/_control` for the candidate only). The candidate is judged against a
rolling baseline set, the pair's own baseline run and the ones before it (`--baseline-runs`,
as a CI job keeps its last N good runs); identical and slowed pairs alternate, so drift on the
shared box hits both alike. Goal: ≤ 1 "regression" of 10 identical pairs, ≥ 9 of 10 slowed.

    .venv/bin/python bench/regression.py                 # 10 + 10 pairs, ~5 minutes
    .venv/bin/python bench/regression.py --pairs 3 --json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from loadtui.analyze.regression import compare
from loadtui.contracts import MetricWindow, RegressionReport, RunOptions
from loadtui.engine.url_plan import build_url_plan
from loadtui.live import LiveRun
from loadtui.store.runs import load_run
from loadtui.target.process import TargetProcess


@dataclass
class PairResult:
    kind: str  # identical | slowed
    verdict: str
    change: float | None
    p_value: float | None


def one_run(target: TargetProcess, out: Path, *, rate: float, duration: str, slowdown: float):
    """One short open-model run of GET /products/7; its steady windows come back."""
    target.control(slowdown=slowdown)
    try:
        plan = build_url_plan(target.url + "/products/7", rate=rate, duration=duration)
        live = LiveRun(plan, RunOptions(out_dir=out, workers=1, interval_s=0.5, index=False))
        live.run()
        assert live.run_dir is not None
        _record, windows = load_run(live.run_dir)
    finally:
        target.control(slowdown=1.0)
    return windows


def run_pairs(
    target: TargetProcess,
    out: Path,
    *,
    pairs: int,
    rate: float,
    duration: str,
    slowdown: float,
    baseline_runs: int,
) -> list[PairResult]:
    """`pairs` identical and `pairs` slowed pairs, alternating, against a rolling baseline."""
    baselines: list[list[MetricWindow]] = [
        one_run(target, out, rate=rate, duration=duration, slowdown=1.0)
        for _ in range(baseline_runs - 1)
    ]
    results: list[PairResult] = []
    for i in range(2 * pairs):
        kind = "identical" if i % 2 == 0 else "slowed"
        baselines.append(one_run(target, out, rate=rate, duration=duration, slowdown=1.0))
        baselines = baselines[-baseline_runs:]
        cand = one_run(
            target,
            out,
            rate=rate,
            duration=duration,
            slowdown=1.0 if kind == "identical" else slowdown,
        )
        report: RegressionReport = compare([cand], baselines)
        m = report.overall.p95
        results.append(PairResult(kind, report.verdict, m.change, m.p_value))
    return results


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--pairs", type=int, default=10, help="pairs of each kind (default 10)")
    ap.add_argument("--rate", type=float, default=160.0, help="requests/s (default 160)")
    ap.add_argument("--duration", default="6s", help="length of each run (default 6s)")
    ap.add_argument("--slowdown", type=float, default=1.25)
    ap.add_argument("--baseline-runs", type=int, default=3, help="rolling baseline set size")
    ap.add_argument("--capacity", type=int, default=8)
    ap.add_argument("--service-ms", type=float, default=20.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    with (
        tempfile.TemporaryDirectory() as tmp,
        TargetProcess(capacity=args.capacity, service_ms=args.service_ms, seed=1) as target,
    ):
        results = run_pairs(
            target,
            Path(tmp),
            pairs=args.pairs,
            rate=args.rate,
            duration=args.duration,
            slowdown=args.slowdown,
            baseline_runs=args.baseline_runs,
        )
        knee = target.knee_rps
    elapsed = time.perf_counter() - t0
    same = [r for r in results if r.kind == "identical"]
    slow = [r for r in results if r.kind == "slowed"]
    false_alarms = sum(r.verdict == "regression" for r in same)
    hits = sum(r.verdict == "regression" for r in slow)
    if args.json:
        doc = {
            "pairs": args.pairs,
            "identical_regressions": false_alarms,
            "slowed_regressions": hits,
            "knee_rps": knee,
            "seconds": round(elapsed, 1),
            "results": [r.__dict__ for r in results],
        }
        print(json.dumps(doc, indent=2))
    else:
        print(f"target knee {knee:.0f} req/s, load {args.rate:g} req/s, runs of {args.duration}")
        for r in results:
            change = "–" if r.change is None else f"{r.change * 100:+5.1f}%"
            p = "–" if r.p_value is None else f"{r.p_value:.1e}"
            print(f"  {r.kind:9s}  {r.verdict:11s}  p95 {change}  p={p}")
        print(f"identical pairs called regression: {false_alarms} of {len(same)} (goal ≤ 1)")
        print(
            f"slowed ×{args.slowdown:g} pairs called regression: {hits} of {len(slow)} (goal ≥ 9)"
        )
        print(f"{elapsed:.0f} s")
    ok = false_alarms <= max(1, len(same) // 10) and hits >= len(slow) - max(1, len(slow) // 10)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
