"""TrafficModel → TestPlan: scenarios, Markov flows, tokens, bodies and rate conversion."""

from __future__ import annotations

import random

import pytest

from loadtui.contracts import TrafficModel
from loadtui.errors import UserError
from loadtui.plan.build import (
    build_plan,
    expected_requests,
    expected_visits,
    mean_session_seconds,
)
from loadtui.plan.stages import total_seconds


def test_scenarios_one_per_human_persona_with_weights_summing_to_one(
    model: TrafficModel,
) -> None:
    plan = build_plan(model)
    assert [s.persona for s in plan.scenarios] == ["casual_browser", "power user", "api_consumer"]
    assert sum(s.weight for s in plan.scenarios) == pytest.approx(1.0, abs=1e-5)
    assert plan.scenarios[0].weight == pytest.approx(0.6 / 0.95, abs=1e-5)
    with_bots = build_plan(model, include_bots=True)
    assert [s.persona for s in with_bots.scenarios][-1] == "bot_crawler"
    assert with_bots.scenarios[-1].is_bot


def test_markov_rows_are_valid_even_when_the_model_was_not(model: TrafficModel) -> None:
    for sc in build_plan(model, include_bots=True).scenarios:
        n = len(sc.steps)
        assert len(sc.entry) == n and len(sc.matrix) == n and len(sc.exit) == n
        assert sum(sc.entry) == pytest.approx(1.0, abs=1e-5)
        for row, ex in zip(sc.matrix, sc.exit, strict=True):
            assert len(row) == n
            assert sum(row) + ex == pytest.approx(1.0, abs=1e-5)
            assert min(row) >= 0 and ex >= 0


def test_steps_carry_observed_parameters_and_queries(model: TrafficModel) -> None:
    browser = build_plan(model).scenarios[0]
    by_route = {s.route: s for s in browser.steps}
    assert by_route["/products/{id}"].params == {"id": ["42", "42", "7", "1999"]}
    assert by_route["/search"].query == ["q=red+kettle", "q=board+game"]
    assert by_route["/"].method == "GET" and by_route["/"].body is None


def test_login_captures_the_token_and_protected_routes_need_it(model: TrafficModel) -> None:
    power = build_plan(model).scenarios[1]
    assert power.name == "power_user"  # tag-safe
    steps = {f"{s.method} {s.route}": s for s in power.steps}
    login = steps["POST /login"]
    assert login.captures_token and not login.needs_token
    assert login.body == '{"user": "{user}", "password": "{password}"}'
    assert login.params["user"] and login.params["password"]
    assert steps["POST /checkout"].needs_token and steps["GET /account"].needs_token
    assert steps["POST /cart/items"].needs_token
    assert not steps["GET /products/{id}"].needs_token
    cart = steps["POST /cart/items"]
    assert cart.params["product_id"] == ["3", "4", "5"]  # what this persona looked at
    assert cart.headers == {"Content-Type": "application/json"}
    # the browser never logs in, so nothing of it is marked
    assert not any(s.needs_token for s in build_plan(model).scenarios[0].steps)


def test_carts_need_the_token_only_for_personas_that_mostly_log_in(
    model: TrafficModel,
) -> None:
    power = model.personas[1]
    # the same behaviour, but one login per ten sessions: a shopper with an anonymous cart
    rare = power.model_copy(update={"sessions": power.sessions * 10})
    scenario = build_plan(model.model_copy(update={"personas": [rare]})).scenarios[0]
    steps = {f"{s.method} {s.route}": s for s in scenario.steps}
    assert not steps["POST /cart/items"].needs_token
    assert steps["POST /checkout"].needs_token and steps["GET /account"].needs_token


def test_bodies_become_valid_json_once_the_engine_fills_them(model: TrafficModel) -> None:
    import json

    from loadtui.engine.sessions import compile_step, fill_body

    rng = random.Random(1)
    for sc in build_plan(model).scenarios:
        for step in sc.steps:
            if step.body is not None:
                data = json.loads(fill_body(compile_step(step), rng) or b"")
                assert isinstance(data, dict) and data


def test_persona_without_transitions_gets_a_chain_from_its_endpoint_mix(
    model: TrafficModel,
) -> None:
    api = build_plan(model).scenarios[2]
    assert [f"{s.method} {s.route}" for s in api.steps] == ["GET /notes", "PUT /notes/{id}"]
    uncapped = expected_requests(api.entry, api.matrix, 100_000)
    assert uncapped == pytest.approx(model.personas[2].requests_per_session.mean, rel=1e-3)
    assert expected_requests(api.entry, api.matrix, api.max_requests) < uncapped  # the cap bites


