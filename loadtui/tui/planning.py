"""The Run pane's plan: the kept personas → `loadtui.plan` → a TestPlan for one target.

What the user picks (test type, peak, length) is a `PlanChoice`; where its peak came from is
part of it, so the screen can say so ("peak 300 req/s (from --peak-rps)"). Pure functions:
the screen rebuilds the plan on every change (4–6 ms for the sample log's personas).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from loadtui.contracts import TestPlan, TrafficModel
from loadtui.durations import parse_duration
from loadtui.plan.stages import MIN_DURATION_S, PLAN_TYPES

__all__ = ["PLAN_TYPES", "PlanChoice", "check_duration", "check_peak", "make_plan"]

DEFAULT_RUN_DURATION = "1m"  # short enough to watch, long enough for a few stages
MAX_DURATION_S = 24 * 3600
MAX_PEAK_RPS = 1_000_000.0
# With no peak given, a plan for the user's own target takes the log's peak, but never less
# than this: 50 req/s loads any web service measurably without queueing it, and a 1-minute
# run gets ~3,000 requests, enough for a p99. The sample log's own peak is 0.44 req/s (a few
# requests in a whole run, which showed nothing).
FLOOR_PEAK_RPS = 50.0

PeakSource = Literal["log", "flag", "demo", "typed"]


@dataclass(frozen=True)
class PlanChoice:
    """What the user picked on the Run pane (the rest comes from the model).

    `peak_rps` None means the log's own peak (at least FLOOR_PEAK_RPS); `peak_source` says
    where an explicit peak came from: --peak-rps, the demo's default or typed on the pane.
    """

    type: str = "load"
    duration: str | None = DEFAULT_RUN_DURATION
    peak_rps: float | None = None
    peak_source: PeakSource = "log"
    workload: Literal["open", "closed"] = "open"  # closed: VUs loop sessions (the wizard's form)

    def next_type(self, step: int = 1) -> PlanChoice:
        """The next test type the planner knows (`step=-1`: the previous one)."""
        i = PLAN_TYPES.index(self.type) if self.type in PLAN_TYPES else -step
        return replace(self, type=PLAN_TYPES[(i + step) % len(PLAN_TYPES)])

    def with_peak(self, rps: float, source: PeakSource = "typed") -> PlanChoice:
        return replace(self, peak_rps=rps, peak_source=source)

    def with_duration(self, duration: str) -> PlanChoice:
        return replace(self, duration=duration.strip())


def check_duration(text: str) -> str | None:
    """Why `text` cannot be a run's length, or None (the launch flag and the prompt share it)."""
    try:
        seconds = parse_duration(text.strip())
    except ValueError as exc:
        return str(exc)
    if seconds < MIN_DURATION_S:
        return (
            f"{text.strip()!r} is too short: at least {MIN_DURATION_S}s, "
            "or no stage is long enough to read"
        )
    if seconds > MAX_DURATION_S:
        return f"{text.strip()!r} is too long: at most 24h"
    return None


def check_peak(text: str) -> str | None:
    """Why `text` cannot be a peak in requests per second, or None."""
    try:
        value = float(text.strip().replace(",", "").replace("_", ""))
    except ValueError:
        return "a number of requests per second, e.g. 300"
    if not value > 0:
        return "the peak must be more than 0 requests per second"
    if value > MAX_PEAK_RPS:
        return f"at most {MAX_PEAK_RPS:,.0f} requests per second"
    return None


def log_peak_rps(model: TrafficModel) -> float | None:
    """The log's own peak in requests/s for the kept personas (None: the log has no rate)."""
    from loadtui.plan.build import observed_peak_rps

    return observed_peak_rps(model, model.personas)


def planned_peak_rps(model: TrafficModel, choice: PlanChoice) -> float:
    """The peak the plan is built for: the one chosen, else the log's, at least the floor."""
    if choice.peak_rps is not None:
        return choice.peak_rps
    return max(log_peak_rps(model) or 0.0, FLOOR_PEAK_RPS)


def peak_text(choice: PlanChoice, log_rps: float | None, requests_per_session: float) -> str:
    """Where the peak comes from, in a line: "peak 300 req/s (from --peak-rps)", or for the
    log's own "peak 50 req/s (default; peak from the log: 0.03 sessions/s)"."""
    from loadtui.tui.display import fine_rate

    if choice.peak_rps is not None:
        why = {
            "flag": "from --peak-rps",
            "demo": "demo default",
            "typed": "set with r",
            "log": "chosen",
        }[choice.peak_source]
        return f"peak {rate(choice.peak_rps)} req/s ({why})"
    peak = max(log_rps or 0.0, FLOOR_PEAK_RPS)
    if log_rps is None:
        return f"peak {rate(peak)} req/s (default: the log has no request rate)"
    sessions = fine_rate(log_rps / max(requests_per_session, 1e-9))
    if log_rps >= FLOOR_PEAK_RPS:
        return f"peak {rate(peak)} req/s (peak from the log: {sessions} sessions/s)"
    return f"peak {rate(peak)} req/s (default; peak from the log: {sessions} sessions/s)"


def rate(rps: float) -> str:
    """A peak as people type it: 300, 1,200, 2.5."""
    return f"{rps:,.0f}" if rps >= 10 else f"{rps:g}"


def make_plan(model: TrafficModel, choice: PlanChoice, target: str) -> TestPlan:
    from loadtui.plan.build import build_plan

    # the workspace already dropped the bots the user hid, so keep whatever is left
    return build_plan(
        model,
        type=choice.type,
        workload=choice.workload,
        duration=choice.duration,
        peak_rps=planned_peak_rps(model, choice),
        target=target,
        include_bots=True,
        name=f"tui-{choice.type}",
    )
