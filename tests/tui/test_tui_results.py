"""What the Run pane shows when a run ends, computed from its RunRecord (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from loadtui.contracts import BreakingPoint, RunRecord, ThresholdVerdict
from loadtui.tui import display, palette
from loadtui.tui.results import (
    dotted,
    error_lines,
    note_lines,
    results_lines,
    results_title,
    shown_path,
    summary_rows,
    trend_rows,
)


def make_record(**changes: object) -> RunRecord:
    trend = {"avg": 12.34, "min": 1.0, "med": 10.1, "p(90)": 20.06, "p(95)": 25.3, "p(99)": 140.2}
    record = RunRecord(
        run_id="20260101-120000-tui-load",
        state="complete",
        started=datetime(2026, 1, 1, tzinfo=UTC),
        duration_s=60.2,
        metrics={
            "http_reqs": {"count": 17912.0, "rate": 298.53},
            "http_req_duration": {**trend, "max": 1234.5},
            "http_req_service": {**trend, "max": 9.5},
            "http_req_failed": {"rate": 0.0012, "passes": 21.0, "fails": 17891.0},
            "data_received": {"count": 24_123_456.0, "rate": 401_234.0},
            "sessions": {"count": 1137.0, "rate": 18.9},
            "vus_max": {"value": 61.0},
        },
        thresholds=[
            ThresholdVerdict(metric="http_req_duration", expression="p(95)<500", ok=True),
            ThresholdVerdict(metric="http_req_failed", expression="rate<0.001", ok=False),
        ],
        errors_by_class={"timeout": 2, "http_5xx": 19},
        notes=[
            "generator saturated in 3 of 240 windows: add workers",
            "http_5xx e.g.: 503 on GET /products/{id}",
            "timeout e.g.: GET /search after 10 s",
        ],
    )
    return record.model_copy(update=changes)


def test_the_summary_reads_like_k6_in_human_units() -> None:
    assert summary_rows(make_record()) == [
        "http_reqs .........: 17,912  298.5/s",
        "http_req_failed ...: 0.12%  21 of 17,912",
        "data_received .....: 24 MB  401 kB/s",
        "sessions ..........: 1,137  18.9/s · at most 61 at once",
    ]


def test_requests_show_the_planned_rate_next_to_the_delivered_one() -> None:
    record = make_record()
    metrics = dict(record.metrics)
    metrics["http_reqs"] = {**metrics["http_reqs"], "planned": 18000.0, "planned_rate": 300.0}
    rows = summary_rows(record.model_copy(update={"metrics": metrics}))
    assert rows[0] == "http_reqs .........: 17,912  298.5/s (planned 300.0/s)"


def test_a_closed_run_counts_vus_not_sessions() -> None:
    rows = summary_rows(make_record(workload="closed"))
    assert rows[-1] == "vus_max ...........: 61"


def test_latency_trends_are_a_table_of_avg_med_and_percentiles() -> None:
    head, duration, service = trend_rows(make_record())
    assert head.split() == ["latency,", "ms", "avg", "med", "p90", "p95", "p99", "max"]
    assert duration.split(":")[1].split() == ["12.3", "10.1", "20.1", "25.3", "140", "1,234"]
    assert service.startswith("http_req_service ..:") and service.endswith("9.50")
    assert max(len(line) for line in (head, duration, service)) <= 76  # 80 columns, framed


def test_errors_are_listed_by_count_with_an_example_of_each() -> None:
    record = make_record()
    assert error_lines(record) == ["errors ............: http_5xx 19 · timeout 2"]
    assert note_lines(record) == [
        "  http_5xx e.g.: 503 on GET /products/{id}",  # examples before other notes
        "  timeout e.g.: GET /search after 10 s",
    ]
    assert error_lines(make_record(errors_by_class={})) == []


def test_the_title_gives_state_length_verdicts_and_flags() -> None:
    assert results_title(make_record(), 3) == (
        "results · complete · 01:00 · thresholds ✗ 1 of 2 · 3 flags"
    )
    assert results_title(make_record(thresholds=[]), 1) == "results · complete · 01:00 · 1 flag"
    assert results_title(None, 0) == "results · the run failed"


def test_the_run_folder_is_shown_where_it_is(tmp_path: Path) -> None:
    run_dir = tmp_path / "runs" / "20260101-120000-tui-load"
    assert shown_path(run_dir, tmp_path) == "runs/20260101-120000-tui-load/"
    assert shown_path(run_dir, Path("/elsewhere")) == f"{run_dir}/"
    assert shown_path(run_dir, Path("/elsewhere"), 20) == "…01-120000-tui-load/"  # its end
    lines = results_lines(make_record(), run_dir, tmp_path)
    assert lines[-1].text == dotted("saved in", "runs/20260101-120000-tui-load/")
    assert [line.text for line in lines[:4]] == summary_rows(make_record())
    assert len(lines) <= 12  # with its border: 14 rows of 24, thresholds and flags below


def test_a_breakpoint_run_leads_with_its_breaking_point(tmp_path: Path) -> None:
    found = BreakingPoint(rate_rps=1240, broke_at_rps=1500, reason="held 1,240 req/s; broke")
    lines = results_lines(make_record(breaking_point=found), tmp_path / "r", tmp_path)
    assert lines[0].text == "breaking point ....: held 1,240 req/s; broke"
    assert lines[0].style == "bold"


def test_a_failed_run_says_why(tmp_path: Path) -> None:
    lines = results_lines(None, None, tmp_path, error="worker 1 died")
    bad = palette.style("bad", bold=True)  # the theme's error colour (dark: "bold #FF5F56")
    assert [(line.text, line.style) for line in lines] == [("run error: worker 1 died", bad)]


@pytest.mark.parametrize(
    ("count", "text"),
    [(0, "0 B"), (999, "999 B"), (1234, "1.2 kB"), (120_000, "120 kB"), (999_700, "1.0 MB")],
)
def test_data_sizes_are_in_k6_units(count: float, text: str) -> None:
    assert display.data_size(count) == text
