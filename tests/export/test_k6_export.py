"""`loadtui export k6`: the script parses as an ES module, its options carry the plan's stages
and thresholds, and each persona's function walks the plan's chain as the engine does."""

from __future__ import annotations

import random
from collections import Counter
from itertools import pairwise
from pathlib import Path

import pytest
from export_plans import NODE, load_k6, sample_plan

from loadtui.contracts import TestPlan
from loadtui.durations import format_duration, parse_duration
from loadtui.engine.sessions import CompiledScenario
from loadtui.export.k6 import data_path, export_k6
from loadtui.plan.thresholds import parse_threshold

pytestmark = pytest.mark.skipif(NODE is None, reason="node is needed (make sysdeps installs it)")

_UNIT_S = {"1s": 1.0, "1m": 60.0, "1h": 3600.0}


def _export(plan: TestPlan, tmp_path: Path, iterations: int = 0, **kw: bool) -> dict:
    script = tmp_path / "load.js"
    written = export_k6(plan, script)
    assert written == [script, data_path(script)]
    return load_k6(script, iterations, **kw)


def test_open_plan_options_hold_each_personas_share_of_the_stages(tmp_path: Path) -> None:
    plan = sample_plan(type="load", peak_rps=120, duration="2m")
    options = _export(plan, tmp_path)["options"]
    scenarios = options["scenarios"]
    total_w = sum(sc.weight for sc in plan.scenarios)
    assert list(scenarios) == [sc.name for sc in plan.scenarios]
    for sc in plan.scenarios:
        k6 = scenarios[sc.name]
        assert k6["executor"] == "ramping-arrival-rate"
        assert k6["exec"] == sc.name and k6["startRate"] == 0
        assert 1 <= k6["preAllocatedVUs"] < k6["maxVUs"]
        assert k6["tags"] == {"persona": sc.persona}
        unit = _UNIT_S[k6["timeUnit"]]
        assert len(k6["stages"]) == len(plan.stages)
        for got, want in zip(k6["stages"], plan.stages, strict=True):
            assert parse_duration(got["duration"]) == parse_duration(want.duration)
            assert isinstance(got["target"], int)
            expected = want.target * sc.weight / total_w  # sessions/s of this persona
            assert got["target"] / unit == pytest.approx(expected, rel=0.01, abs=0.5 / unit)


def test_thresholds_are_the_plans_in_k6_form(tmp_path: Path) -> None:
    plan = sample_plan(type="load", peak_rps=50, duration="1m")
    plan.thresholds["http_req_duration{scenario:power_user}"] = ["p(90)<300 abortOnFail=20s"]
    plan.thresholds["http_req_send_lag"] = ["p(95)<50"]  # the engine's own: no k6 metric
    options = _export(plan, tmp_path)["options"]
    want = {
        key: [parse_threshold(e).to_k6() for e in exprs]
        for key, exprs in plan.thresholds.items()
        if key != "http_req_send_lag"
    }
    assert options["thresholds"] == want
    assert options["thresholds"]["http_req_failed"][1] == {
        "threshold": "rate<0.25",
        "abortOnFail": True,
        "delayAbortEval": "30s",
    }
    assert "http_req_send_lag" not in (tmp_path / "load.js").read_text().split("options =")[1]


def test_closed_plan_splits_whole_vus_between_personas(tmp_path: Path) -> None:
    plan = sample_plan(type="load", workload="closed", peak_vus=17, duration="1m")
    scenarios = _export(plan, tmp_path)["options"]["scenarios"]
    for k6 in scenarios.values():
        assert k6["executor"] == "ramping-vus" and k6["startVUs"] == 0
    for i, stage in enumerate(plan.stages):
        assert sum(k6["stages"][i]["target"] for k6 in scenarios.values()) == round(stage.target)
        assert {k6["stages"][i]["duration"] for k6 in scenarios.values()} == {
            format_duration(parse_duration(stage.duration))
        }


def test_breakpoint_until_becomes_flipped_abort_thresholds(tmp_path: Path) -> None:
    plan = sample_plan(
        type="breakpoint", peak_rps=100, until=["http_req_failed>0.02", "p(99)>2000"]
    )
    thresholds = _export(plan, tmp_path)["options"]["thresholds"]
    assert thresholds == {
        "http_req_failed": [
            {"threshold": "rate<=0.02", "abortOnFail": True, "delayAbortEval": "10s"}
        ],
        "http_req_duration": [
            {"threshold": "p(99)<=2000", "abortOnFail": True, "delayAbortEval": "10s"}
        ],
    }


