"""`--engine locust --workers 2`: a short run on Locust's master/worker mode against the demo
target writes windows and a summary in the native format, thresholds judged the same way."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from loadtui.contracts import Distribution, MetricWindow, RunRecord, Stage, Workload
from loadtui.distributed import locust_stats as ls
from loadtui.engine.metrics import RunTotals
from loadtui.engine.thresholds_live import LiveThresholds
from loadtui.plan import load_plan
from loadtui.plan.yaml_io import save_plan
from loadtui.target.process import TargetProcess

REPO = Path(__file__).resolve().parents[2]
LOCUST = Path(sys.executable).with_name("locust")


def test_histogram_from_percentiles_reads_back_locusts_percentiles() -> None:
    points = [(0.5, 10.0), (0.9, 40.0), (0.95, 60.0), (0.99, 120.0), (1.0, 300.0)]
    h = ls.histogram_from_percentiles(1000, points)
    assert h.count == 1000
    for level, ms in points[:-1]:
        assert h.percentile_ms(level * 100) == pytest.approx(ms, rel=0.01)
    assert h.max_ms() == pytest.approx(300.0, rel=0.01)


def test_failure_messages_become_error_classes() -> None:
    text = (
        "Method,Name,Error,Occurrences\nGET,/a,HTTP 503,4\nPOST,/b,HTTP 404,2\n"
        "GET,/c,ConnectionRefusedError(111),1\n"
    )
    by_class, by_status, _ = ls.failure_totals(text)
    assert by_class == {"http_5xx": 4, "http_4xx": 2, "refused": 1}
    assert by_status == {"503": 4, "404": 2}


@pytest.mark.e2e
@pytest.mark.timeout(240)
@pytest.mark.skipif(not LOCUST.exists(), reason="locust extra not installed")
def test_locust_engine_run_matches_the_native_format(tmp_path: Path) -> None:
    loadtui = Path(sys.executable).with_name("loadtui")
    model = tmp_path / "model.json"
    log = REPO / "sample_data" / "shop_access.log"
    subprocess.run([loadtui, "profile", log, "-o", model], check=True, capture_output=True)
    subprocess.run(
        [loadtui, "plan", model, "-o", tmp_path / "p.yaml", "--type", "smoke"],
        check=True,
        capture_output=True,
    )
    base = load_plan(tmp_path / "p.yaml")
    fast = Distribution(kind="constant", median=0.05)
    plan = base.model_copy(
        update={
            "scenarios": [s.model_copy(update={"think_time": fast}) for s in base.scenarios],
            "workload": Workload(model="closed", rate_unit="vus"),
            "stages": [Stage(duration="2s", target=6, name="ramp"), Stage(duration="6s", target=6)],
            # one that holds, one that must fail: the same verdicts as LiveThresholds gives
            "thresholds": {"http_req_duration": ["p(95)<2000", "p(50)<0.5"]},
        }
    )
    plan_file = tmp_path / "plan.yaml"
    out = tmp_path / "runs"
    with TargetProcess(capacity=64, service_ms=2.0) as target:
        save_plan(plan.model_copy(update={"target": target.url}), plan_file)
        cmd = [loadtui, "run", plan_file, "--engine", "locust", "--workers", "2", "--headless"]
        proc = subprocess.run(
            [*cmd, "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=200,
        )
    assert proc.returncode == 99, proc.stderr[-2000:]  # p(50)<0.5 ms fails: k6's exit code
    (run_dir,) = [d for d in out.iterdir() if d.is_dir()]
    record = RunRecord.model_validate_json((run_dir / "summary.json").read_text())
    windows = [
        MetricWindow.model_validate_json(line)
        for line in (run_dir / "windows.ndjson").read_text().splitlines()
    ]
    assert record.state == "complete" and record.source == "loadtui"
    assert record.environment["engine"] == "locust" and record.workers == 2
    assert len(windows) >= 6
    total = sum(w.requests for w in windows)
    assert total == record.metrics["http_reqs"]["count"] > 200
    busy = [w for w in windows if w.requests]
    assert all(w.latency.p95 > 0 and w.hist for w in busy)
    assert any(len(w.by_route) >= 5 for w in busy)
    assert sum(sum(b.requests for b in w.by_route.values()) for w in windows) == total
    # thresholds judged by the native evaluator over the same totals
    verdicts = {v.expression: v for v in record.thresholds}
    assert verdicts["p(95)<2000"].ok and not verdicts["p(50)<0.5"].ok
    assert verdicts["p(95)<2000"].value == pytest.approx(
        record.metrics["http_req_duration"]["p(95)"], rel=1e-3
    )
    for key in ("avg", "med", "p(90)", "p(95)", "p(99)", "max"):
        assert key in record.metrics["http_req_duration"]
    totals = RunTotals()
    totals.hist = ls.histogram_from_percentiles(1, [(1.0, 1.0)])
    totals.requests = 1
    judged, _ = LiveThresholds({"http_req_duration": ["p(50)<0.5"]}).evaluate(totals, 1.0)
    assert not judged[0].ok  # the same evaluator: 1 ms fails p(50)<0.5 there too
    assert json.loads((run_dir / "summary.json").read_text())["thresholds"]
