"""The runner end to end against small local servers: CO correction, error classes, threshold
exit codes, Ctrl-C and a killed worker. Loads are small; margins are wide (busy 2-core box)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from engine_servers import LocalServer, closed_port_url

from loadtui.cli import main
from loadtui.contracts import (
    Distribution,
    Limits,
    RunOptions,
    Scenario,
    Stage,
    Step,
    TestPlan,
    Workload,
)
from loadtui.engine.runner import Runner
from loadtui.engine.url_plan import build_url_plan
from loadtui.live import LiveRun, WindowDone
from loadtui.store.runs import load_run

VENV_LOADTUI = Path(sys.executable).parent / "loadtui"


def test_corrected_latency_shows_a_stall_that_service_time_hides(
    local_server: Callable[..., LocalServer], tmp_path: Path
) -> None:
    # the server freezes for 1 s once every 10 s; 4 connections, 100 requests/s at a fixed pace
    server = local_server(mode="stall", stall_every_s=10.0, stall_for_s=1.0, stall_phase_s=4.0)
    plan = build_url_plan(server.url + "/", rate=100, duration="12s", connections=4)
    runner = Runner(plan, workers=2, transport="aiohttp", seed=1)
    windows = list(runner.windows())
    rec = runner.result()
    assert rec.state == "complete"
    dur = rec.metrics["http_req_duration"]
    service = rec.metrics["http_req_service"]
    assert rec.metrics["http_reqs"]["count"] == pytest.approx(1200, rel=0.03)
    assert dur["p(99)"] >= 500, dur
    assert dur["max"] >= 800, dur
    assert service["p(99)"] < 100, service
    assert max(w.latency.p99 for w in windows) >= 500


def test_every_error_class_is_counted_and_nothing_hangs(
    local_server: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server(mode="by_path")
    paths = ["/ok", "/reset", "/hang", "/garbage", "/status/404", "/status/503"]
    plan = TestPlan(
        name="misbehaving",
        target=server.url,
        workload=Workload(model="open"),
        scenarios=[
            Scenario(name=p.strip("/"), persona="x", weight=1, steps=[Step(route=p)]) for p in paths
        ],
        stages=[Stage(duration="0s", target=30), Stage(duration="2s", target=30)],
        limits=Limits(request_timeout_s=0.5),
    )
    started = time.monotonic()
    runner = Runner(plan, workers=1, transport="aiohttp", seed=3)
    list(runner.windows())
    rec = runner.result()
    assert time.monotonic() - started < 30
    assert rec.state == "complete"
    for cls in ("reset", "timeout", "bad_response", "http_4xx", "http_5xx"):
        assert rec.errors_by_class.get(cls, 0) > 0, (cls, rec.errors_by_class)
    assert rec.metrics["http_reqs"]["count"] > 30
    refused = Runner(
        build_url_plan(closed_port_url() + "/", rate=20, duration="1s"),
        workers=1,
        transport="aiohttp",
    )
    list(refused.windows())
    assert refused.result().errors_by_class.get("refused", 0) >= 10


def write_plan(path: Path, url: str, thresholds: dict[str, list[str]], seconds: int = 2) -> Path:
    plan = build_url_plan(url + "/", rate=50, duration=f"{seconds}s")
    plan = plan.model_copy(update={"thresholds": thresholds, "type": "load"})
    path.write_text(json.dumps(plan.model_dump(mode="json")))  # JSON is YAML
    return path


def test_exit_code_is_99_when_a_threshold_fails_and_0_when_it_holds(
    local_server: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server(delay_s=0.005)
    failing = write_plan(tmp_path / "f.yaml", server.url, {"http_req_duration": ["p(95)<1"]})
    holding = write_plan(
        tmp_path / "h.yaml",
        server.url,
        {"http_req_duration": ["p(95)<2000"], "http_req_failed": ["rate<0.01"]},
    )
    out = str(tmp_path / "runs")
    assert main(["run", str(failing), "--out", out, "--workers", "1", "--headless"]) == 99
    assert main(["run", str(holding), "--out", out, "--workers", "1", "--headless"]) == 0


def test_abort_on_fail_stops_the_run_early_with_99(
    local_server: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server(delay_s=0.005)
    plan = write_plan(
        tmp_path / "a.yaml", server.url, {"http_req_duration": ["p(95)<1 abortOnFail=1s"]}, 20
    )
    out = tmp_path / "runs"
    started = time.monotonic()
    assert main(["run", str(plan), "--out", str(out), "--workers", "1", "--headless"]) == 99
    assert time.monotonic() - started < 15
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    rec, _ = load_run(run_dir)
    assert rec.state == "aborted"
    assert rec.thresholds[0].ok is False


def wait_for_windows(path: Path, count: int, timeout: float = 30.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.is_file():
            lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
            if len(lines) >= count:
                return len(lines)
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} windows in {path} after {timeout}s")


def test_sigint_stops_gracefully_and_leaves_a_complete_folder(
    local_server: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server()
    out = tmp_path / "runs"
    proc = subprocess.Popen(
        [
            str(VENV_LOADTUI),
            "run",
            "--url",
            server.url + "/",
            "--rate",
            "50",
            "--duration",
            "60s",
            "--out",
            str(out),
            "--workers",
            "2",
            "--headless",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not any(out.glob("*/windows.ndjson")):
            time.sleep(0.1)
        (ndjson,) = list(out.glob("*/windows.ndjson"))
        wait_for_windows(ndjson, 2)
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert code == 130, proc.stderr.read() if proc.stderr else ""
    rec, windows = load_run(ndjson.parent)
    assert rec.state == "interrupted"
    assert len(windows) >= 2
    assert windows[-1].t == pytest.approx(rec.duration_s, abs=0.01)
    assert rec.metrics["http_reqs"]["count"] == sum(w.requests for w in windows)
    assert (ndjson.parent / "plan.yaml").is_file()


def test_a_killed_worker_leaves_an_incomplete_run_with_the_rest_kept(
    local_server: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server()
    plan = build_url_plan(server.url + "/", rate=60, duration="5s")
    live = LiveRun(plan, RunOptions(out_dir=tmp_path, workers=2, transport="aiohttp"))
    seen = []
    for update in live.updates():
        if isinstance(update, WindowDone):
            seen.append(update.window)
            if len(seen) == 2:
                assert live.runner is not None
                os.kill(live.runner.worker_pids[0], signal.SIGKILL)
    rec = live.record
    assert rec is not None and rec.state == "incomplete"
    assert any("died" in n for n in rec.notes)
    assert live.run_dir is not None
    on_disk, windows = load_run(live.run_dir)
    assert on_disk.state == "incomplete"
    assert [w.t for w in windows] == [w.t for w in seen]
    assert windows[-1].t >= 4.5  # the surviving worker ran to the end
    assert len(windows[-1].worker_cpu) == 1
    assert windows[0].requests == pytest.approx(60, abs=6)
    assert windows[-2].requests == pytest.approx(30, abs=6)


def test_closed_model_runs_the_planned_vus_and_sessions_with_think_time(
    local_server: Callable[..., LocalServer], tmp_path: Path
) -> None:
    server = local_server(mode="by_path")
    scenario = Scenario(
        name="shopper",
        persona="shopper",
        weight=1,
        steps=[Step(route="/a"), Step(route="/b")],
        think_time=Distribution(kind="constant", median=0.1),
    )
    plan = TestPlan(
        name="closed",
        target=server.url,
        workload=Workload(model="closed", rate_unit="vus"),
        scenarios=[scenario],
        stages=[Stage(duration="0s", target=4), Stage(duration="3s", target=4)],
    )
    runner = Runner(plan, workers=2, transport="aiohttp")
    windows = list(runner.windows())
    rec = runner.result()
    assert rec.state == "complete"
    assert rec.metrics["vus_max"]["value"] == 4
    # 4 VUs, each request followed by 100 ms of think time: about 40 requests/s
    assert rec.metrics["http_reqs"]["rate"] == pytest.approx(40, rel=0.25)
    assert rec.metrics["iterations"]["count"] == pytest.approx(
        rec.metrics["http_reqs"]["count"] / 2, abs=4
    )
    assert set(windows[-1].by_route) <= {"GET /a", "GET /b"}
    assert all(w.target_rate == 4 for w in windows[:-1])


def test_an_unreachable_target_is_a_user_error_exit_2(tmp_path: Path) -> None:
    url = closed_port_url()
    assert main(["run", "--url", url + "/", "--rate", "5", "--out", str(tmp_path)]) == 2
    assert not any(tmp_path.iterdir())  # no run folder for a run that never started


def test_thresholds_the_engine_cannot_measure_are_refused_up_front() -> None:
    from loadtui.engine.thresholds_live import parse_threshold
    from loadtui.errors import UserError

    with pytest.raises(UserError, match="unknown metric 'checks'"):
        parse_threshold("checks", "rate>0.99")
    with pytest.raises(UserError, match="http_req_failed has no p"):
        parse_threshold("http_req_failed", "p(95)<1")
    with pytest.raises(UserError, match="not a k6 threshold"):
        parse_threshold("http_req_duration", "p95 < 500ms")
