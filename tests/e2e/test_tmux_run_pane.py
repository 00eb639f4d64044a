"""The Run pane in a real 80×24 terminal (tmux): the plan with its stages and rates before the
start, switched to a stress test, `q` mid-run asks (and `n` keeps it running), the results
view at the end. Bounded: a 15 s plan at 60 req/s against a demo target the test starts."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_tmux import alive, keys, wait_for

from loadtui.target.process import TargetProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

ROOT = Path(__file__).resolve().parents[2]
LOADTUI = ROOT / ".venv" / "bin" / "loadtui"
SAMPLE = ROOT / "sample_data" / "shop_access.log"  # a bare `loadtui` opens the wizard instead


@pytest.fixture
def target() -> Iterator[TargetProcess]:
    proc = TargetProcess(capacity=32, service_ms=5.0)
    try:
        yield proc
    finally:
        proc.stop()


def test_run_pane_plan_stress_switch_quit_question_and_results(
    target: TargetProcess, tmp_path: Path
) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed; `make test` installs it")
    if not LOADTUI.exists():
        pytest.skip(f"{LOADTUI} is missing; run `make` to create the venv")
    rc_file = tmp_path / "rc"
    session = f"loadtui-runpane-{uuid.uuid4().hex[:8]}"
    command = (
        f"cd {tmp_path} && env -u CI {LOADTUI} --log {SAMPLE} --target {target.url} --peak-rps 60 "
        f"--duration 15s; echo $? > {rc_file}"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True
    )
    try:
        wait_for(session, "Personas (k=", timeout=60)
        keys(session, "Enter")  # plan the personas → the Run pane, nothing started yet
        plan = wait_for(session, "load plan · 15s", "enter starts", timeout=20)
        assert "peak 60 req/s (from --peak-rps)" in plan
        assert "req/s" in plan and "sess/s" in plan and "spike ×5" in plan
        assert "300" in plan  # the ×5 spike of a 60 req/s peak, in the stage table
        assert f"→ {target.url}" in plan and "thresholds" in plan and "p(95)<" in plan
        assert "running" not in plan

        keys(session, "l")  # load → stress
        stress = wait_for(session, "stress plan · 15s", timeout=10)
        assert "baseline" in stress and "step ×1.5" in stress

        keys(session, "Enter")  # start
        wait_for(session, "● running", timeout=40)
        keys(session, "q")  # mid-run: asks instead of quitting
        wait_for(session, "Quit while a run goes on?", timeout=10)
        keys(session, "n")  # keep running
        running = wait_for(session, "Quit while a run goes on?", timeout=10, gone=True)
        assert alive(session) and "stopping" not in running

        results = wait_for(session, "results · complete", "http_reqs", "v view", timeout=60)
        assert "s stop" not in results  # the footer has the keys of an ended run
        assert "http_req_duration" in results and "saved in" in results and "runs/" in results
        assert "data_received" in results
        assert (tmp_path / "runs").is_dir()

        keys(session, "q")  # the run ended: quits at once
        deadline = time.monotonic() + 20
        while alive(session) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(session), "q did not end the app after the run"
        assert rc_file.read_text().strip() == "0"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
