"""The offline advisor against the demo target, repeated: do its thresholds let noise pass and
catch a 25 % slowdown, and does it refuse to loosen the error bound of a broken test?

One demo target (capacity 8 × 20 ms, knee ≈ 390 req/s) for every trial. A trial is the
acceptance of tests/advise/test_advise_vs_target.py:
1. 5 baseline runs of GET /products/7 at 160 req/s (40 % of the knee), 4 s each; the advisor
   proposes http_req_duration bounds from them (for a fresh run against all five);
2. 5 fresh identical runs and 1 run at the target's `slowdown` 1.25, each judged on its
   summary with `plan.thresholds.evaluate`, as the engine and k6 judge a threshold (and, for
   comparison, on its steady windows only: start-up and drain left out);
3. 3 runs of a plan with 30 % of its sessions on two routes the target lacks (404): the
   advice must name both routes and propose no looser http_req_failed bound than rate<0.01.
Goal: ≥ 95 % of fresh runs pass, ≥ 90 % of slowed runs fail, 404 trials 100 % right.

    .venv/bin/python bench/advise.py                 # 10 trials, ~10 minutes
    .venv/bin/python bench/advise.py --trials 2 --json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from loadtui.advise.context import build_input, run_stats
from loadtui.advise.offline import advise
from loadtui.contracts import RunOptions, Scenario, Step, TestPlan
from loadtui.engine.url_plan import build_url_plan
from loadtui.live import LiveRun
from loadtui.plan.thresholds import evaluate, parse_threshold
from loadtui.store.runs import load_run
from loadtui.target.process import TargetProcess

SURE = 0.9  # the advisor's confidence in a bound from 5 quiet runs (0.95; 0.66 when noisy)


@dataclass
class Trial:
    bounds: list[str] = field(default_factory=list)
    confidence: float = 0.0  # the advisor's own: < 0.9 when the baseline was too noisy
    baseline_p95: list[float] = field(default_factory=list)
    fresh_p95: list[float] = field(default_factory=list)
    fresh_passed: int = 0
    fresh_passed_steady: int = 0  # the same bounds judged on the steady windows only
    fresh_steady_p95: list[float] = field(default_factory=list)
    slowed_p95: float = 0.0
    slowed_failed: bool = False
    slowed_failed_steady: bool = False
    broken_routes: list[str] = field(default_factory=list)
    error_bound_loosened: bool = True
    seconds: float = 0.0


def one_run(target: TargetProcess, out: Path, plan: TestPlan, slowdown: float = 1.0) -> Path:
    target.control(slowdown=slowdown)
    try:
        live = LiveRun(plan, RunOptions(out_dir=out, workers=1, interval_s=0.5, index=False))
        live.run()
        assert live.run_dir is not None
        return live.run_dir
    finally:
        target.control(slowdown=1.0)


def passes(thresholds: dict[str, list[str]], run_dir: Path) -> tuple[bool, float]:
    """k6's verdict on a run's summary, and the run's p95."""
    record, _ = load_run(run_dir)
    ok = all(
        evaluate(parse_threshold(e), record.metrics[key])
        for key, exprs in thresholds.items()
        for e in exprs
    )
    return ok, record.metrics["http_req_duration"]["p(95)"]


def passes_steady(latency: list[str], run_dir: Path) -> tuple[bool, float]:
    """The same latency bounds judged on the steady windows (start-up and drain left out):
    how much of a miss is the run's first half second on a busy box."""
    stats = run_stats(*load_run(run_dir))
    values = {"p(95)": stats.steady_p95_ms or 0.0, "p(99)": stats.steady_p99_ms or 0.0}
    return all(evaluate(parse_threshold(e), values) for e in latency), values["p(95)"]


def missing_routes_plan(url: str, rate: float) -> TestPlan:
    plan = build_url_plan(url + "/products/7", rate=rate, duration="3s")
    ok = plan.scenarios[0]

    def single(name: str, route: str) -> Scenario:
        update = {"name": name, "persona": name, "weight": 0.15, "steps": [Step(route=route)]}
        return ok.model_copy(update=update)

    scenarios = [
        ok.model_copy(update={"weight": 0.7}),
        single("stale", "/catalogue/old"),
        single("gone", "/wishlist"),
    ]
    update = {"scenarios": scenarios, "thresholds": {"http_req_failed": ["rate<0.01"]}}
    return plan.model_copy(update=update)


