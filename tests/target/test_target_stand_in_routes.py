"""The stand-in's route table: what it matches, how it draws latencies and statuses, its knee."""

from __future__ import annotations

from collections import Counter

import pytest

from loadtui.contracts import EndpointShare, Persona, RouteStats, TrafficModel, Transitions
from loadtui.plan.build import LOGIN_ROUTE as PLAN_LOGIN_ROUTE
from loadtui.target.capacity import Settings
from loadtui.target.routes_model import LOGIN_ROUTE, interpolate, mean_of, request_mix, route_table
from loadtui.target.stand_in import knee_rps

QUANTILES = {"0": 10.0, "0.5": 100.0, "1": 190.0}


def _model() -> TrafficModel:
    states = ["GET /products/{id}", "GET /products/new", "POST /api/login", "other"]
    people = Persona(
        name="browser",
        share=0.8,
        sessions=80,
        requests=800,
        endpoint_mix=[
            EndpointShare(method="GET", route="/products/{id}", share=0.5),
            EndpointShare(method="GET", route="/products/new", share=0.2),
            EndpointShare(method="POST", route="/api/login", share=0.1),
        ],
        transitions=Transitions(
            states=states, entry=[1, 0, 0, 0], matrix=[[0] * 4] * 4, exit=[1.0] * 4
        ),
    )
    bot = Persona(
        name="bot_crawler",
        share=0.2,
        sessions=20,
        requests=200,
        is_bot=True,
        endpoint_mix=[EndpointShare(method="GET", route="/robots.txt", share=1.0)],
    )
    return TrafficModel(
        personas=[people, bot],
        routes=[
            RouteStats(
                method="GET",
                route="/products/{id}",
                count=500,
                response_ms=QUANTILES,
                status={"200": 90, "404": 10},
            ),
            RouteStats(
                method="POST",
                route="/api/login",
                count=100,
                response_ms={"0.5": 40.0},
                status={"302": 100},
            ),
            RouteStats(
                method="*", route="other", count=200, response_ms={"0.5": 5.0}, status={"200": 1}
            ),
        ],
    )


def test_templates_match_any_value_and_literals_win() -> None:
    table = route_table(_model(), seed=1)
    assert table.match("GET", "/products/42").template == "/products/{id}"  # type: ignore[union-attr]
    assert table.match("GET", "/products/new").template == "/products/new"  # type: ignore[union-attr]
    assert table.match("HEAD", "/products/7").method == "GET"  # type: ignore[union-attr]
    assert table.match("GET", "/products/a%20b").template == "/products/{id}"  # type: ignore[union-attr]
    assert table.match("GET", "/products/1/2") is None
    assert table.match("DELETE", "/products/1") is None
    assert table.allows("/products/1") == ["GET"]
    # a chain's `other` state is what a plan sends as GET /other; bots' routes are served too
    assert table.match("GET", "/other") is not None
    assert table.match("GET", "/robots.txt") is not None


def test_latency_draws_follow_the_route_quantiles() -> None:
    route = route_table(_model(), seed=2).match("GET", "/products/9")
    assert route is not None
    draws = sorted(route.latency(route.next_draw()[0]) or 0.0 for _ in range(400))
    assert draws[200] == pytest.approx(100.0, rel=0.02)  # the log's p50
    assert draws[0] >= 10.0 and draws[-1] <= 190.0
    assert route.mean_ms() == pytest.approx(100.0)
    assert interpolate([(0.0, 0.0), (1.0, 10.0)], 0.25) == 2.5
    assert mean_of([(0.5, 7.0)]) == 7.0


def test_status_mix_is_2xx_by_default_and_observed_on_request() -> None:
    table = route_table(_model(), seed=3)
    product = table.match("GET", "/products/1")
    login = table.match("POST", "/api/login")
    assert product is not None and login is not None
    assert {product.status(u / 100, False) for u in range(100)} == {200}
    observed = Counter(product.status(product.next_draw()[1], True) for _ in range(200))
    assert observed[404] == pytest.approx(20, abs=2)  # 10 % of 200, evenly spread
    assert login.captures_token and login.ok_status == 200
    assert login.status(0.5, True) == 302


def test_knee_is_for_the_model_route_mix_without_bots() -> None:
    model = _model()
    mix = request_mix(model)
    assert "GET /robots.txt" not in mix
    assert sum(mix.values()) == pytest.approx(1.0)
    assert mix["other"] == pytest.approx(0.2)  # the mix's unnamed remainder
    settings = Settings(capacity=10, service_ms=20.0, sigma=0.0)
    table = route_table(model, seed=4)
    # 0.5·100 + 0.2·20 (untimed: base) + 0.1·40 + 0.2·5 = 59 ms → 10 / 0.059 s
    assert knee_rps(table, settings) == pytest.approx(10_000 / 59.0)
    slower = Settings(capacity=10, service_ms=20.0, sigma=0.0, slowdown=2.0)
    assert knee_rps(table, slower) == pytest.approx(10_000 / 118.0)


def test_login_rule_is_the_planners() -> None:
    assert LOGIN_ROUTE.pattern == PLAN_LOGIN_ROUTE.pattern
