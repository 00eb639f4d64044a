"""The offline advisor's rules on hand-built inputs: deterministic, rounded for people, and
never loosening a bound to hide a broken test or a regression."""

from __future__ import annotations

import pytest

from loadtui.advise.bounds import (
    error_rate_bound,
    latency_bound,
    latency_step,
    nice_rate,
    outliers,
)
from loadtui.advise.offline import advise
from loadtui.contracts import (
    AdviceInput,
    MetricComparison,
    RegressionReport,
    RegressionRow,
    RouteRunStats,
    RunStats,
    SideStats,
    Stage,
    StageStats,
    ThresholdChange,
)
from loadtui.plan.thresholds import evaluate, parse_threshold

P95S = (100.0, 103.0, 98.0, 101.0, 104.0)  # five quiet baseline runs, sd ≈ 2.4 ms


def run(run_id: str, p95: float, *, error_rate: float = 0.0, **kw: object) -> RunStats:
    fields: dict[str, object] = {
        "run_id": run_id,
        "requests": 1000,
        "rps": 100.0,
        "error_rate": error_rate,
        "errors_by_class": {"http_5xx": round(error_rate * 1000)} if error_rate else {},
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "p99_ms": p95 * 1.5,
        "steady_p95_ms": p95 * 0.99,
        "steady_p99_ms": p95 * 1.45,
    }
    fields.update(kw)
    return RunStats.model_validate(fields)


def baseline() -> list[RunStats]:
    return [run(f"b{i}", v) for i, v in enumerate(P95S)]


def inp(current: RunStats, **kw: object) -> AdviceInput:
    fields: dict[str, object] = {
        "plan_name": "shop",
        "thresholds": {
            "http_req_duration": ["p(95)<500", "p(99)<1000"],
            "http_req_failed": ["rate<0.01", "rate<0.25 abortOnFail=30s"],
        },
        "run": current,
        "baseline": baseline(),
    }
    fields.update(kw)
    return AdviceInput.model_validate(fields)


def change(result: object, metric: str) -> ThresholdChange | None:
    return next((t for t in result.new_thresholds if t.metric == metric), None)  # type: ignore[attr-defined]


def bound_of(exprs: list[str], stat: str) -> float:
    return next(parse_threshold(e).value for e in exprs if parse_threshold(e).stat == stat)


def holds(exprs: list[str], stats: dict[str, float]) -> bool:
    return all(evaluate(parse_threshold(e), stats) for e in exprs)


def test_same_input_gives_the_same_suggestions_byte_for_byte() -> None:
    a = advise(inp(run("c", 102.0)))
    b = advise(inp(run("c", 102.0)))
    assert a.model_dump_json() == b.model_dump_json()
    assert [e.id for e in a.edits()] == ["threshold:http_req_duration"]


def test_latency_bounds_round_to_steps_people_write() -> None:
    assert latency_step(60.0) == 1.0
    assert latency_step(500.0) == 10.0
    assert latency_step(1000.0) == 25.0
    assert latency_step(2000.0) == 50.0
    b = latency_bound([490.0, 500.0, 505.0, 495.0, 510.0])
    assert b.value % 10 == 0 and b.value >= b.raw
    assert b.value == 560.0  # Q90 508 + 10 % of 500 = 558, up to the next 10 ms
    assert nice_rate(0.003) == 0.005
    assert error_rate_bound([0.0, 0.0, 0.0]).value == 0.01  # never below k6's customary 1 %


def test_thresholds_from_a_quiet_baseline_pass_noise_and_fail_a_20_percent_regression() -> None:
    result = advise(inp(run("c", 102.0)))
    t = change(result, "http_req_duration")
    assert t is not None and t.id == "threshold:http_req_duration"
    assert t.old == ["p(95)<500", "p(99)<1000"]
    p95 = bound_of(t.new, "p(95)")
    median = sorted(P95S)[2]
    assert max(P95S) < p95 < 1.2 * median, t.new
    assert holds(t.new, {"p(95)": 104.0, "p(99)": 156.0})  # the worst baseline run
    assert not holds(t.new, {"p(95)": 1.2 * median, "p(99)": 1.2 * median * 1.5})
    assert t.confidence == 0.95  # 5 runs, tight band
    names = {e.name for e in t.evidence}
    assert "baseline runs behind the p(95) bound" in names
    # the abortOnFail emergency stop is kept; 0 % errors in the baseline keep rate<0.01
    assert change(result, "http_req_failed") is None
    assert not result.regression and not result.findings


