from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loadtui.contracts import AnomalyFlag, MetricWindow, RunRecord, TestPlan, ThresholdVerdict
from loadtui.plan.yaml_io import loads_plan
from loadtui.store.history import (
    add_run,
    baseline_for,
    get_run,
    index_path,
    list_runs,
    mark_baseline,
    reindex,
)
from loadtui.store.runs import FLAGS_FILE, load_run, read_flags
from loadtui.store.sink import RunSink, new_run_id, write_summary

T0 = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def record(run_id: str, *, plan: str = "shop", ok: bool = True, start: datetime = T0) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        state="complete",
        plan_name=plan,
        target="http://127.0.0.1:8080",
        started=start,
        ended=start + timedelta(seconds=10),
        duration_s=10,
        metrics={
            "http_reqs": {"count": 1000, "rate": 100},
            "http_req_duration": {"p(95)": 12.5},
            "http_req_failed": {"rate": 0.01},
        },
        thresholds=[ThresholdVerdict(metric="http_req_duration", expression="p(95)<20", ok=ok)],
    )


def test_run_ids_sort_by_time_and_do_not_collide() -> None:
    a = new_run_id(T0)
    b = new_run_id(T0 + timedelta(seconds=1))
    assert a < b
    assert new_run_id(T0) != new_run_id(T0)


def test_load_run_tolerates_a_truncated_last_line(tmp_path: Path) -> None:
    sink = RunSink.open(tmp_path, TestPlan(name="shop"), run_id="r1", index=False)
    for i in range(3):
        sink.window(MetricWindow(t=i + 1.0, ts=T0 + timedelta(seconds=i + 1), requests=10))
    with (sink.run_dir / "windows.ndjson").open("a") as fh:
        fh.write('{"t": 4.0, "ts": "2025-05-01T12:00:0')  # killed mid-write
    sink.close(record("r1"))
    rec, windows = load_run(sink.run_dir)
    assert [w.t for w in windows] == [1.0, 2.0, 3.0]
    assert rec.run_id == "r1" and rec.state == "complete"


def test_missing_summary_is_rebuilt_from_windows_as_incomplete(tmp_path: Path) -> None:
    sink = RunSink.open(tmp_path, TestPlan(name="shop", target="http://h:1"), run_id="r2")
    sink.window(MetricWindow(t=1.0, ts=T0, requests=50, errors=5, errors_by_class={"reset": 5}))
    # the producer died: no close, no summary
    rec, _ = load_run(sink.run_dir)
    assert rec.state == "incomplete" and rec.plan_name == "shop" and rec.target == "http://h:1"
    assert rec.metrics["http_reqs"]["count"] == 50
    assert rec.metrics["http_req_failed"]["rate"] == pytest.approx(0.1)
    assert rec.errors_by_class == {"reset": 5}


def test_a_sink_closed_without_a_record_rebuilds_one_and_indexes_it(tmp_path: Path) -> None:
    sink = RunSink.open(tmp_path, TestPlan(name="shop"), run_id="r5")
    sink.window(MetricWindow(t=1.0, ts=T0, requests=7))
    rec = sink.close(None)
    assert rec.state == "incomplete" and rec.metrics["http_reqs"]["count"] == 7
    row = get_run(index_path(tmp_path), "r5")
    assert row is not None and row.requests == 7 and row.state == "incomplete"
    with pytest.raises(ValueError, match="closed"):
        sink.window(MetricWindow(t=2.0, ts=T0))


def test_flags_are_saved_one_a_line_and_counted_in_the_summary(tmp_path: Path) -> None:
    sink = RunSink.open(tmp_path, TestPlan(name="shop"), run_id="r6", index=False)
    flags = [
        AnomalyFlag(t=4.0, kind="latency_jump", metric="p95", message="p95 jumped", score=6.1),
        AnomalyFlag(t=9.0, kind="error_burst", metric="error_rate", message="5xx", stage=1),
    ]
    sink.flags(flags[:1])
    sink.flags([])
    sink.flags(flags[1:])
    written = sink.close(record("r6"))
    assert written.flags == 2
    assert read_flags(sink.run_dir) == flags
    assert len((sink.run_dir / FLAGS_FILE).read_text().splitlines()) == 2
    rec, _ = load_run(sink.run_dir)
    assert rec.flags == 2


def test_plan_copy_keeps_the_users_file_verbatim(tmp_path: Path) -> None:
    src = tmp_path / "p.yaml"
    src.write_text("# my comment\nname: shop\n")
    sink = RunSink.open(tmp_path / "runs", TestPlan(name="shop"), source=src, run_id="r3")
    assert (sink.run_dir / "plan.yaml").read_text().startswith("# my comment")


def test_a_plan_without_a_file_is_written_by_the_one_plan_writer(tmp_path: Path) -> None:
    plan = TestPlan(
        name="shop",
        thresholds={"http_req_failed": ["rate<0.25 abortOnFail=30s"]},
    )
    sink = RunSink.open(tmp_path, plan, run_id="r4", index=False)
    text = (sink.run_dir / "plan.yaml").read_text()
    assert "abortOnFail: true" in text  # k6's object form survives the copy
    assert loads_plan(text).thresholds == plan.thresholds


def test_history_adds_lists_gets_and_marks_one_baseline_per_plan(tmp_path: Path) -> None:
    db = index_path(tmp_path)
    add_run(db, record("a", start=T0))
    add_run(db, record("b", start=T0 + timedelta(hours=1), ok=False))
    add_run(db, record("c", plan="other", start=T0 + timedelta(hours=2)))
    assert [r.run_id for r in list_runs(db)] == ["c", "b", "a"]
    assert [r.run_id for r in list_runs(db, plan="shop")] == ["b", "a"]
    b = get_run(db, "b")
    assert b is not None and b.verdict == "fail" and b.p95 == 12.5 and b.requests == 1000
    mark_baseline(db, ["a"])
    mark_baseline(db, ["b"])  # replaces the plan's set
    assert [r.run_id for r in baseline_for(db, "shop")] == ["b"]
    assert [r.baseline for r in list_runs(db, plan="shop")] == [True, False]
    mark_baseline(db, ["a"], add=True)  # joins it
    assert [r.run_id for r in baseline_for(db, "shop")] == ["b", "a"]
    assert baseline_for(db, "nothing") == []
    with pytest.raises(KeyError):
        mark_baseline(db, ["zzz"])


def test_reindex_rebuilds_the_index_from_folders(tmp_path: Path) -> None:
    for rid in ("x1", "x2"):
        run_dir = tmp_path / rid
        run_dir.mkdir()
        write_summary(run_dir, record(rid))
    assert reindex(tmp_path) == 2
    assert {r.run_id for r in list_runs(index_path(tmp_path))} == {"x1", "x2"}
