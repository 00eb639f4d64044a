"""Stage edits: lengthen a too-steep ramp, turn a breaking spike into steps, drop a stage that
only ever fails for environmental reasons.

A stage is *troubled* when its error rate is ≥ 5 % or its p95 is ≥ 2× the run's typical stage
p95 (the median over stages with ≥ 20 requests). Each rule asks whether the trouble is the
stage's shape rather than the system's capacity:
- lengthen_ramp: a ramp is troubled while the hold right after it, at the same target, is not:
  the system copes with the load once it gets there, only not with the rate of increase (cold
  caches, connection storms, autoscaling lag). The ramp becomes 4× longer (5 s → 20 s), so the
  slope is a quarter. If the hold is troubled too, the load itself is too high: no ramp edit,
  a note says so.
- spike_to_steps: a jump to ≥ 2× the previous target that then drops back (or a stage named
  "spike") and is troubled, itself or in the stage after: the spike becomes three equal steps,
  each a ramp as long as the spike's and a hold, so the report says which level breaks.
- remove: a stage whose windows mostly saw the load generator saturated, or which skipped
  ≥ 5 % of its arrivals, in this run and in at least 2 baseline runs (and half of them): it
  measures the generator, not the system. Never on one run's evidence.

Confidence: 0.5 + 0.1 × (baseline runs showing the same pattern), at most 0.9; a removal
starts at 0.4 (it changes what the test covers).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from loadtui.contracts import (
    Evidence,
    Finding,
    RunStats,
    Stage,
    StageAdjustment,
    StageRemoval,
    StageStats,
)
from loadtui.durations import format_duration, parse_duration

BAD_ERROR_RATE = 0.05
BAD_LATENCY_FACTOR = 2.0
MIN_STAGE_REQUESTS = 20
RAMP_FACTOR = 4.0
SPIKE_FACTOR = 2.0
SPIKE_STEPS = 3
MIN_HOLD_S = 10.0
ENV_SATURATED_SHARE = 0.5
ENV_DROPPED_SHARE = 0.05
MIN_REPEATS = 2


def _typical_p95(run: RunStats) -> float | None:
    values = [s.p95_ms for s in run.stages if s.p95_ms and s.requests >= MIN_STAGE_REQUESTS]
    return statistics.median(values) if values else None


def _stage(run: RunStats, i: int) -> StageStats | None:
    return next((s for s in run.stages if s.index == i), None)


def troubled(run: RunStats, i: int) -> bool:
    s = _stage(run, i)
    if s is None or s.requests < MIN_STAGE_REQUESTS:
        return False
    if s.error_rate >= BAD_ERROR_RATE:
        return True
    ref = _typical_p95(run)
    return bool(ref and s.p95_ms and s.p95_ms >= BAD_LATENCY_FACTOR * ref)


def _confidence(repeats: int, start: float = 0.5) -> float:
    return round(min(0.9, start + 0.1 * repeats), 2)


def _nice_seconds(seconds: float) -> float:
    """Whole seconds, then multiples of 5 s past 10 s, of 30 s past 2 min."""
    step = 30.0 if seconds > 120 else 5.0 if seconds > 10 else 1.0
    return float(math.ceil(seconds / step - 1e-9) * step)


def _targets(stages: Sequence[Stage]) -> list[tuple[float, float, float]]:
    """(duration s, target at start, target at end) per stage."""
    out: list[tuple[float, float, float]] = []
    prev = 0.0
    for s in stages:
        out.append((parse_duration(s.duration), prev, float(s.target)))
        prev = float(s.target)
    return out


def _stage_evidence(tag: str, s: StageStats | None) -> list[Evidence]:
    if s is None:
        return []
    out = [Evidence(name=f"{tag} error rate", value=round(s.error_rate, 4), unit="ratio")]
    if s.p95_ms is not None:
        out.append(Evidence(name=f"{tag} p95", value=round(s.p95_ms, 2), unit="ms"))
    return out


def ramp_changes(
    stages: Sequence[Stage], run: RunStats, baseline: Sequence[RunStats]
) -> tuple[list[StageAdjustment], list[Finding]]:
    edits: list[StageAdjustment] = []
    notes: list[Finding] = []
    shape = _targets(stages)
    for i, (dur, t_from, t_to) in enumerate(shape[:-1]):
        n_to = shape[i + 1][2]
        if not (t_to > t_from and n_to == t_to and troubled(run, i)):
            continue
        label = stages[i].name or f"stage {i}"
        if troubled(run, i + 1):
            notes.append(
                Finding(
                    kind="note",
                    message=(
                        f"{label} and the hold after it both fail at {t_to:g}: the load "
                        "itself is past what the system takes, a slower ramp would not help"
                    ),
                    evidence=_stage_evidence("ramp", _stage(run, i))
                    + _stage_evidence("hold", _stage(run, i + 1)),
                )
            )
            continue
        repeats = sum(1 for b in baseline if troubled(b, i) and not troubled(b, i + 1))
        new_s = _nice_seconds(max(dur * RAMP_FACTOR, dur + 5.0))
        slope = (t_to - t_from) / dur if dur else float("inf")
        new_d = format_duration(new_s)
        edits.append(
            StageAdjustment(
                id=f"stage:{i}",
                type="lengthen_ramp",
                stage=i,
                change=f"ramp to {t_to:g} over {new_d} instead of {stages[i].duration}",
                new_stages=[Stage(duration=new_d, target=t_to, name=stages[i].name)],
                reason=(
                    f"{label} fails while the hold at the same target does not: the system "
                    f"takes {t_to:g} once there, not a climb of {slope:.3g}/s; a "
                    f"{RAMP_FACTOR:g}× longer ramp has a quarter of the slope"
                    + (f" (same pattern in {repeats} baseline run(s))" if repeats else "")
                ),
                evidence=[
                    *_stage_evidence("ramp", _stage(run, i)),
                    *_stage_evidence("hold", _stage(run, i + 1)),
                    Evidence(name="ramp slope", value=round(slope, 4), unit="per s"),
                    Evidence(
                        name="baseline runs with the same pattern", value=repeats, unit="runs"
                    ),
                ],
                confidence=_confidence(repeats),
            )
        )
    return edits, notes


def spike_changes(
    stages: Sequence[Stage], run: RunStats, baseline: Sequence[RunStats]
) -> list[StageAdjustment]:
    edits: list[StageAdjustment] = []
    shape = _targets(stages)
    for i, (dur, t_from, t_to) in enumerate(shape):
        next_to = shape[i + 1][2] if i + 1 < len(shape) else 0.0
        named = "spike" in (stages[i].name or "").lower()
        jump = t_from > 0 and t_to >= SPIKE_FACTOR * t_from
        if not (jump and (next_to < t_to or named)):
            continue
        after = i + 1 if i + 1 < len(shape) else i

        def breaks(r: RunStats) -> bool:
            return troubled(r, i) or troubled(r, after)  # noqa: B023 (used in this iteration)

        if not breaks(run):
            continue
        repeats = sum(1 for b in baseline if breaks(b))
        hold = max(MIN_HOLD_S, dur)
        new_stages: list[Stage] = []
        step = (t_to - t_from) / SPIKE_STEPS
        for k in range(1, SPIKE_STEPS + 1):
            level = round(t_from + step * k, 4)
            new_stages.append(Stage(duration=format_duration(dur), target=level))
            new_stages.append(Stage(duration=format_duration(hold), target=level))
        if stages[i].name:
            new_stages = [
                s.model_copy(update={"name": f"{stages[i].name} step {j // 2 + 1}"})
                for j, s in enumerate(new_stages)
            ]
        label = stages[i].name or f"stage {i}"
        edits.append(
            StageAdjustment(
                id=f"stage:{i}",
                type="spike_to_steps",
                stage=i,
                change=(
                    f"{label}: {t_from:g}→{t_to:g} in {stages[i].duration} as {SPIKE_STEPS} "
                    f"steps of {step:g}, each held {format_duration(hold)}"
                ),
                new_stages=new_stages,
                reason=(
                    f"the spike to {t_to:g} ({t_to / t_from:.3g}× in {stages[i].duration}) "
                    "breaks the target; steps show which level it breaks at instead of one "
                    "cliff" + (f" (it broke in {repeats} baseline run(s) too)" if repeats else "")
                ),
                evidence=[
                    *_stage_evidence("spike", _stage(run, i)),
                    *_stage_evidence("after the spike", _stage(run, after) if after != i else None),
                    Evidence(name="spike factor", value=round(t_to / t_from, 3), unit="x"),
                    Evidence(name="baseline runs where it broke", value=repeats, unit="runs"),
                ],
                confidence=_confidence(repeats),
            )
        )
    return edits


def environmental(run: RunStats, i: int) -> bool:
    """The stage measured the generator: mostly saturated windows, or skipped arrivals."""
    s = _stage(run, i)
    if s is None or not s.windows:
        return False
    saturated = s.saturated_windows / s.windows >= ENV_SATURATED_SHARE
    dropped = s.dropped >= ENV_DROPPED_SHARE * max(s.requests + s.dropped, 1)
    return saturated or dropped


def removals(
    stages: Sequence[Stage], run: RunStats, baseline: Sequence[RunStats]
) -> list[StageRemoval]:
    out: list[StageRemoval] = []
    if len(stages) < 2:
        return out
    for i in range(len(stages)):
        if not environmental(run, i):
            continue
        repeats = sum(1 for b in baseline if environmental(b, i))
        if repeats < MIN_REPEATS or repeats * 2 < len(baseline):
            continue
        s = _stage(run, i)
        assert s is not None
        label = stages[i].name or f"stage {i}"
        out.append(
            StageRemoval(
                id=f"remove:{i}",
                stage=i,
                reason=(
                    f"{label} measures the load generator, not the system: it was saturated "
                    f"or skipped arrivals in this run and in {repeats} of {len(baseline)} "
                    "baseline runs; run it from a bigger generator (or `--workers`) instead"
                ),
                evidence=[
                    Evidence(name="saturated windows", value=s.saturated_windows, unit="windows"),
                    Evidence(name="windows in the stage", value=s.windows, unit="windows"),
                    Evidence(name="arrivals skipped", value=s.dropped),
                    Evidence(name="baseline runs with the same", value=repeats, unit="runs"),
                ],
                confidence=_confidence(repeats, start=0.4),
            )
        )
    return out
