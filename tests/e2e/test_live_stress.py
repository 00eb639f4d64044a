"""A stress plan against the demo target that slows down mid-run: headless, the flag lands in
the run folder; opened with `loadtui run PLAN` in a real 80×24 terminal, the Run pane streams
and shows the flag. Bounded: ~15 s runs at ≤ 60 req/s against a target the test starts."""

from __future__ import annotations

import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_tmux import capture, keys, wait_until

from loadtui.cli import main
from loadtui.contracts import Limits, Scenario, Stage, Step, TestPlan, Workload
from loadtui.plan.yaml_io import save_plan
from loadtui.store.runs import load_run, read_flags
from loadtui.target.process import TargetProcess

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(150)]

ROOT = Path(__file__).resolve().parents[2]
LOADTUI = ROOT / ".venv" / "bin" / "loadtui"
SLOW_AT_S = 7.0  # after the detector's warm-up and baseline (8 windows of 0.5 s)


def stress_plan(url: str) -> TestPlan:
    """A small stress plan: a baseline step, a ramp, a long step (one-request sessions, so the
    request rate is the planned rate)."""
    return TestPlan(
        name="mini-stress",
        type="stress",
        target=url,
        workload=Workload(model="open"),
        scenarios=[Scenario(name="home", persona="visitor", weight=1, steps=[Step(route="/")])],
        stages=[
            Stage(duration="0s", target=20, name="baseline"),
            Stage(duration="3s", target=20, name="baseline"),
            Stage(duration="1s", target=50, name="ramp ×2.5"),
            Stage(duration="11s", target=50, name="step ×2.5"),
        ],
        thresholds={"http_req_duration": ["p(95)<2000"]},
        limits=Limits(request_timeout_s=5.0),
    )


@pytest.fixture
def target() -> Iterator[TargetProcess]:
    proc = TargetProcess(capacity=32, service_ms=10.0)
    try:
        yield proc
    finally:
        proc.stop()


def slow_down_later(target: TargetProcess, after_s: float) -> threading.Timer:
    timer = threading.Timer(after_s, lambda: target.control(slowdown=10))
    timer.daemon = True
    timer.start()
    return timer


def test_a_headless_stress_run_saves_the_flag_of_a_mid_run_slowdown(
    target: TargetProcess, tmp_path: Path
) -> None:
    plan_file = tmp_path / "stress.yaml"
    save_plan(stress_plan(target.url), plan_file)
    out = tmp_path / "runs"
    # workers take ~1-2 s to spawn: the slowdown lands a few seconds into the schedule
    timer = slow_down_later(target, SLOW_AT_S + 1.5)
    try:
        code = main(
            [
                *("run", str(plan_file), "--headless", "--workers", "1"),
                *("--interval", "0.5", "--out", str(out), "--seed", "3"),
            ]
        )
    finally:
        timer.cancel()
    assert code == 0
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    flags = read_flags(run_dir)
    jumps = [f for f in flags if f.kind == "latency_jump"]
    assert jumps, f"no latency flag saved: {flags}"
    assert jumps[0].t >= SLOW_AT_S - 1.0  # raised by the slowdown, not at the start
    assert "p95 jumped" in jumps[0].message
    record, windows = load_run(run_dir)
    assert record.flags == len(flags) and record.state == "complete"
    assert windows and windows[-1].t >= 14.0
    assert (run_dir / "plan.yaml").read_text() == plan_file.read_text()  # the user's file


def test_run_plan_on_a_terminal_streams_in_the_run_pane_with_the_flag(
    target: TargetProcess, tmp_path: Path
) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed; `make test` installs it")
    if not LOADTUI.exists():
        pytest.skip(f"{LOADTUI} is missing; run `make` to create the venv")
    plan_file = tmp_path / "stress.yaml"
    save_plan(stress_plan(target.url), plan_file)
    rc_file = tmp_path / "rc"
    session = f"loadtui-run-{uuid.uuid4().hex[:8]}"
    command = (
        f"cd {tmp_path} && env -u CI {LOADTUI} run {plan_file} --workers 1 --out runs; "
        f"echo $? > {rc_file}"
    )
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True
    )
    timer: threading.Timer | None = None
    try:
        assert wait_until(lambda: "stage " in capture(session), 40), (
            f"the Run pane never streamed:\n{capture(session)}"
        )
        timer = slow_down_later(target, SLOW_AT_S - 2.0)
        screen = capture(session)
        assert "2 Run" in screen and "p95" in screen and "rps" in screen
        assert "mini-stress" in screen or "stress" in screen
        assert wait_until(lambda: "p95 jumped" in capture(session), 30), (
            f"no flag on screen:\n{capture(session)}"
        )
        assert wait_until(lambda: "complete" in capture(session), 30), (
            f"the run did not end:\n{capture(session)}"
        )
        keys(session, "q")
        deadline = time.monotonic() + 20
        while not rc_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert rc_file.read_text().strip() == "0"  # thresholds held: the run's own exit code
        (run_dir,) = [p for p in (tmp_path / "runs").iterdir() if p.is_dir()]
        assert any(f.kind == "latency_jump" for f in read_flags(run_dir))
    finally:
        if timer is not None:
            timer.cancel()
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
