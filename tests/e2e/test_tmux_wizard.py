"""The guided wizard in a real 80×24 terminal (tmux), keys only, against a demo target on
127.0.0.1 that the test starts: collect (the sample log, offered first) › profile (personas
listed) › plan › quit and reopen (resumes at the plan step) › run (completes) › forecast
(drawn) › advise (a suggestion accepted and written) › export (a k6 script, parsed by node).
The screen is read with capture-pane at each step. Bounded: a 30 s stress run at 150 req/s."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_tmux import alive, capture, keys, wait_for

from loadtui.target.process import TargetProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
LOADTUI = ROOT / ".venv" / "bin" / "loadtui"
SAMPLE = ROOT / "sample_data" / "shop_access.log"


def wait_gone(session: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while alive(session) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not alive(session), f"the app did not quit:\n{capture(session)}"


@pytest.fixture
def target() -> Iterator[TargetProcess]:
    proc = TargetProcess(capacity=32, service_ms=5.0)
    try:
        yield proc
    finally:
        proc.stop()


def start(session: str, folder: Path, url: str, rc_file: Path) -> None:
    command = (
        f"cd {folder} && env -u CI {LOADTUI} --target {url} --duration 30s --peak-rps 150; "
        f"echo $? > {rc_file}"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True
    )


def test_wizard_from_log_to_k6_export_resuming_after_quit(
    target: TargetProcess, tmp_path: Path
) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed; `make test` installs it")
    if not LOADTUI.exists():
        pytest.skip(f"{LOADTUI} is missing; run `make` to create the venv")
    if not SAMPLE.is_file():
        pytest.skip("the sample log is not generated in this checkout")
    node = shutil.which("node")
    rc_file = tmp_path / "rc"
    session = f"loadtui-wizard-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    start(session, tmp_path, target.url, rc_file)
    try:
        collect = wait_for(session, "COLLECT › profile", timeout=30)
        lines = collect.splitlines()
        first = next(i for i, line in enumerate(lines) if "sample_data/" in line)
        assert "sample_data/shop_access.log" in lines[first]  # offered first
        assert "n next  ⌫ back" in collect

        keys(session, "n")  # refused: nothing picked yet
        wait_for(session, "pick an access", timeout=10)  # the one-line reason, in a toast

        keys(session, "Enter")  # the sample log → profile
        profile = wait_for(session, "collect › PROFILE", "Personas (k=", timeout=60)
        assert "casual" in profile or "browser" in profile or "share" in profile
        assert "%" in profile  # each persona's share

        keys(session, "n")  # → plan: the Run pane's plan view
        plan = wait_for(session, "profile › PLAN › run", "stress plan · 30s", timeout=20)
        assert "peak 150 req/s" in plan and "w form  n next" in plan, plan
        assert f"→ {target.url}" in plan, plan

        keys(session, "q")  # quit mid-wizard (no run going: at once)…
        wait_gone(session, 20)
        saved = json.loads((tmp_path / ".loadtui" / "project.json").read_text())
        assert saved["step"] == "plan" and saved["log_paths"][0].endswith("shop_access.log")
        start(session, tmp_path, target.url, rc_file)  # …and reopen: the same step
        wait_for(session, "profile › PLAN › run", "stress plan · 30s", timeout=30)

        keys(session, "n")  # → run: the plan file as given
        wait_for(session, "plan › RUN › forecast", "plan as given", timeout=20)
        keys(session, "Enter")
        results = wait_for(session, "results · complete", "http_reqs", timeout=90)
        assert "RUN" in results

        keys(session, "n")  # → forecast: the twin of that run
        forecast = wait_for(session, "run › FORECAST › advise", "capacity ", "MAPE", timeout=60)
        assert "req/s" in forecast or "/s" in forecast

        keys(session, "n")  # → advise: the Advisor's suggestions for the run
        wait_for(session, "forecast › ADVISE › export", "edit(s) propos", timeout=40)
        keys(session, "Tab", "a")  # accept the selected edit…
        wait_for(session, "1 accepted", timeout=10)
        keys(session, "Enter")  # …and write it into the plan file
        wait_for(session, "wrote 1 edits", timeout=10)

        keys(session, "n")  # → export
        wait_for(session, "advise › EXPORT", "k6 script", timeout=20)
        keys(session, "Enter")  # k6 …
        wait_for(session, "Export k6: the file to write", timeout=10)
        keys(session, "Enter")  # … to the default path
        exported = wait_for(session, "wrote", "tui-stress.js", timeout=20)
        assert "tui-stress.data.json" in exported

        script = tmp_path / "tui-stress.js"
        text = script.read_text()
        assert "export const options" in text
        # the accepted advice reached the export: the k6 thresholds are the edited plan's
        plan_text = (tmp_path / ".loadtui" / "plan.yaml").read_text()
        old_text = (tmp_path / ".loadtui" / "plan.yaml.bak").read_text()
        healed = re.search(r"p\(95\)<([0-9.]+)", plan_text)
        before = re.search(r"p\(95\)<([0-9.]+)", old_text)
        assert healed and before and healed.group(1) != before.group(1)
        assert f'"p(95)<{healed.group(1)}"' in text
        if node is not None:  # `make test` installs node (tests/export load scripts too)
            mjs = script.with_suffix(".mjs")
            shutil.copyfile(script, mjs)
            done = subprocess.run(
                [node, "--check", str(mjs)], capture_output=True, text=True, timeout=30
            )
            assert done.returncode == 0, done.stderr

        keys(session, "q")
        wait_gone(session, 30)
        assert rc_file.read_text().strip() == "0"
        project = json.loads((tmp_path / ".loadtui" / "project.json").read_text())
        assert project["step"] == "export" and project["forecast_done"] is True
        assert project["last_run_state"] == "complete" and project["advice_accepted"]
        assert "tui-stress.js" in project["exported"]
        print(f"wizard pass in {time.monotonic() - started:.0f}s")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)


def test_demo_reaches_the_wizard_with_the_sample_log_and_the_demo_target(tmp_path: Path) -> None:
    """What `make demo` runs (`loadtui demo --port N`; 0 here: any free port), from a folder
    that is not the checkout: the wizard at the profile step on the shipped sample log, its
    plan aimed at the demo target the command started."""
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed; `make test` installs it")
    if not LOADTUI.exists():
        pytest.skip(f"{LOADTUI} is missing; run `make` to create the venv")
    rc_file = tmp_path / "rc"
    session = f"loadtui-demo-{uuid.uuid4().hex[:8]}"
    command = f"cd {tmp_path} && env -u CI {LOADTUI} demo --port 0; echo $? > {rc_file}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True
    )
    try:
        profile = wait_for(session, "collect › PROFILE", "Personas (k=", timeout=60)
        assert "shop_access.log" in profile
        keys(session, "n")
        plan = wait_for(session, "profile › PLAN › run", "stress plan · 40s", timeout=20)
        assert "peak 200 req/s (demo default)" in plan, plan
        assert "→ http://127.0.0.1:" in plan and ":8080" not in plan, plan  # the one it started
        keys(session, "q")
        wait_gone(session, 20)
        assert rc_file.read_text().strip() == "0"
        saved = json.loads((tmp_path / ".loadtui" / "project.json").read_text())
        assert saved["step"] == "plan" and saved["plan"]["target_kind"] == "demo"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
