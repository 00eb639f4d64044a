"""Stage shapes per test type (pure functions)."""

from __future__ import annotations

import pytest

from loadtui.contracts import Stage
from loadtui.plan.stages import (
    format_duration,
    make_stages,
    parse_duration,
    total_seconds,
)


def _targets(stages: list[Stage]) -> list[float]:
    return [s.target for s in stages]


@pytest.mark.parametrize("kind", ["smoke", "load", "stress", "spike", "soak"])
@pytest.mark.parametrize("total", [30, 300, 3600])
def test_stage_durations_add_up_to_the_requested_total(kind: str, total: int) -> None:
    stages = make_stages(kind, 10.0, total)
    assert total_seconds(stages) == total
    assert all(parse_duration(s.duration) >= 1 for s in stages)
    assert all(s.name for s in stages)


def test_smoke_is_a_trickle_whatever_the_peak() -> None:
    assert max(_targets(make_stages("smoke", 500.0, 60))) == 1.0
    assert max(_targets(make_stages("smoke", 500.0, 60, closed=True))) == 2.0
    assert max(_targets(make_stages("smoke", 0.2, 60))) == 0.2


def test_load_ramps_holds_spikes_five_times_recovers_and_ramps_down() -> None:
    stages = make_stages("load", 10.0, 300)
    names = [s.name for s in stages]
    assert names[:4] == ["ramp", "hold", "spike ×5", "recover"]
    assert names[-1] == "ramp-down" and stages[-1].target == 0
    assert stages[0].target == stages[1].target == 10.0
    assert stages[2].target == 50.0
    assert parse_duration(stages[2].duration) <= 0.05 * 300  # the spike is short
    assert stages[3].target == 10.0


def test_stress_starts_with_a_low_baseline_then_steps_past_the_peak() -> None:
    stages = make_stages("stress", 100.0, 480)
    assert stages[0].name == "baseline" and stages[0].target < 100.0
    holds = [s for s in stages if s.name and s.name.startswith("step ×")]
    assert [s.name for s in holds[:4]] == ["step ×1", "step ×1.5", "step ×2", "step ×3"]
    levels = [s.target for s in holds]
    assert levels == sorted(levels) and levels[0] == 100.0 and levels[-1] >= 300.0
    assert all(parse_duration(s.duration) >= 20 for s in holds)  # long enough to read
    assert stages[-1].name == "ramp-down" and stages[-1].target == 0
    # more time → more steps, never fewer than three
    assert len(make_stages("stress", 100.0, 60)) >= 1 + 2 * 3 + 1
    assert len(make_stages("stress", 100.0, 1800)) > len(stages)


def test_spike_surges_briefly_then_recovers_at_normal_load() -> None:
    stages = make_stages("spike", 20.0, 180)
    by_name = {s.name: s for s in stages}
    assert by_name["spike ×5"].target == 100.0 and by_name["spike hold"].target == 100.0
    assert by_name["recover"].target == 20.0 and by_name["hold"].target == 20.0
    assert parse_duration(by_name["spike ×5"].duration) <= 10  # sudden


def test_soak_holds_at_eighty_percent_for_most_of_the_run() -> None:
    stages = make_stages("soak", 10.0, 3600)
    hold = next(s for s in stages if s.name == "hold")
    assert hold.target == 8.0
    assert parse_duration(hold.duration) >= 0.85 * 3600


def test_closed_model_targets_are_whole_vus() -> None:
    stages = make_stages("load", 7.3, 300, closed=True)
    assert all(t == int(t) for t in _targets(stages))
    assert stages[0].target == 8.0  # rounded up: fewer VUs than asked would under-load


def test_replay_hours_traces_the_day_with_the_busiest_hour_at_the_peak() -> None:
    hourly = [1.0] * 24
    hourly[20] = 4.0
    stages = make_stages("load", 40.0, 600, hourly=hourly)
    assert len(stages) == 25 and stages[-1].name == "ramp-down"
    assert stages[20].name == "hour 20" and stages[20].target == 40.0
    assert stages[3].target == 10.0
    assert total_seconds(stages) == 600
    soak = make_stages("soak", 40.0, 600, hourly=hourly)
    assert max(_targets(soak)) == 32.0


def test_bad_stage_requests_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="unknown test type"):
        make_stages("chaos", 1.0, 60)
    with pytest.raises(ValueError, match="at least 10s"):
        make_stages("load", 1.0, 5)
    with pytest.raises(ValueError, match="load and soak"):
        make_stages("stress", 1.0, 60, hourly=[1.0] * 24)
    with pytest.raises(ValueError, match="peak must be > 0"):
        make_stages("load", 0.0, 60)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h30m", 5400), ("500ms", 0.5), ("90", 90), ("1.5m", 90)],
)
def test_k6_durations_parse(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 minutes", "m5", "-3s", "1x"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_durations_format_as_short_k6_text() -> None:
    assert [format_duration(s) for s in (90, 3600, 3661, 45, 0.25)] == [
        "1m30s",
        "1h",
        "1h1m1s",
        "45s",
        "250ms",
    ]
