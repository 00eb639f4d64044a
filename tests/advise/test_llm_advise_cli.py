"""`loadtui advise RUN --llm` as a user runs it (a subprocess) with the environment pointing at a
local OpenAI-compatible server: run folders written by RunSink whose route names carry an
e-mail, a client IP, a bearer token and a `?token=` value go through the real build_input; none
of those reach the request body, and the API key is in no output and no file of the runs folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from advise_llm_inputs import KEY
from advise_llm_server import Reply, StubLlm, answer
from advise_runs import write_run

pytestmark = pytest.mark.e2e
SECRETS = [
    "bob.stone@example.net",
    "198.51.100.23",
    "f0e1d2c3b4a5968778695a4b3c2d1e0f",
    "tk_9Hq2LmX",
]
ROUTES = [
    f"GET /users/{SECRETS[0]}/cart",
    f"GET /admin/clients/{SECRETS[1]}",
    f"GET /auth/Bearer {SECRETS[2]}",
    f"GET /reset?token={SECRETS[3]}",
]


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    for i, (rid, p95) in enumerate((("b1", 30.0), ("b2", 31.0), ("b3", 29.5), ("cand", 30.2))):
        write_run(tmp_path, rid, p95=p95, minute=i, routes=ROUTES)
    return tmp_path


def advise_cli(
    runs: Path, script: list[Reply], *extra: str
) -> tuple[subprocess.CompletedProcess[str], StubLlm]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LOADTUI_"))}
    cmd = [sys.executable, "-m", "loadtui", "advise", "cand", "--baseline", "b1", "b2", "b3",
           "--out", str(runs), "--note", f"client {SECRETS[1]} complained", *extra]  # fmt: skip
    with StubLlm(script) as stub:
        env |= {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": stub.base_url, "LOADTUI_LLM_TIMEOUT": "5"}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    return done, stub


def _files_hold(folder: Path, needle: str) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and needle.encode() in p.read_bytes()]


def test_llm_advice_from_run_folders_sends_no_secret_and_shows_no_key(runs: Path) -> None:
    finding = {"kind": "note", "message": "one slow route", "routes": ["GET /users/[email-1]/cart"]}
    reply = answer(
        {"reason": "inside the baseline's spread", "confidence": 0.6, "findings": [finding]}
    )
    done, stub = advise_cli(runs, [reply], "--llm", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["source"] == "llm" and result["model"] == "gpt-4o-mini"
    assert result["findings"][0]["routes"] == [ROUTES[0]]  # the placeholder restored locally
    sent = stub.bodies_text()
    assert "GET /users/[email-" in sent and "token=[secret-" in sent
    for secret in SECRETS:
        assert secret not in sent, secret
    assert KEY not in done.stdout + done.stderr
    assert _files_hold(runs, KEY) == []


def test_a_bad_answer_prints_the_offline_advice_with_the_reason_and_no_key(runs: Path) -> None:
    echo = Reply(status=401, error=f"key {KEY} is not valid")  # a server echoing the key
    done, stub = advise_cli(runs, [echo], "--llm")
    assert done.returncode == 0, done.stderr
    assert "offline advisor" in done.stdout
    assert "LLM answer rejected" in done.stdout and "HTTP 401" in done.stdout
    assert KEY not in done.stdout + done.stderr
    assert stub.seen[0].headers["authorization"] == f"Bearer {KEY}"
    assert _files_hold(runs, KEY) == []


def test_a_hang_is_cut_at_the_timeout_and_the_offline_advice_printed(runs: Path) -> None:
    done, _ = advise_cli(runs, [Reply(hang=True)], "--llm", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["source"] == "offline"
    assert "within 5s" in result["notes"][0]
