"""What the Run pane shows before a start, computed from the plan (pure functions)."""

from __future__ import annotations

import pytest
from tui_plans import make_shop_plan

from loadtui.contracts import ArrivalModel, Stage, TestPlan, TrafficModel, Workload
from loadtui.durations import parse_duration
from loadtui.engine.url_plan import build_url_plan
from loadtui.tui import display
from loadtui.tui.plan_preview import (
    MAX_STAGE_ROWS,
    chart_lines,
    fit_spans,
    header_row,
    plan_peak_text,
    preview,
    rate_profile,
    stage_rows,
    stage_spans,
    table_line,
)
from loadtui.tui.planning import (
    FLOOR_PEAK_RPS,
    PlanChoice,
    check_duration,
    check_peak,
    make_plan,
    peak_text,
    planned_peak_rps,
)
from loadtui.tui.workspace import Workspace


def _with_log_peak(model: TrafficModel, rps: float) -> TrafficModel:
    return model.model_copy(update={"arrivals": ArrivalModel(peak_requests_per_s=rps)})


def test_a_load_plan_shows_each_stage_with_its_requests_and_sessions_per_second(
    shop_model: TrafficModel,
) -> None:
    model = Workspace(model=shop_model).planned_model()
    plan = make_plan(model, PlanChoice(duration="1m", peak_rps=300), "http://h:1")
    per_session = plan.workload.mean_requests_per_session
    rows = stage_rows(plan)
    assert [r.name for r in rows] == [
        "ramp",
        "hold",
        "spike ×5",
        "recover",
        "hold after spike",
        "ramp-down",
    ]
    assert [r.shape for r in rows] == ["↗", "→", "↗", "↘", "→", "↘"]
    assert [parse_duration(r.length) for r in rows] == [
        parse_duration(s.duration) for s in plan.stages
    ]
    assert rows[1].rps == "300" and rows[2].rps == "1,500"  # the ×5 spike is on screen
    assert rows[1].rate == display.fine_rate(300 / per_session)  # req/s ÷ requests a session
    assert rows[-1].rps == rows[-1].rate == "0"
    assert header_row(plan).rate == "sess/s"
    assert len(table_line(rows[4])) == 41  # the chart takes the rest of the line


def test_a_closed_plan_shows_vus_and_no_request_rate() -> None:
    plan = build_url_plan("http://h:1/", vus=20, duration="30s")
    rows = stage_rows(plan)
    assert header_row(plan).rate == "VUs" and header_row(plan).rps == ""
    assert rows[-1].rate == "20" and all(r.rps == "" for r in rows)
    assert plan_peak_text(plan) == "peak 20 VUs (as the plan says)"


def test_a_long_stress_plan_fits_its_rows_with_each_ramp_in_its_step() -> None:
    steps = [Stage(duration="1m", target=2, name="baseline")]
    for k in range(1, 10):
        steps += [
            Stage(duration="20s", target=10 * k, name=f"ramp ×{k}"),
            Stage(duration="80s", target=10 * k, name=f"step ×{k}"),
        ]
    steps.append(Stage(duration="30s", target=0, name="ramp-down"))
    plan = make_shop_plan("http://h:1").model_copy(update={"stages": steps, "type": "stress"})
    spans = stage_spans(plan)
    assert len(spans) == 20
    rows = fit_spans(spans, MAX_STAGE_ROWS)
    assert len(rows) == MAX_STAGE_ROWS
    assert [r.name for r in rows[:3]] == ["baseline", "step ×1", "step ×2"]
    assert rows[1].seconds == 100 and rows[1].start == 2 and rows[1].end == 10
    assert rows[-1].name == "… 2 more"  # step ×9 and the ramp-down
    assert sum(r.seconds for r in rows) == sum(s.seconds for s in spans)  # nothing lost