def test_mean_requests_per_session_matches_what_the_engine_walks(model: TrafficModel) -> None:
    from loadtui.engine.sessions import CompiledScenario

    plan = build_plan(model)
    rng = random.Random(7)
    total = 0.0
    for sc in plan.scenarios:
        compiled = CompiledScenario.from_scenario(sc)
        walks = [sum(1 for _ in compiled.walk(rng)) for _ in range(4000)]
        total += sc.weight * sum(walks) / len(walks)
    assert plan.workload.mean_requests_per_session == pytest.approx(total, rel=0.04)


def test_peak_rps_is_turned_into_session_arrivals(model: TrafficModel) -> None:
    plan = build_plan(model, peak_rps=120.0)
    per = plan.workload.mean_requests_per_session
    assert plan.workload.rate_unit == "sessions/s"
    assert plan.stages[1].name == "hold"
    assert plan.stages[1].target == pytest.approx(120.0 / per, rel=1e-3)
    flash = build_plan(model, peak_rps=120.0, peak_factor=5)
    assert flash.stages[1].target == pytest.approx(5 * plan.stages[1].target, rel=1e-3)


def test_default_peak_is_the_observed_human_peak(model: TrafficModel) -> None:
    plan = build_plan(model)
    human_share = (3600 + 3000 + 2000) / 10_000  # the bot's requests are not replayed
    expected_rps = 50.0 * human_share
    hold = plan.stages[1].target * plan.workload.mean_requests_per_session
    assert hold == pytest.approx(expected_rps, rel=1e-3)


def test_closed_model_targets_vus(model: TrafficModel) -> None:
    plan = build_plan(model, workload="closed", peak_vus=25)
    assert plan.workload.model == "closed" and plan.workload.rate_unit == "vus"
    assert max(s.target for s in plan.stages) == 125  # the ×5 spike
    little = build_plan(model, workload="closed", peak_rps=120.0)
    assert little.stages[1].target >= 1 and little.stages[1].target == int(little.stages[1].target)


def test_plan_type_duration_and_target_flow_into_the_plan(model: TrafficModel) -> None:
    plan = build_plan(model, type="stress", duration="10m", target="http://shop.test:9000/")
    assert plan.type == "stress" and plan.target == "http://shop.test:9000"
    assert plan.stages[0].name == "baseline"
    assert total_seconds(plan.stages) == 600
    assert plan.thresholds["http_req_duration"][0] == "p(95)<200"  # 40 ms median observed


