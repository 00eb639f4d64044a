"""What `loadtui run --headless` prints: a progress line that stays on one line of the terminal
(80 columns too) and a k6-style summary with data in human units."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.text import Text

from loadtui.commands.run import data_size, fit_line, progress_line, summary_text
from loadtui.contracts import LatencyStats, MetricWindow, RunRecord, Stage, TestPlan
from loadtui.contracts import ThresholdVerdict as Verdict
from loadtui.live import WindowDone

PLAN = TestPlan(
    stages=[
        Stage(duration="30s", target=50, name="ramp-up"),
        Stage(duration="2m", target=50, name="hold at peak"),
        Stage(duration="30s", target=0, name="ramp-down"),
    ]
)


def _update(*, saturated: bool = False, failed: bool = True) -> WindowDone:
    window = MetricWindow(
        t=72.0,
        ts=datetime(2026, 11, 1, tzinfo=UTC),
        stage=1,
        stage_name="hold at peak",
        target_rate=1200.0,
        active=345,
        requests=1234,
        errors=12,
        rps=1234.0,
        latency=LatencyStats(count=1234, p50=12.3, p95=45.6, p99=123.0),
        generator_saturated=saturated,
    )
    verdicts = [
        Verdict(metric="http_req_duration", expression="p(95)<500", ok=True),
        Verdict(metric="http_req_failed", expression="rate<0.01", ok=not failed),
    ]
    return WindowDone(window=window, verdicts=verdicts, flags=[])


def test_progress_line_shows_everything_when_there_is_room() -> None:
    line = progress_line(_update(saturated=True), PLAN, 180.0, width=200).plain
    assert line == (
        "01:12/03:00 · stage 2/3 hold at peak · 1,234 rps (target 1,200) · "
        "p50 12.3ms p95 45.6ms p99 123ms · err 1.0% · active 345 · generator saturated · "
        "✓ p(95)<500 ✗ rate<0.01"
    )


@pytest.mark.parametrize("saturated", [False, True])
def test_progress_line_fits_80_columns_keeping_rate_errors_and_verdicts(saturated: bool) -> None:
    line = progress_line(_update(saturated=saturated), PLAN, 180.0, width=80).plain
    assert len(line) <= 80
    for kept in ("01:12/03:00", "1,234 rps", "p95 45.6ms", "err 1.0%", "✓1 ✗1"):
        assert kept in line, line
    assert ("saturated" in line) is saturated
    assert "active" not in line and "p50" not in line  # the first to go


def test_progress_line_at_80_columns_reads_as_before_but_shorter() -> None:
    line = progress_line(_update(failed=False), PLAN, 180.0, width=80).plain
    assert line == "01:12/03:00 · stage 2/3 · 1,234 rps · p95 45.6ms p99 123ms · err 1.0% · ✓2"


def test_a_very_narrow_console_keeps_only_what_always_stays() -> None:
    line = progress_line(_update(), PLAN, 180.0, width=20).plain
    assert line == "01:12 · 1,234 rps · err 1.0%"  # wider than 20: the floor, never less


def test_fit_line_shortens_the_least_important_form_first() -> None:
    parts = [
        [(0, Text("a"))],
        [(3, Text("bbbbbb")), (1, Text("bb"))],
        [(2, Text("cccc"))],
    ]
    assert fit_line(parts, 100).plain == "a · bbbbbb · cccc"
    assert fit_line(parts, 14).plain == "a · bb · cccc"
    assert fit_line(parts, 9).plain == "a · bb"
    assert fit_line(parts, 1).plain == "a"


@pytest.mark.parametrize(
    ("num_bytes", "text"),
    [
        (0, "0 B"),
        (995, "995 B"),
        (999.7, "1.0 kB"),
        (1_234, "1.2 kB"),
        (120_400, "120 kB"),
        (1_234_567, "1.2 MB"),
        (98_765_432_100, "99 GB"),
    ],
)
def test_data_sizes_read_in_k6_units(num_bytes: float, text: str) -> None:
    assert data_size(num_bytes) == text


def test_summary_shows_data_received_in_human_units(tmp_path: Path) -> None:
    record = RunRecord(
        run_id="r1",
        state="complete",
        started=datetime(2026, 11, 1, tzinfo=UTC),
        duration_s=10.0,
        metrics={
            "http_reqs": {"count": 1000.0, "rate": 100.0},
            "data_received": {"count": 12_345_678.0, "rate": 1_234_567.8},
            "iterations": {"count": 250.0, "rate": 25.0},
        },
    )
    lines = summary_text(record, tmp_path).splitlines()
    data = next(line for line in lines if "data_received" in line)
    assert data.endswith(": 12 MB  1.2 MB/s")
    iterations = next(line for line in lines if "iterations" in line)
    assert iterations.endswith(": 250  25.0/s")  # counts stay counts


def test_progress_line_at_160_columns_drops_only_the_verdict_details() -> None:
    line = progress_line(_update(saturated=True), PLAN, 180.0, width=160).plain
    assert len(line) <= 160
    assert "stage 2/3 hold at peak" in line and "p50 12.3ms" in line and "active 345" in line
    assert line.endswith("generator saturated · ✓1 ✗1")


def test_summary_shows_the_planned_request_rate_beside_the_achieved_one(tmp_path: Path) -> None:
    record = RunRecord(
        run_id="r2",
        state="complete",
        started=datetime(2026, 11, 1, tzinfo=UTC),
        duration_s=30.0,
        metrics={"http_reqs": {"count": 6177.0, "rate": 205.9, "planned_rate": 200.0}},
    )
    line = next(x for x in summary_text(record, tmp_path).splitlines() if "http_reqs" in x)
    assert line.endswith(": 6177  205.9/s (planned 200.0/s)")