def test_the_chart_shows_a_short_spike_at_its_height_and_its_time() -> None:
    plan = make_shop_plan("http://h:1").model_copy(
        update={
            "stages": [
                Stage(duration="0s", target=10),
                Stage(duration="45s", target=10),
                Stage(duration="0s", target=50),
                Stage(duration="2s", target=50, name="spike"),
                Stage(duration="0s", target=10),
                Stage(duration="53s", target=10),
            ],
            "workload": Workload(model="open", mean_requests_per_session=2.0),
        }
    )
    assert rate_profile(plan)[:3] == [(0.0, 0.0), (0.0, 20.0), (45.0, 20.0)]
    lines = chart_lines(rate_profile(plan), width=36, height=6, unit="req/s")
    assert len(lines) == 6 and all(len(line) <= 36 for line in lines)
    assert lines[0].startswith("100 ┤") and lines[4].startswith("  0 ┤")
    assert lines[-1].strip().startswith("00:00") and lines[-1].endswith("01:40")
    plot = [line[5:] for line in lines[:5]]  # 31 columns of 100 s: the spike at 45–47 s
    tops = [c for c in range(31) if plot[0][c] != " "]
    assert tops and all(13 <= c <= 14 for c in tops)  # a 2 s spike never averaged away
    assert all(plot[4][c] != " " for c in range(31))  # the base load fills the bottom row
    assert chart_lines(rate_profile(plan), width=8, height=6, unit="req/s") == []  # too narrow


@pytest.mark.parametrize(
    ("choice", "log_rps", "expected"),
    [
        (PlanChoice(peak_rps=300, peak_source="flag"), 0.44, "peak 300 req/s (from --peak-rps)"),
        (PlanChoice(peak_rps=300, peak_source="demo"), 0.44, "peak 300 req/s (demo default)"),
        (PlanChoice(peak_rps=2.5, peak_source="typed"), None, "peak 2.5 req/s (set with r)"),
        (
            PlanChoice(),
            0.44,
            f"peak {FLOOR_PEAK_RPS:.0f} req/s (default; peak from the log: 0.028 sessions/s)",
        ),
        (PlanChoice(), 1200.0, "peak 1,200 req/s (peak from the log: 75.9 sessions/s)"),
        (PlanChoice(), None, "peak 50 req/s (default: the log has no request rate)"),
    ],
)
def test_the_screen_says_where_the_peak_came_from(
    choice: PlanChoice, log_rps: float | None, expected: str
) -> None:
    assert peak_text(choice, log_rps, requests_per_session=15.8) == expected


def test_the_log_peak_is_used_only_when_it_loads_the_target(shop_model: TrafficModel) -> None:
    assert planned_peak_rps(_with_log_peak(shop_model, 0.44), PlanChoice()) == FLOOR_PEAK_RPS
    assert planned_peak_rps(_with_log_peak(shop_model, 800.0), PlanChoice()) == 800.0
    assert planned_peak_rps(shop_model, PlanChoice(peak_rps=7.0)) == 7.0
    plan = make_plan(
        Workspace(model=_with_log_peak(shop_model, 0.44)).planned_model(),
        PlanChoice(duration="1m"),
        "http://h:1",
    )
    hold = plan.stages[1].target * plan.workload.mean_requests_per_session
    assert hold == pytest.approx(FLOOR_PEAK_RPS, rel=1e-3)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2m", None),
        ("1h30m", None),
        (" 90s ", None),
        ("5min", "'5min' is not a duration; use k6 style like 30s, 5m, 1h30m"),
        ("5s", "'5s' is too short: at least 10s"),
        ("25h", "'25h' is too long: at most 24h"),
        ("", "is not a duration"),
    ],
)
def test_durations_are_checked_as_typed(text: str, problem: str | None) -> None:
    found = check_duration(text)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize(
    ("text", "ok"),
    [("300", True), ("1,200", True), ("0.5", True), ("0", False), ("-3", False), ("lots", False)],
)
def test_peaks_are_checked_as_typed(text: str, ok: bool) -> None:
    assert (check_peak(text) is None) is ok


def test_the_preview_names_workload_target_and_workers() -> None:
    plan: TestPlan = make_shop_plan("http://127.0.0.1:9")
    shown = preview(
        plan,
        title="t",
        peak=plan_peak_text(plan),
        target=plan.target,
        workers=None,
        cores=4,
        mean_session_s=70.0,
    )
    assert shown.lines == (
        "peak 24 req/s (as the plan says)",
        "open model · 4.0 requests a session, ~70s each",
        "4 workers → http://127.0.0.1:9",
    )
    assert shown.unit == "req/s" and shown.profile[-1] == (7.0, 24.0)
