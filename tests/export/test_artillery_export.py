"""`loadtui export artillery`: YAML that loads, phases that carry the plan's stages, and
journeys whose route mix and lengths are the chain's."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from export_plans import sample_plan
from ruamel.yaml import YAML

from loadtui.durations import parse_duration
from loadtui.export.artillery import inert_body, inert_text, inert_url, render_artillery
from loadtui.export.journeys import Walker


def _phase_users(phase: dict) -> float:
    if "arrivalCount" in phase:
        return float(phase["arrivalCount"])
    start = phase["arrivalRate"]
    return (start + phase.get("rampTo", start)) / 2 * phase["duration"]


@pytest.mark.parametrize("peak_rps", [500.0, 20.0])
def test_yaml_loads_and_phases_hold_the_stages(peak_rps: float) -> None:
    plan = sample_plan(type="load", peak_rps=peak_rps, duration="2m")
    doc = YAML(typ="safe").load(render_artillery(plan))
    phases = doc["config"]["phases"]
    assert doc["config"]["target"] == plan.target
    assert len(phases) == len(plan.stages)
    prev = 0.0
    for phase, stage in zip(phases, plan.stages, strict=True):
        seconds = parse_duration(stage.duration)
        assert phase["duration"] == round(seconds)
        assert phase["name"] == stage.name
        planned = (prev + stage.target) / 2 * seconds  # sessions arriving in the stage
        assert _phase_users(phase) == pytest.approx(planned, rel=0.05, abs=1.0)
        if "arrivalRate" in phase:
            assert phase.get("rampTo", phase["arrivalRate"]) == round(stage.target)
        prev = stage.target
    assert any("rampTo" in p for p in phases) == (peak_rps == 500.0)


def test_scenarios_carry_the_personas_weights_and_route_mix() -> None:
    plan = sample_plan(type="smoke")
    doc = YAML(typ="safe").load(render_artillery(plan))
    total = sum(s["weight"] for s in doc["scenarios"])
    wsum = sum(sc.weight for sc in plan.scenarios)
    for sc in plan.scenarios:
        mine = [s for s in doc["scenarios"] if s["name"].startswith(sc.name + " journey")]
        assert sum(s["weight"] for s in mine) / total == pytest.approx(sc.weight / wsum, abs=0.01)
        # requests per session and page share, weighted over journeys, match the chain's
        rng = random.Random(3)
        walker = Walker(sc)
        sessions = [walker.walk(rng) for _ in range(4000)]
        chain_len = sum(map(len, sessions)) / len(sessions)
        w = sum(s["weight"] for s in mine)
        flow_len = sum(s["weight"] * sum(1 for a in s["flow"] if "think" not in a) for s in mine)
        logins = sum(1 for st in sc.steps if st.captures_token)
        assert flow_len / w == pytest.approx(chain_len, rel=0.35 if logins else 0.25), sc.name
        chain_routes = Counter(sc.steps[i].method for s in sessions for i in s)
        assert chain_routes  # the methods the chain sends appear in the flows
        methods = {k for s in mine for a in s["flow"] for k in a if k != "think"}
        assert methods <= {m.lower() for m in chain_routes} | {"post"}
        thinks = [a["think"] for s in mine for a in s["flow"] if "think" in a]
        assert thinks and len(set(thinks)) > 20  # drawn from the fit, not one pause


def test_login_captures_a_token_used_by_later_steps() -> None:
    plan = sample_plan(type="smoke")
    doc = YAML(typ="safe").load(render_artillery(plan))
    flows = [s["flow"] for s in doc["scenarios"]]
    with_login = [f for f in flows if any("capture" in a.get("post", {}) for a in f)]
    assert with_login
    for flow in with_login:
        at = next(i for i, a in enumerate(flow) if "capture" in a.get("post", {}))
        assert flow[at]["post"]["capture"] == [{"json": "$.token", "as": "token", "strict": False}]
        for action in flow[at + 1 :]:
            for request in (v for k, v in action.items() if k != "think"):
                assert request["headers"]["Authorization"] == "Bearer {{ token }}"


def test_template_braces_from_a_log_are_inert() -> None:
    assert inert_url("/a/{{ $env.SECRET }}") == "/a/%7B%7B $env.SECRET %7D%7D"
    assert "{{" not in inert_text("{{{{x}}}}") and "}}" not in inert_text("{{{{x}}}}")
    body = inert_body('{"q": "{{ $processEnvironment.HOME }}", "n": [1, {"a": "}}"}]}')
    assert "{{" not in body and "}}" not in body
    import json

    assert json.loads(body) == {"q": "{{ $processEnvironment.HOME }}", "n": [1, {"a": "}}"}]}
