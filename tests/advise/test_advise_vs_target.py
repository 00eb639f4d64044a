"""Acceptance: the offline advisor against the demo target (bench/advise.py repeats it 10×).

1. Thresholds proposed from a 5-run baseline of short identical runs pass 5 fresh identical
   runs and fail a run at the target's `slowdown` 1.25. The target (capacity 8 × 20 ms, knee
   ≈ 390 req/s) is loaded at 160 req/s, 40 % of its knee, so latency ≈ service time and the
   slowdown shows as ≈ +25 % p95 (bench/regression.py: +18.7…+31.7 %). The thresholds are
   judged as the engine and k6 judge them: `plan.thresholds.evaluate` on each run's summary.
2. A plan with ~30 % of its requests to routes the target lacks (404) gets a broken-test
   finding naming those routes and no looser error threshold, though every run had 30 % errors.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtui.advise.context import build_input
from loadtui.advise.offline import advise
from loadtui.contracts import RunOptions, Scenario, Step, TestPlan
from loadtui.engine.url_plan import build_url_plan
from loadtui.live import LiveRun
from loadtui.plan.thresholds import evaluate, parse_threshold
from loadtui.store.runs import load_run
from loadtui.target.process import TargetProcess

RATE = 160.0
RUN = "4s"


def one_run(target: TargetProcess, out: Path, plan: TestPlan, slowdown: float = 1.0) -> Path:
    target.control(slowdown=slowdown)
    try:
        live = LiveRun(plan, RunOptions(out_dir=out, workers=1, interval_s=0.5, index=False))
        live.run()
        assert live.run_dir is not None
        return live.run_dir
    finally:
        target.control(slowdown=1.0)


def passes(thresholds: dict[str, list[str]], run_dir: Path) -> tuple[bool, dict[str, float]]:
    """Whether a run's summary holds every threshold (k6's verdict), and the values read."""
    record, _ = load_run(run_dir)
    ok, seen = True, {}
    for key, exprs in thresholds.items():
        stats = record.metrics[key]
        for e in exprs:
            th = parse_threshold(e)
            seen[f"{key} {th.stat}"] = round(stats.get(th.stat, float("nan")), 2)
            ok = ok and evaluate(th, stats)
    return ok, seen


# run-to-run p95 spread on a busy 2-core box reached ~10 %: no bound separates +25 %; one rerun
@pytest.mark.flaky(reruns=1)
@pytest.mark.e2e
@pytest.mark.timeout(300)  # ~55 s on a quiet box; 2 min seen under 7 others
def test_thresholds_from_five_baseline_runs_pass_noise_and_fail_a_slowdown(
    tmp_path: Path,
) -> None:
    with TargetProcess(capacity=8, service_ms=20.0, seed=1) as target:
        assert target.knee_rps > 2 * RATE
        plan = build_url_plan(target.url + "/products/7", rate=RATE, duration=RUN)
        plan = plan.model_copy(update={"thresholds": {"http_req_duration": ["p(95)<500"]}})
        base = [one_run(target, tmp_path, plan) for _ in range(5)]
        fresh = [one_run(target, tmp_path, plan) for _ in range(5)]
        result = advise(build_input(fresh[0], base, plan))  # a fresh run vs all five
        slowed = one_run(target, tmp_path, plan, slowdown=1.25)
    change = next(t for t in result.new_thresholds if t.metric == "http_req_duration")
    proposed = {"http_req_duration": change.new}
    verdicts = [passes(proposed, d) for d in fresh]
    assert all(ok for ok, _ in verdicts), (change.new, verdicts, change.evidence)
    ok, seen = passes(proposed, slowed)
    assert not ok, (change.new, seen, change.evidence)
    assert not result.regression and change.confidence >= 0.9


def plan_with_missing_routes(url: str) -> TestPlan:
    """GET /products/7 for 70 % of sessions, 15 % each to two routes the shop does not have."""
    plan = build_url_plan(url + "/products/7", rate=RATE, duration="3s")
    ok = plan.scenarios[0]

    def single(name: str, method: str, route: str, weight: float) -> Scenario:
        step = Step(method=method, route=route)
        return ok.model_copy(
            update={"name": name, "persona": name, "weight": weight, "steps": [step]}
        )

    return plan.model_copy(
        update={
            "name": "shop with stale routes",
            "scenarios": [
                ok.model_copy(update={"weight": 0.7}),
                single("stale", "GET", "/catalogue/old", 0.15),
                single("gone", "GET", "/wishlist", 0.15),
            ],
            "thresholds": {"http_req_failed": ["rate<0.01"]},
        }
    )


@pytest.mark.e2e
@pytest.mark.timeout(120)
def test_404s_on_missing_routes_name_the_routes_and_loosen_nothing(tmp_path: Path) -> None:
    with TargetProcess(capacity=8, service_ms=20.0, seed=1) as target:
        plan = plan_with_missing_routes(target.url)
        runs = [one_run(target, tmp_path, plan) for _ in range(3)]
    inp = build_input(runs[-1], runs[:-1], plan)
    assert 0.2 < inp.run.error_rate < 0.4, inp.run.error_rate
    result = advise(inp)
    assert not [t for t in result.new_thresholds if t.metric == "http_req_failed"]
    (finding,) = [f for f in result.findings if f.kind == "broken_test"]
    assert sorted(finding.routes) == ["GET /catalogue/old", "GET /wishlist"], finding
    assert "/catalogue/old" in finding.message and "/wishlist" in finding.message
    assert any("http_req_failed stays at rate<0.01" in n for n in result.notes)