def test_404s_on_missing_routes_are_a_broken_test_and_no_error_bound_loosens() -> None:
    routes = [
        RouteRunStats(route="GET /products/{id}", requests=700, error_rate=0.0),
        RouteRunStats(route="GET /nope/{id}", requests=180, error_rate=1.0),
        RouteRunStats(route="POST /missing", requests=120, error_rate=1.0),
    ]
    broken = {"errors_by_class": {"http_4xx": 300}, "routes": routes}
    current = run("c", 100.0, error_rate=0.3, **broken)
    base = [run(f"b{i}", v, error_rate=0.3, **broken) for i, v in enumerate(P95S)]
    result = advise(inp(current, baseline=base))
    assert change(result, "http_req_failed") is None  # 0.3 in every run: still not loosened
    finding = next(f for f in result.findings if f.kind == "broken_test")
    assert finding.routes == ["GET /nope/{id}", "POST /missing"]
    assert "180 of 180" in finding.message and "120 of 120" in finding.message
    assert any("http_req_failed stays at rate<0.01" in n for n in result.notes)
    # no error threshold at all: none is added to fit the broken test either
    result = advise(inp(current, baseline=base, thresholds={}))
    assert change(result, "http_req_failed") is None


def test_refused_connections_are_a_broken_test() -> None:
    current = run("c", 5.0, error_rate=0.4, errors_by_class={"refused": 400})
    result = advise(inp(current, baseline=[run(f"b{i}", 5.0, error_rate=0.4) for i in range(3)]))
    finding = next(f for f in result.findings if f.kind == "broken_test")
    assert "400 of 1000" in finding.message and "refused 400" in finding.message
    assert change(result, "http_req_failed") is None


def test_errors_without_fault_of_the_test_may_set_a_bound_from_the_baseline() -> None:
    base = [
        run(f"b{i}", v, error_rate=r)
        for i, (v, r) in enumerate(zip(P95S, (0.02, 0.025, 0.018, 0.022, 0.03), strict=True))
    ]
    result = advise(inp(run("c", 100.0, error_rate=0.021), baseline=base))
    t = change(result, "http_req_failed")
    assert t is not None and t.new[0] == "rate<0.05" and t.new[1] == "rate<0.25 abortOnFail=30s"


def _cmp(metric: str, verdict: str, change: float) -> MetricComparison:
    return MetricComparison.model_validate(
        {
            "metric": metric,
            "verdict": verdict,
            "tested": True,
            "baseline": SideStats(runs=5, center=100.0),
            "candidate": SideStats(runs=1, center=100.0 * (1 + change)),
            "change": change,
            "reason": f"p95 {change:+.0%}",
        }
    )


def test_a_regression_is_reported_and_no_latency_bound_loosens_to_hide_it() -> None:
    report = RegressionReport(
        verdict="regression",
        baseline_runs=[f"b{i}" for i in range(5)],
        candidate_runs=["c"],
        overall=RegressionRow(
            scope="overall",
            name="all requests",
            verdict="regression",
            p95=_cmp("p95_ms", "regression", 0.3),
            errors=_cmp("error_rate", "noise", 0.0),
        ),
    )
    # the plan's bound (90 ms) is tighter than the baseline suggests (≈ 110 ms)
    thresholds = {"http_req_duration": ["p(95)<90"], "http_req_failed": ["rate<0.01"]}
    result = advise(inp(run("c", 130.0), regression=report, thresholds=thresholds))
    assert result.regression
    assert any(f.kind == "regression" and "+30%" in f.message for f in result.findings)
    assert change(result, "http_req_duration") is None  # 90 stays: looser would hide +30 %
    # without the regression the same data would move the bound to the baseline's band
    calm = advise(inp(run("c", 101.0), thresholds=thresholds))
    t = change(calm, "http_req_duration")
    assert t is not None and bound_of(t.new, "p(95)") > 100


def stage_stats(i: int, *, error_rate: float = 0.0, p95: float = 50.0, **kw: object) -> StageStats:
    fields: dict[str, object] = {
        "index": i,
        "start_s": 0.0,
        "end_s": 1.0,
        "target_from": 0.0,
        "target_to": 0.0,
        "requests": 500,
        "error_rate": error_rate,
        "p95_ms": p95,
        "windows": 10,
    }
    fields.update(kw)
    return StageStats.model_validate(fields)


RAMP = [
    Stage(duration="5s", target=100, name="ramp"),
    Stage(duration="60s", target=100, name="hold"),
]


