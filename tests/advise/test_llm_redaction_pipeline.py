"""Redaction through the real pipeline: a crafted access log whose paths carry e-mails, an IP,
a JWT, a bearer token and `?token=` values is profiled, planned, run for 3 s against the demo
target and turned into an AdviceInput by build_input; the LLM request body holds none of them.
(The profile drops query values and templates e-mail and IP path segments as `{email}` and
`{ip}`; the user's context note still carries an address and an IP, which only the advisor's
redaction keeps on this machine.)"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from advise_llm_inputs import settings_for
from advise_llm_server import StubLlm, answer

from loadtui.advise.context import build_input
from loadtui.advise.llm import advise_llm
from loadtui.contracts import RunOptions, Stage
from loadtui.live import LiveRun
from loadtui.plan.build import build_plan
from loadtui.profile.pipeline import build_model
from loadtui.target.process import TargetProcess

EMAILS = ["alice.martin@example.org", "bob.stone@example.net"]
CLIENT_IP = "203.0.113.9"
PATH_IP = "198.51.100.23"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
BEARER = "f0e1d2c3b4a5968778695a4b3c2d1e0f"
TOKEN = "tok_SeCrEt49"


def crafted_log(path: Path) -> Path:
    t0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    lines = []
    for s in range(60):
        ip = CLIENT_IP if s % 3 == 0 else f"192.0.2.{s}"
        pages = [
            "/",
            f"/users/{EMAILS[s % 2]}/orders?token={TOKEN}",
            "/products/12",
            f"/login?access_token={JWT}&auth=Bearer%20{BEARER}",
            f"/admin/clients/{PATH_IP}",
        ]
        for i, page in enumerate(pages):
            ts = (t0 + timedelta(seconds=s * 20 + i * 3)).strftime("%d/%b/%Y:%H:%M:%S +0000")
            lines.append(f'{ip} - - [{ts}] "GET {page} HTTP/1.1" 200 512 "-" "Mozilla/5.0"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.e2e
@pytest.mark.timeout(120)
def test_secrets_in_a_log_never_reach_the_llm_request_body(tmp_path: Path) -> None:
    model = build_model([crafted_log(tmp_path / "access.log")])[0]
    with TargetProcess(capacity=8, service_ms=5.0, seed=1) as target:
        plan = build_plan(model).model_copy(
            update={"target": target.url, "stages": [Stage(duration="3s", target=3.0)]}
        )
        live = LiveRun(
            plan, RunOptions(out_dir=tmp_path / "runs", workers=1, interval_s=0.5, index=False)
        )
        live.run()
    assert live.run_dir is not None
    inp = build_input(live.run_dir, note=f"user {EMAILS[0]} at {CLIENT_IP} reported it")
    routes = " ".join(r.route for r in inp.run.routes)
    # the profile made them parameters: no person's address is a route name
    assert "/users/{email}/orders" in routes and "/admin/clients/{ip}" in routes, routes
    assert not any(secret in routes for secret in [*EMAILS, PATH_IP]), routes
    with StubLlm([answer({"reason": "ok", "confidence": 0.5})]) as stub:
        result = advise_llm(inp, settings_for(stub.base_url))
    assert result.source == "llm"
    sent = stub.bodies_text()
    assert "[email-" in sent and "[ip-" in sent  # the note's, redacted
    for secret in [*EMAILS, CLIENT_IP, PATH_IP, JWT, BEARER, TOKEN]:
        assert secret not in sent, secret
