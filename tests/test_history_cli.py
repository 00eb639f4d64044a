"""`loadtui history`, `baseline` and `analyze` over run folders written by RunSink: baseline
sets in runs.db, verdicts and exit codes (0 noise, 99 regression, 2 no baseline), JSON, 80
columns."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from loadtui.cli import main
from loadtui.contracts import Breakdown, LatencyStats, MetricWindow, RunRecord, TestPlan
from loadtui.store.history import baseline_for, index_path, list_runs, reindex
from loadtui.store.sink import RunSink

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def write_run(
    out: Path, run_id: str, *, p95: float, minute: int, seed: int, plan: str = "shop"
) -> Path:
    """A 12-window run of plan `plan` whose window p95s scatter ±6 % around `p95` ms."""
    rng = np.random.default_rng(seed)
    sink = RunSink.open(out, TestPlan(name=plan), run_id=run_id)
    start = T0 + timedelta(minutes=minute)
    for i in range(12):
        v = p95 * (1 + rng.normal(0, 0.06))
        lat = LatencyStats(count=40, p50=v * 0.7, p95=v, p99=v * 1.2, max=v * 1.5)
        route = "GET /products/{id}" if i % 2 else "GET /[bold]x"  # log text, not markup
        sink.window(
            MetricWindow(
                t=(i + 1) * 0.5,
                ts=start + timedelta(seconds=(i + 1) * 0.5),
                interval_s=0.5,
                stage=1,
                requests=40,
                rps=80.0,
                latency=lat,
                by_route={route: Breakdown(requests=40, latency=lat)},
            )
        )
    sink.close(
        RunRecord(
            run_id=run_id,
            state="complete",
            plan_name=plan,
            started=start,
            ended=start + timedelta(seconds=6),
            duration_s=6.0,
            metrics={
                "http_reqs": {"count": 480.0, "rate": 80.0},
                "http_req_duration": {"p(95)": p95},
                "http_req_failed": {"rate": 0.0},
            },
        )
    )
    return sink.run_dir


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    for i, rid in enumerate(("base-1", "base-2", "base-3")):
        write_run(tmp_path, rid, p95=30.0, minute=i, seed=i)
    write_run(tmp_path, "same", p95=30.0, minute=10, seed=10)
    write_run(tmp_path, "slow", p95=38.0, minute=11, seed=11)
    write_run(tmp_path, "other", p95=30.0, minute=12, seed=12, plan="checkout")
    return tmp_path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_baseline_marks_a_set_and_history_lists_it(
    runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "baseline", "base-1", "base-2", "base-3", "--out", str(runs))
    assert code == 0 and "baseline of plan 'shop': 3 run(s)" in out
    assert {r.run_id for r in baseline_for(index_path(runs), "shop")} == {
        "base-1",
        "base-2",
        "base-3",
    }
    code, out, _ = cli(capsys, "history", "--json", "--out", str(runs))
    doc = json.loads(out)
    assert code == 0
    assert [r["run_id"] for r in doc["runs"]] == [
        "other",
        "slow",
        "same",
        "base-3",
        "base-2",
        "base-1",
    ]  # newest first
    assert [r["baseline"] for r in doc["runs"]] == [False, False, False, True, True, True]
    assert doc["runs"][1]["p95"] == 38.0 and doc["runs"][1]["rps"] == 80.0
    code, out, _ = cli(capsys, "history", "--plan", "shop", "--limit", "2", "--out", str(runs))
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3  # header + 2 runs
    assert lines[1].startswith("slow") and "38.0" in lines[1] and "shop" in lines[1]
    assert max(len(x) for x in lines) <= 80
    # --add joins the set; a new mark without it replaces the plan's set
    cli(capsys, "baseline", "same", "--add", "--out", str(runs))
    assert len(baseline_for(index_path(runs), "shop")) == 4
    cli(capsys, "baseline", "base-1", "--out", str(runs))
    assert [r.run_id for r in baseline_for(index_path(runs), "shop")] == ["base-1"]


def test_reindex_keeps_the_baseline_marks(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli(capsys, "baseline", "base-1", "base-2", "--out", str(runs))
    assert reindex(runs) == 6
    assert {r.run_id for r in list_runs(index_path(runs)) if r.baseline} == {"base-1", "base-2"}


def test_analyze_calls_a_slow_run_a_regression_and_exits_99(
    runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli(capsys, "baseline", "base-1", "base-2", "base-3", "--out", str(runs))
    code, out, _ = cli(capsys, "analyze", "slow", "--baseline", "auto", "--out", str(runs))
    assert code == 99
    lines = out.splitlines()
    assert lines[0].startswith("REGRESSION: 1 run(s) vs 3 baseline run(s) (auto)")
    assert max(len(x) for x in lines) <= 80
    assert any("GET /[bold]x" in x for x in lines)  # a route name prints as itself
    code, out, _ = cli(capsys, "analyze", "slow", "--json", "--out", str(runs))
    doc = json.loads(out)
    assert code == 99 and doc["baseline_source"] == "auto"
    report = doc["regression"]
    assert report["verdict"] == "regression"
    assert sorted(report["baseline_runs"]) == ["base-1", "base-2", "base-3"]
    p95 = report["overall"]["p95"]
    assert p95["verdict"] == "regression" and 0.18 < p95["change"] < 0.36
    assert p95["p_value"] < 0.001 and p95["beyond_band"] is True
    assert {r["name"] for r in report["routes"]} == {"GET /products/{id}", "GET /[bold]x"}
    assert [r["name"] for r in report["stages"]] == ["stage 1"]


def test_analyze_calls_an_identical_run_noise_and_exits_0(
    runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = [str(runs / r) for r in ("base-1", "base-2", "base-3")]
    code, out, _ = cli(capsys, "analyze", str(runs / "same"), "--baseline", *base, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["baseline_source"] == "explicit"
    assert doc["regression"]["verdict"] == "noise"
    assert abs(doc["regression"]["overall"]["p95"]["change"]) < 0.1


def test_analyze_auto_without_a_baseline_names_the_fix(
    runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "analyze", "other", "--baseline", "auto", "--out", str(runs))
    assert code == 2 and "loadtui baseline" in err and "'checkout'" in err
    # without --baseline and none marked: the steady numbers, and the same hint
    code, out, _ = cli(capsys, "analyze", "other", "--out", str(runs))
    assert code == 0 and "steady state over 9 windows" in out and "loadtui baseline" in out
    code, _, err = cli(capsys, "analyze", "nope", "--out", str(runs))
    assert code == 2 and "loadtui history" in err
    code, _, err = cli(capsys, "baseline", "nope", "--out", str(runs))
    assert code == 2 and "loadtui history" in err


def test_analyze_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    out = capsys.readouterr().out
    assert "99 regression" in out and "loadtui analyze" in out
