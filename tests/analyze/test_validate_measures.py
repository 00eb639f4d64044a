"""Validation's measures and verdicts on hand-made windows (no run, no server)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from loadtui.analyze.validate import (
    buckets,
    cdf,
    ks,
    ks_lengths,
    tvd,
    validate,
    walk_lengths,
)
from loadtui.contracts import (
    Breakdown,
    Distribution,
    EndpointShare,
    MetricWindow,
    Persona,
    RouteStats,
    RunRecord,
    Scenario,
    Step,
    TestPlan,
    TrafficModel,
    Transitions,
)

LOGNORMAL = Distribution(kind="lognormal", mu=1.0, sigma=0.8, median=2.718)
FIXED = Distribution(kind="constant", median=1.0, mean=1.0, p50=1.0)


def test_tvd_and_ks_measure_what_they_say() -> None:
    assert tvd({"a": 1, "b": 1}, {"a": 5, "b": 5}) == 0.0
    assert tvd({"a": 1}, {"b": 3}) == 1.0
    assert tvd({"a": 3, "b": 1}, {"a": 1, "b": 1}) == pytest.approx(0.25)
    assert ks(LOGNORMAL, LOGNORMAL) == 0.0
    assert cdf(LOGNORMAL, 2.718281828) == pytest.approx(0.5, abs=1e-6)
    # a fixed 1 s sleep against a lognormal with median e: the step at 1 s is F(1) = Φ(-1.25)
    assert ks(LOGNORMAL, FIXED) == pytest.approx(1 - 0.10565, abs=1e-3)
    empirical = Distribution(kind="empirical", quantiles={"0": 0.0, "0.5": 1.0, "1": 2.0})
    assert cdf(empirical, 1.5) == pytest.approx(0.75)


def _scenario(exit_p: float) -> Scenario:
    return Scenario(
        name="s",
        persona="p",
        weight=1.0,
        steps=[Step(route="/a")],
        entry=[1.0],
        matrix=[[1 - exit_p]],
        exit=[exit_p],
        max_requests=50,
    )


def test_walk_lengths_of_a_chain_are_geometric() -> None:
    cum = walk_lengths(_scenario(0.5))
    assert cum[1] == pytest.approx(0.5) and cum[2] == pytest.approx(0.75)
    always_two = Distribution(kind="constant", median=2.0, p50=2.0)
    assert ks_lengths(_scenario(0.5), always_two) == pytest.approx(0.5)  # P(L ≤ 1) = 0.5 vs 0


def test_rates_are_compared_over_spans() -> None:
    ws = [_window(t, rps=r, target=10.0) for t, r in enumerate([8, 12, 9, 11, 10, 6, 7, 8], 1)]
    actual, planned = buckets(ws, 5.0)
    assert actual == [10.0, 7.0] and planned == [10.0, 10.0]  # a last span of 3 s is kept
    assert buckets(ws[:6], 5.0)[0] == [10.0]  # one of 1 s is not


def _window(
    t: int, *, rps: float, target: float, routes: dict[str, int] | None = None
) -> MetricWindow:
    routes = routes or {}
    return MetricWindow(
        t=float(t),
        ts=datetime(2026, 1, 1, 0, 0, t % 60, tzinfo=UTC),
        target_rate=target,
        rps=rps,
        requests=sum(routes.values()),
        status_counts={"200": sum(routes.values())} if routes else {},
        by_route={k: Breakdown(requests=n) for k, n in routes.items()},
    )


def _model() -> TrafficModel:
    persona = Persona(
        name="p",
        share=1.0,
        sessions=10,
        requests=100,
        think_time_s=LOGNORMAL,
        requests_per_session=Distribution(kind="lognormal", mu=0.5, sigma=0.5, median=1.65),
        endpoint_mix=[
            EndpointShare(method="GET", route="/a", share=0.75),
            EndpointShare(method="GET", route="/b", share=0.25),
        ],
        transitions=Transitions(states=["GET /a", "GET /b"]),
    )
    routes = [
        RouteStats(method="GET", route="/a", count=75, status={"200": 75}),
        RouteStats(method="GET", route="/b", count=25, status={"200": 20, "404": 5}),
    ]
    return TrafficModel(personas=[persona], routes=routes)


def _plan(think: Distribution) -> TestPlan:
    sc = Scenario(
        name="p",
        persona="p",
        weight=1.0,
        steps=[Step(route="/a"), Step(route="/b")],
        entry=[0.75, 0.25],
        matrix=[[0.45, 0.15], [0.45, 0.15]],
        exit=[0.4, 0.4],
        think_time=think,
    )
    return TestPlan(scenarios=[sc])


def test_a_faithful_run_passes_and_a_uniform_fixed_sleep_one_fails() -> None:
    model = _model()
    record = RunRecord(run_id="r", started=datetime(2026, 1, 1, tzinfo=UTC))
    good = [_window(t, rps=20, target=20, routes={"GET /a": 15, "GET /b": 5}) for t in range(12)]
    result = validate(model, record, good, _plan(LOGNORMAL))
    checks = {c.name: c for c in result.checks}
    assert checks["endpoint_mix"].deviation == pytest.approx(0.0)
    assert checks["think_time"].deviation == pytest.approx(0.0)
    assert checks["status_mix"].deviation == pytest.approx(0.05)  # the log's 404s on /b
    assert checks["rate_shape"].passed
    wrong = [_window(t, rps=20, target=20, routes={"GET /a": 10, "GET /b": 10}) for t in range(12)]
    bad = validate(model, record, wrong, _plan(FIXED))
    failed = set(bad.failed)
    assert {"endpoint_mix", "think_time"} <= failed and not bad.passed
    report = bad.report()
    assert report.passed is False and report.checks["endpoint_mix"] == pytest.approx(0.25)
    saved = TrafficModel.model_validate_json(
        model.model_copy(update={"validation": report}).model_dump_json()
    )
    assert saved.validation is not None and saved.validation.failed == bad.failed


def test_a_run_without_a_plan_judges_what_its_windows_can() -> None:
    record = RunRecord(run_id="r", started=datetime(2026, 1, 1, tzinfo=UTC))
    ws = [_window(t, rps=20, target=20, routes={"GET /a": 15, "GET /b": 5}) for t in range(6)]
    result = validate(_model(), record, ws, None)
    skipped = {c.name for c in result.checks if c.passed is None}
    assert skipped == {"think_time", "session_length"}
    assert result.passed and result.notes