def test_replay_hours_uses_the_models_day(model: TrafficModel) -> None:
    plan = build_plan(model, replay_hours=True, duration="24m", peak_rps=100.0)
    assert len(plan.stages) == 25
    peak = max(plan.stages, key=lambda s: s.target)
    assert peak.name == "hour 20"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "chaos"}, "--type"),
        ({"peak_vus": 5}, "--peak-vus sets VUs"),
        ({"peak_rps": 0.0}, "--peak-rps must be > 0"),
        ({"duration": "soon"}, "--duration"),
        ({"duration": "5s"}, "at least 10s"),
        ({"peak_rps": 1.0, "peak_vus": 2, "workload": "closed"}, "not both"),
        ({"type": "spike", "replay_hours": True}, "load and soak"),
    ],
)
def test_impossible_options_are_user_errors(
    model: TrafficModel, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(UserError, match=message):
        build_plan(model, **kwargs)  # type: ignore[arg-type]


def test_a_model_of_only_bots_says_how_to_include_them(model: TrafficModel) -> None:
    bots_only = model.model_copy(update={"personas": [model.personas[-1]]})
    with pytest.raises(UserError, match="--include-bots"):
        build_plan(bots_only)
    assert build_plan(bots_only, include_bots=True).scenarios[0].is_bot


def test_routes_from_logs_become_paths_on_the_target(model: TrafficModel) -> None:
    from loadtui.contracts import Transitions
    from loadtui.engine.sessions import compile_step

    odd = model.personas[0].model_copy(
        update={
            "transitions": Transitions(
                states=["GET http://evil.example/x", "GET /a b\r\nX-Injected: 1"],
                entry=[0.5, 0.5],
                matrix=[[0.0, 0.5], [0.5, 0.0]],
                exit=[0.5, 0.5],
            )
        }
    )
    plan = build_plan(model.model_copy(update={"personas": [odd]}))
    routes = [s.route for s in plan.scenarios[0].steps]
    assert routes == ["/http://evil.example/x", "/a%20b%0D%0AX-Injected:%201"]
    for step in plan.scenarios[0].steps:
        compile_step(step)  # the engine accepts them


def test_repeated_values_are_compacted_without_changing_their_odds() -> None:
    from loadtui.plan.build import compact_values

    assert compact_values(["style"] * 200) == ["style"]
    assert compact_values(["a", "b", "a", "a", "b", "a"]) == ["a", "a", "b"]
    assert compact_values(["42", "42", "7"]) == ["42", "42", "7"]
    assert compact_values([]) == []


def test_static_asset_steps_are_embedded_and_pages_are_not(model: TrafficModel) -> None:
    browser = model.personas[0]
    states = [
        "GET /",
        "GET /static/app.js",
        "GET /static/img/{asset}.png",
        "GET /static/style.css",
        "GET /products/{id}",
    ]
    n = len(states)
    chain = browser.transitions.model_copy(
        update={
            "states": states,
            "entry": [1.0] + [0.0] * (n - 1),
            "matrix": [[0.2] * n for _ in states],
            "exit": [0.0] * n,
        }
    )
    with_assets = model.model_copy(
        update={"personas": [browser.model_copy(update={"transitions": chain})]}
    )
    plan = build_plan(with_assets)
    sc = plan.scenarios[0]
    steps = {s.route: s for s in sc.steps}
    assert [r for r, s in steps.items() if s.embedded] == [
        "/static/app.js",
        "/static/img/{asset}.png",
        "/static/style.css",
    ]
    assert not steps["/"].embedded and not steps["/products/{id}"].embedded
    # only page steps pause: the closed model's session time counts think time per page visit
    visits = expected_visits(sc.entry, sc.matrix, sc.max_requests)
    pages = visits[0] + visits[-1]
    assert mean_session_seconds(plan, response_s=0.0) == pytest.approx(
        pages * sc.think_time.mean, rel=1e-6
    )


def test_email_and_ip_placeholders_get_reserved_stand_ins(model: TrafficModel) -> None:
    from loadtui.contracts import Transitions
    from loadtui.engine.sessions import compile_step, fill_path

    states = ["GET /users/{email}/orders", "GET /hosts/{ip}/peers/{ip}", "GET /products/{id}"]
    persona = model.personas[0].model_copy(
        update={
            "transitions": Transitions(
                states=states, entry=[1.0, 0.0, 0.0], matrix=[[0.0] * 3] * 3, exit=[1.0] * 3
            ),
            # a model written elsewhere (or by hand) holding real addresses: never replayed
            "param_values": {
                "/users/{email}/orders": [["ann@corp.example.net"]],
                "/hosts/{ip}/peers/{ip}": [["198.51.100.4", "10.1.2.3"]],
                "/products/{id}": [["42"]],
            },
        }
    )
    plan = build_plan(model.model_copy(update={"personas": [persona]}))
    by_route = {s.route: s for s in plan.scenarios[0].steps}
    emails = by_route["/users/{email}/orders"].params["email"]
    ips = by_route["/hosts/{ip}/peers/{ip}"].params["ip"]
    assert emails == [f"user{i}@example.com" for i in range(1, 51)]
    assert ips == [f"192.0.2.{i}" for i in range(1, 51)]
    assert by_route["/products/{id}"].params == {"id": ["42"]}
    rng = random.Random(3)
    sent = {fill_path(compile_step(by_route["/users/{email}/orders"]), rng) for _ in range(200)}
    assert len(sent) > 20 and all(
        p.startswith("/users/user") and p.endswith("@example.com/orders") for p in sent
    )
    host = fill_path(compile_step(by_route["/hosts/{ip}/peers/{ip}"]), rng)
    assert host.startswith("/hosts/192.0.2.") and "/peers/192.0.2." in host


def test_email_and_ip_routes_without_values_get_stand_ins(model: TrafficModel) -> None:
    from loadtui.contracts import Transitions

    persona = model.personas[0].model_copy(
        update={
            "transitions": Transitions(
                states=["GET /users/{email}", "GET /hosts/{ip}"],
                entry=[1.0, 0.0],
                matrix=[[0.0, 1.0], [0.0, 0.0]],
                exit=[0.0, 1.0],
            ),
            "param_values": {},
        }
    )
    plan = build_plan(model.model_copy(update={"personas": [persona]}))
    params = {s.route: s.params for s in plan.scenarios[0].steps}
    assert params["/users/{email}"]["email"][0] == "user1@example.com"
    assert params["/hosts/{ip}"]["ip"][-1] == "192.0.2.50"