def trial(target: TargetProcess, out: Path, *, rate: float, duration: str) -> Trial:
    t0 = time.perf_counter()
    result = Trial()
    plan = build_url_plan(target.url + "/products/7", rate=rate, duration=duration)
    plan = plan.model_copy(update={"thresholds": {"http_req_duration": ["p(95)<500"]}})
    base = [one_run(target, out, plan) for _ in range(5)]
    fresh = [one_run(target, out, plan) for _ in range(5)]
    slowed = one_run(target, out, plan, slowdown=1.25)
    advice = advise(build_input(fresh[0], base, plan))
    change = next(t for t in advice.new_thresholds if t.metric == "http_req_duration")
    proposed = {"http_req_duration": change.new}
    result.bounds = change.new
    result.confidence = change.confidence
    result.baseline_p95 = [round(passes(proposed, d)[1], 2) for d in base]
    for d in fresh:
        ok, p95 = passes(proposed, d)
        result.fresh_passed += ok
        result.fresh_p95.append(round(p95, 2))
        ok, p95 = passes_steady(change.new, d)
        result.fresh_passed_steady += ok
        result.fresh_steady_p95.append(round(p95, 2))
    ok, p95 = passes(proposed, slowed)
    result.slowed_failed, result.slowed_p95 = not ok, round(p95, 2)
    result.slowed_failed_steady = not passes_steady(change.new, slowed)[0]

    broken = missing_routes_plan(target.url, rate)
    runs = [one_run(target, out, broken) for _ in range(3)]
    advice = advise(build_input(runs[-1], runs[:-1], broken))
    result.broken_routes = sorted(
        r for f in advice.findings if f.kind == "broken_test" for r in f.routes
    )
    result.error_bound_loosened = any(
        t.metric == "http_req_failed" and t.new != ["rate<0.01"] for t in advice.new_thresholds
    )
    result.seconds = round(time.perf_counter() - t0, 1)
    return result


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--trials", type=int, default=10)
    ap.add_argument("--rate", type=float, default=160.0, help="requests/s (default 160)")
    ap.add_argument("--duration", default="4s", help="length of each run (default 4s)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    t0 = time.perf_counter()
    trials: list[Trial] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        TargetProcess(capacity=8, service_ms=20.0, seed=1) as target,
    ):
        for i in range(args.trials):
            out = Path(tmp) / f"trial-{i}"
            trials.append(trial(target, out, rate=args.rate, duration=args.duration))
            if not args.json:
                t = trials[-1]
                print(
                    f"  trial {i + 1}: {', '.join(t.bounds)} (conf {t.confidence:.2f})  "
                    f"baseline p95 {min(t.baseline_p95):.1f}-{max(t.baseline_p95):.1f}  fresh pass "
                    f"{t.fresh_passed}/5 (max p95 {max(t.fresh_p95):.1f})  slowed p95 "
                    f"{t.slowed_p95:.1f} {'failed' if t.slowed_failed else 'PASSED'}  steady: "
                    f"fresh pass {t.fresh_passed_steady}/5, slowed "
                    f"{'failed' if t.slowed_failed_steady else 'PASSED'}  404 "
                    f"routes {t.broken_routes} loosened={t.error_bound_loosened}  "
                    f"{t.seconds:.0f}s",
                    flush=True,
                )
        knee = target.knee_rps
    elapsed = time.perf_counter() - t0
    n = len(trials)
    fresh_rate = sum(t.fresh_passed for t in trials) / (5 * n)
    slowed_rate = sum(t.slowed_failed for t in trials) / n
    fresh_steady = sum(t.fresh_passed_steady for t in trials) / (5 * n)
    sure = [t for t in trials if t.confidence >= SURE]
    sure_fresh = sum(t.fresh_passed for t in sure) / (5 * len(sure)) if sure else None
    sure_slowed = sum(t.slowed_failed for t in sure) / len(sure) if sure else None
    slowed_steady = sum(t.slowed_failed_steady for t in trials) / n
    expected = ["GET /catalogue/old", "GET /wishlist"]
    broken_rate = sum(t.broken_routes == expected and not t.error_bound_loosened for t in trials)
    broken_rate /= n
    if args.json:
        doc = {
            "trials": n,
            "knee_rps": knee,
            "fresh_pass_rate": fresh_rate,
            "slowed_fail_rate": slowed_rate,
            "steady_fresh_pass_rate": fresh_steady,
            "steady_slowed_fail_rate": slowed_steady,
            "confident_trials": len(sure),
            "confident_fresh_pass_rate": sure_fresh,
            "confident_slowed_fail_rate": sure_slowed,
            "broken_test_right_rate": broken_rate,
            "seconds": round(elapsed, 1),
            "results": [asdict(t) for t in trials],
        }
        print(json.dumps(doc, indent=2))
    else:
        print(f"target knee {knee:.0f} req/s, load {args.rate:g} req/s, runs of {args.duration}")
        print(f"fresh identical runs passing the proposed bounds: {fresh_rate:.0%} (goal ≥ 95 %)")
        print(f"runs at slowdown 1.25 failing them: {slowed_rate:.0%} (goal ≥ 90 %)")
        print(
            f"judged on steady windows only: fresh pass {fresh_steady:.0%}, slowed fail "
            f"{slowed_steady:.0%}"
        )
        if sure_fresh is not None and sure_slowed is not None:
            print(
                f"trials where the advisor was sure (confidence ≥ {SURE:g}): {len(sure)} of {n}; "
                f"fresh pass {sure_fresh:.0%}, slowed fail {sure_slowed:.0%}"
            )
        print(f"404 plans: routes named, no looser error bound: {broken_rate:.0%} (goal 100 %)")
        print(f"{elapsed:.0f} s ({elapsed / n:.0f} s a trial)")
    ok = fresh_rate >= 0.95 and slowed_rate >= 0.9 and broken_rate == 1.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
