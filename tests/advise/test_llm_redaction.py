"""Redaction: IPs, e-mails, bearer tokens, JWTs, keys and `?token=` values from a log never
reach the body the LLM server receives, and the answer's placeholders come back as the
originals (a threshold key must match the plan's)."""

from __future__ import annotations

from advise_llm_inputs import advice_input, settings_for, valid_answer
from advise_llm_server import StubLlm, answer

from loadtui.advise.llm import advise_llm
from loadtui.advise.redact import Redactor, redact_model, redact_text
from loadtui.contracts import RouteRunStats

SECRETS = {
    "ipv4": "203.0.113.77",
    "ipv6": "2001:db8:85a3::8a2e:370:7334",
    "email": "alice.martin@example.org",
    "bearer": "Bearer 8f14e45fceea167a5a36dedd4bea2543b9",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlX2hlcmU",
    "query_token": "tok_4QpZk9vW2",
    "api_key": "AKIAIOSFODNN7EXAMPLE",
    "password": "hunter2!",
}


def _hostile_routes() -> list[RouteRunStats]:
    return [
        RouteRunStats(route=f"GET /users/{SECRETS['email']}/orders", requests=40, p95_ms=210),
        RouteRunStats(route=f"GET /reset?token={SECRETS['query_token']}&lang=en", requests=12),
        RouteRunStats(route=f"GET /admin/ip/{SECRETS['ipv4']}", requests=3),
        RouteRunStats(route=f"GET /peer/{SECRETS['ipv6']}", requests=2),
        RouteRunStats(route=f"POST /login?api_key={SECRETS['api_key']}", requests=9),
        RouteRunStats(route=f"GET /session/{SECRETS['jwt']}", requests=4),
        RouteRunStats(route=f"GET /old?password={SECRETS['password']}", requests=1),
    ]


def test_secrets_from_routes_and_note_never_reach_the_request_body() -> None:
    note = f"client {SECRETS['ipv4']} sent Authorization: {SECRETS['bearer']}"
    inp = advice_input(routes=_hostile_routes(), note=note)
    with StubLlm([answer(valid_answer())]) as stub:
        advise_llm(inp, settings_for(stub.base_url))
    sent = stub.bodies_text()
    assert "GET /users/[email-" in sent and "token=[secret-" in sent  # redacted, not dropped
    for what, value in SECRETS.items():
        fragment = value.removeprefix("Bearer ")
        assert fragment not in sent, what
        assert fragment.replace("/", "\\/") not in sent, what
    assert "/products/{id}" in sent  # templated routes are not secrets


def test_placeholders_in_the_answer_are_restored_to_the_plans_keys() -> None:
    route = f"GET /users/{SECRETS['email']}/orders"
    inp = advice_input(routes=[RouteRunStats(route=route, requests=40, p95_ms=210)])
    reply = valid_answer()
    reply["findings"] = [
        {"kind": "note", "message": "slow route", "routes": ["GET /users/[email-1]/orders"]}
    ]
    with StubLlm([answer(reply)]) as stub:
        result = advise_llm(inp, settings_for(stub.base_url))
    assert SECRETS["email"] not in stub.bodies_text()
    assert result.findings[0].routes == [route]


def test_redact_text_keeps_what_is_not_secret() -> None:
    keep = [
        "GET /products/{id}",
        "http_req_duration{scenario:casual_browser}",
        "p(95)<500",
        "GET /blog/a-very-long-article-title-about-load-testing",
        "ramp 30s to 20 at 03:12:45",
        "GET /search?q={q}&session={session}",
        "http_5xx",
        "version 1.2.3",
    ]
    assert [redact_text(s) for s in keep] == keep


def test_redact_text_catches_each_kind() -> None:
    cases = {
        "from 10.0.0.12": "from [ip-1]",
        "from ::ffff:192.0.2.1 too": "from [ip-1] too",
        "mail bob+x@mail.example.com": "mail [email-1]",
        "to bob%40example.com": "to [email-1]",
        "Authorization: Basic dXNlcjpwYXNzd29yZA==": "Authorization: Basic [token-1]",
        "GET /x?sig=AbC123&x=1": "GET /x?sig=[secret-1]&x=1",
        "GET /x?sessionid=998877": "GET /x?sessionid=[secret-1]",
        "key 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b": "key [key-1]",
        "sk-proj-AbCdEf1234567890abcd": "[key-1]",
    }
    assert {s: redact_text(s) for s in cases} == cases


def test_same_value_same_placeholder_and_restore_round_trips() -> None:
    r = Redactor()
    a = r.text("GET /u/ann@example.com")
    b = r.text("POST /u/ann@example.com/cart from 10.1.1.1")
    assert a == "GET /u/[email-1]" and b == "POST /u/[email-1]/cart from [ip-1]"
    assert r.restore(b) == "POST /u/ann@example.com/cart from 10.1.1.1"
    assert r.restore("[email-9]") == "[email-9]"  # not one of ours: left as is


def test_redact_model_reaches_dict_keys_and_nested_lists() -> None:
    inp = advice_input(routes=_hostile_routes())
    inp = inp.model_copy(
        update={
            "thresholds": {f"http_req_duration{{name:GET /u/{SECRETS['email']}}}": ["p(95)<300"]}
        }
    )
    text = redact_model(inp).model_dump_json()
    for what, value in SECRETS.items():
        if what != "bearer":
            assert value not in text, what
    assert "http_req_duration{name:GET /u/[email-" in text