def test_script_is_readable_and_the_tables_live_in_the_data_file(tmp_path: Path) -> None:
    plan = sample_plan(type="smoke")
    _export(plan, tmp_path)
    script = (tmp_path / "load.js").read_text()
    data = data_path(tmp_path / "load.js").read_text()
    assert "export const options" in script and "new SharedArray(" in script
    assert "/products/{id}" in data and "/products/{id}" not in script
    assert max(len(line) for line in script.splitlines()) <= 110
    assert len(script.splitlines()) < 400
    for sc in plan.scenarios:
        assert f"export function {sc.name}()" in script


def test_each_persona_walks_its_chain_as_the_engine_does(tmp_path: Path) -> None:
    """Each route's share of a persona's requests over 2000 sessions matches the engine's walk
    (±20 % for routes above 5 %; session lengths are heavy-tailed, so counts are noisy)."""
    plan = sample_plan(type="smoke")
    n = 2000
    requests = _export(plan, tmp_path, n)["requests"]
    rng = random.Random(7)
    for sc in plan.scenarios:
        compiled = CompiledScenario.from_scenario(sc)
        engine = Counter(compiled.steps[i].route for _ in range(n) for i in compiled.walk(rng))
        sent = [r for r in requests[sc.name] if "method" in r and not r["url"].endswith("/login")]
        exported = Counter(r["tags"]["name"] for r in sent)
        e_total, x_total = engine.total(), exported.total()
        top = [route for route, count in engine.most_common() if count >= 0.05 * e_total]
        assert top, sc.name
        for route in top:
            want = engine[route] / e_total
            assert exported[route] / x_total == pytest.approx(want, rel=0.2), (sc.name, route)
        assert x_total / n == pytest.approx(e_total / n, rel=0.2)  # session length
        # think time: before every page after the first, never before an embedded asset
        embedded = {s.route for s in sc.steps if s.embedded}
        events = requests[sc.name]
        for before, after in pairwise(events):
            if "method" in after and after["tags"]["name"] in embedded:
                assert "sleep" not in before
        sleeps = [e["sleep"] for e in events if "sleep" in e]
        assert sleeps and all(0 <= s <= 600 for s in sleeps)
        assert len(set(sleeps)) > 50  # drawn, not one fixed pause


def test_path_parameters_are_drawn_from_observed_values(tmp_path: Path) -> None:
    plan = sample_plan(type="smoke")
    requests = _export(plan, tmp_path, 200)["requests"]
    sc = next(s for s in plan.scenarios if any(st.route == "/products/{id}" for st in s.steps))
    observed = set(next(st for st in sc.steps if st.route == "/products/{id}").params["id"])
    ids = {
        r["url"].rsplit("/", 1)[1]
        for r in requests[sc.name]
        if "method" in r and r["tags"]["name"] == "/products/{id}"
    }
    assert ids and ids <= observed and len(ids) > 3


def test_login_is_cached_per_vu_and_renewed_after_a_401(tmp_path: Path) -> None:
    plan = sample_plan(type="smoke")
    sc = next(s for s in plan.scenarios if any(st.needs_token for st in s.steps))
    requests = _export(plan, tmp_path, 300, expire_once=True)["requests"][sc.name]
    sent = [r for r in requests if "method" in r]
    logins = [i for i, r in enumerate(sent) if r["url"].endswith("/login")]
    needing = {f"{s.method} {s.route}" for s in sc.steps if s.needs_token}
    first_needing = next(
        i for i, r in enumerate(sent) if f"{r['method']} {r['tags']['name']}" in needing
    )
    assert logins and logins[0] <= first_needing  # logged in before the first protected step
    assert "Authorization" not in sent[logins[0]]["headers"]
    after = sent[logins[0] + 1]
    assert after["headers"]["Authorization"].startswith("Bearer tok-")
    # the stub's one 401: a fresh login, then the same request again with the new token
    expired = next(i for i, r in enumerate(sent) if "Authorization" in r["headers"])
    assert sent[expired + 1]["url"].endswith("/login")
    assert sent[expired + 2]["tags"] == sent[expired]["tags"]
    assert (
        sent[expired + 2]["headers"]["Authorization"] != sent[expired]["headers"]["Authorization"]
    )
    # cached per VU: a login without a token happens only first and after the 401 (the walk's
    # own visits to the login page go out with the cached token, like a logged-in user's)
    assert sum("Authorization" not in sent[i]["headers"] for i in logins) == 2
    assert all(
        "Authorization" in r["headers"] for r in sent[logins[0] + 1 :] if r is not sent[expired + 1]
    )
