from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loadtui.contracts import MetricWindow, RunRecord, TestPlan, ThresholdVerdict
from loadtui.store.history import (
    add_run,
    baseline_for,
    get_run,
    index_path,
    list_runs,
    mark_baseline,
    reindex,
)
from loadtui.store.runs import (
    WindowWriter,
    create_run_dir,
    load_run,
    new_run_id,
    write_plan,
    write_summary,
)

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
    run_dir = create_run_dir(tmp_path, "r1")
    write_plan(run_dir, TestPlan(name="shop"))
    writer = WindowWriter(run_dir)
    for i in range(3):
        writer.write(MetricWindow(t=i + 1.0, ts=T0 + timedelta(seconds=i + 1), requests=10))
    writer.close()
    with (run_dir / "windows.ndjson").open("a") as fh:
        fh.write('{"t": 4.0, "ts": "2025-05-01T12:00:0')  # killed mid-write
    write_summary(run_dir, record("r1"))
    rec, windows = load_run(run_dir)
    assert [w.t for w in windows] == [1.0, 2.0, 3.0]
    assert rec.run_id == "r1" and rec.state == "complete"


def test_missing_summary_is_rebuilt_from_windows_as_incomplete(tmp_path: Path) -> None:
    run_dir = create_run_dir(tmp_path, "r2")
    write_plan(run_dir, TestPlan(name="shop", target="http://h:1"))
    writer = WindowWriter(run_dir)
    writer.write(MetricWindow(t=1.0, ts=T0, requests=50, errors=5, errors_by_class={"reset": 5}))
    writer.close()
    rec, _ = load_run(run_dir)
    assert rec.state == "incomplete" and rec.plan_name == "shop" and rec.target == "http://h:1"
    assert rec.metrics["http_reqs"]["count"] == 50
    assert rec.metrics["http_req_failed"]["rate"] == pytest.approx(0.1)
    assert rec.errors_by_class == {"reset": 5}


def test_plan_copy_keeps_the_users_file_verbatim(tmp_path: Path) -> None:
    src = tmp_path / "p.yaml"
    src.write_text("# my comment\nname: shop\n")
    run_dir = create_run_dir(tmp_path, "r3")
    write_plan(run_dir, TestPlan(name="shop"), src)
    assert (run_dir / "plan.yaml").read_text().startswith("# my comment")


def test_history_adds_lists_gets_and_marks_one_baseline_per_plan(tmp_path: Path) -> None:
    db = index_path(tmp_path)
    add_run(db, record("a", start=T0))
    add_run(db, record("b", start=T0 + timedelta(hours=1), ok=False))
    add_run(db, record("c", plan="other", start=T0 + timedelta(hours=2)))
    assert [r.run_id for r in list_runs(db)] == ["c", "b", "a"]
    assert [r.run_id for r in list_runs(db, plan="shop")] == ["b", "a"]
    b = get_run(db, "b")
    assert b is not None and b.verdict == "fail" and b.p95 == 12.5 and b.requests == 1000
    mark_baseline(db, "a")
    mark_baseline(db, "b")
    base = baseline_for(db, "shop")
    assert base is not None and base.run_id == "b"
    assert [r.baseline for r in list_runs(db, plan="shop")] == [True, False]
    assert baseline_for(db, "nothing") is None
    with pytest.raises(KeyError):
        mark_baseline(db, "zzz")


def test_reindex_rebuilds_the_index_from_folders(tmp_path: Path) -> None:
    for rid in ("x1", "x2"):
        run_dir = create_run_dir(tmp_path, rid)
        write_summary(run_dir, record(rid))
    assert reindex(tmp_path) == 2
    assert {r.run_id for r in list_runs(index_path(tmp_path))} == {"x1", "x2"}
