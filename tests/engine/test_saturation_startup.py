"""A worker's start-up is not generator saturation: the first window's CPU reading spans
compiling the plan, connecting and the sessions that join at t=0, so neither the window's
`generator_saturated` nor the end-of-run count of saturated windows may include it."""

from __future__ import annotations

from datetime import UTC, datetime

from loadtui.engine.metrics import SATURATION_CPU, RunTotals, WindowRecorder

BUSY = SATURATION_CPU + 0.3  # a worker at 120% of a core
IDLE = 0.2


def _merge(totals: RunTotals, t: float, interval_s: float, cpus: list[float]) -> bool:
    parts = [
        WindowRecorder().snapshot(
            index=round(t / interval_s), t_end=t, interval_s=interval_s, cpu=c, in_flight=0
        )
        for c in cpus
    ]
    window = totals.merge(
        parts,
        t=t,
        ts=datetime(2026, 11, 1, tzinfo=UTC),
        interval_s=interval_s,
        stage=0,
        stage_name=None,
        target_rate=10.0,
    )
    assert window.worker_cpu == cpus  # the reading itself is reported as it was
    return window.generator_saturated


def test_a_busy_first_window_is_start_up_not_saturation() -> None:
    totals = RunTotals()
    assert _merge(totals, 1.0, 1.0, [BUSY, IDLE]) is False
    assert _merge(totals, 2.0, 1.0, [IDLE, IDLE]) is False
    assert _merge(totals, 3.0, 1.0, [IDLE, BUSY]) is True  # later, a busy worker counts
    assert (totals.saturated_windows, totals.windows) == (1, 3)


def test_short_windows_in_the_first_second_are_start_up_too() -> None:
    totals = RunTotals()
    judged = [_merge(totals, 0.25 * i, 0.25, [BUSY]) for i in range(1, 7)]
    assert judged == [False, False, False, True, True, True]  # from the window ending at 1 s
    assert totals.saturated_windows == 3