def test_errors_in_a_steep_ramp_with_a_healthy_hold_lengthen_the_ramp() -> None:
    current = run("c", 100.0, stages=[stage_stats(0, error_rate=0.2), stage_stats(1)])
    result = advise(inp(current, stages=RAMP))
    (adj,) = result.stage_adjustments
    assert (adj.id, adj.type, adj.stage) == ("stage:0", "lengthen_ramp", 0)
    assert adj.new_stages == [Stage(duration="20s", target=100, name="ramp")]
    assert adj.change == "ramp to 100 over 20s instead of 5s"
    ev = {e.name: e.value for e in adj.evidence}
    assert ev["ramp error rate"] == 0.2 and ev["hold error rate"] == 0.0 and ev["ramp slope"] == 20
    assert adj.confidence == 0.5
    # the same pattern in two baseline runs makes it surer
    base = [
        run(f"b{i}", v, stages=[stage_stats(0, error_rate=0.1), stage_stats(1)])
        for i, v in enumerate(P95S[:2])
    ]
    assert advise(inp(current, stages=RAMP, baseline=base)).stage_adjustments[0].confidence == 0.7


def test_a_failing_hold_after_the_ramp_means_capacity_not_steepness() -> None:
    current = run(
        "c", 100.0, stages=[stage_stats(0, error_rate=0.2), stage_stats(1, error_rate=0.2)]
    )
    result = advise(inp(current, stages=RAMP))
    assert result.stage_adjustments == []
    assert any(
        f.kind == "note" and "past what the system takes" in f.message for f in result.findings
    )


SPIKE = [
    Stage(duration="10s", target=20, name="ramp"),
    Stage(duration="30s", target=20, name="hold"),
    Stage(duration="5s", target=100, name="spike"),
    Stage(duration="5s", target=20, name="recover"),
]


def test_a_spike_that_breaks_the_target_becomes_steps() -> None:
    stages = [
        stage_stats(0),
        stage_stats(1),
        stage_stats(2, error_rate=0.3, p95=400.0),
        stage_stats(3),
    ]
    result = advise(inp(run("c", 100.0, stages=stages), stages=SPIKE))
    (adj,) = result.stage_adjustments
    assert (adj.id, adj.type, adj.stage) == ("stage:2", "spike_to_steps", 2)
    assert [s.target for s in adj.new_stages] == [46.6667, 46.6667, 73.3333, 73.3333, 100, 100]
    assert [s.duration for s in adj.new_stages] == ["5s", "10s"] * 3
    # a spike the target takes is left alone
    calm = [stage_stats(i) for i in range(4)]
    assert advise(inp(run("c", 100.0, stages=calm), stages=SPIKE)).stage_adjustments == []


def test_a_stage_is_removed_only_with_repeated_evidence() -> None:
    env = stage_stats(2, saturated_windows=8)
    current = run("c", 100.0, stages=[stage_stats(0), stage_stats(1), env, stage_stats(3)])
    once = [run("b0", 100.0, stages=[stage_stats(0), stage_stats(1), env, stage_stats(3)])]
    once += [run(f"b{i}", 100.0, stages=[stage_stats(j) for j in range(4)]) for i in (1, 2)]
    assert advise(inp(current, stages=SPIKE, baseline=once)).remove == []
    assert advise(inp(current, stages=SPIKE, baseline=[])).remove == []
    twice = [
        run(f"b{i}", 100.0, stages=[stage_stats(0), stage_stats(1), env, stage_stats(3)])
        for i in range(2)
    ]
    twice.append(once[1])
    result = advise(inp(current, stages=SPIKE, baseline=twice))
    (rm,) = result.remove
    assert (rm.id, rm.stage, rm.confidence) == ("remove:2", 2, 0.6)
    assert "2 of 3 baseline runs" in rm.reason


@pytest.mark.parametrize("failed", [True, False])
def test_without_a_baseline_the_run_itself_is_the_basis_only_when_sound(failed: bool) -> None:
    from loadtui.contracts import ThresholdVerdict

    verdicts = [ThresholdVerdict(metric="http_req_duration", expression="p(95)<500", ok=not failed)]
    result = advise(inp(run("c", 100.0, thresholds=verdicts), baseline=[]))
    t = change(result, "http_req_duration")
    if failed:
        assert t is None and any("not a sound basis" in n for n in result.notes)
    else:
        assert t is not None and t.confidence == 0.43
        assert bound_of(t.new, "p(95)") == 116.0  # 100 + 15 % (one run), up in 2 ms steps


def test_one_baseline_run_far_above_its_siblings_is_left_out_and_named() -> None:
    assert outliers([32.4, 32.5, 32.6, 33.0, 80.9]) == [4]
    assert outliers([32.4, 32.6, 80.9]) == []  # too few runs to call one an outlier
    assert outliers([31.6, 32.0, 32.3, 46.3, 31.8]) == []  # 1.45×: spread, kept
    base = [run(f"b{i}", v) for i, v in enumerate((32.4, 32.5, 32.6, 33.0, 80.9))]
    result = advise(inp(run("c", 32.0), baseline=base, thresholds={}))
    t = change(result, "http_req_duration")
    assert t is not None and bound_of(t.new, "p(95)") == 37.0, t.new  # not 138
    assert "b4 (80.9 ms)" in t.reason
