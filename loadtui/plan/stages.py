"""k6-style stages for each kind of test, shaped the way performance engineers write them.

Stages follow k6 semantics: each one ramps linearly from the previous stage's target (0 before
the first) to its own `target` over its `duration`. A plateau is therefore a stage whose target
equals the previous one, and a step is a short ramp followed by a hold. Targets are in the
plan's rate unit: session arrivals per second (open model) or VUs (closed model); `closed`
targets are whole VUs.

All functions are pure: (peak, total duration) in, a list of `Stage` out, durations summing
exactly to the total. A breakpoint test's ramp goes far past the peak: it is meant to end at
the plan's stop conditions (`breakpoint.until`), not at its last stage.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from loadtui.contracts import Stage
from loadtui.durations import format_duration, parse_duration

PLAN_TYPES = ("smoke", "load", "stress", "spike", "soak", "breakpoint")
DEFAULT_DURATION_S = {
    "smoke": 60,
    "load": 300,
    "stress": 480,
    "spike": 180,
    "soak": 3600,
    "breakpoint": 600,
}
RAMPS = ("linear", "steps")
SPIKE_FACTOR = 5.0
BREAKPOINT_FACTOR = 10.0  # a breakpoint test ramps to 10× the expected peak (stress's top step)
BREAKPOINT_STEPS = 10
STRESS_MULTIPLIERS = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
MIN_STEP_S = 90  # a stress step shorter than this has too little steady part to read
MIN_DURATION_S = 10


def _allocate(total_s: int, fractions: Sequence[float], absorb: int) -> list[int]:
    """Whole-second durations in proportion to `fractions`, each ≥ 1 s, summing to total_s.

    Rounding error goes to stage `absorb` (a hold: a few seconds more or less there do not
    change what the test means).
    """
    out = [max(1, round(total_s * f)) for f in fractions]
    out[absorb] += total_s - sum(out)
    if out[absorb] < 1:  # a very short total: shave the longest others
        while out[absorb] < 1:
            j = max((i for i in range(len(out)) if i != absorb), key=lambda i: out[i])
            if out[j] <= 1:
                break
            out[j] -= 1
            out[absorb] += 1
    return out


def _target(value: float, closed: bool) -> float:
    if closed:
        return float(max(1, math.ceil(value - 1e-9))) if value > 0 else 0.0
    return round(value, 4)


def _stages(
    total_s: int,
    shape: Sequence[tuple[str, float, float]],
    absorb: int,
    peak: float,
    closed: bool,
) -> list[Stage]:
    """shape: (name, fraction of the total, multiple of peak) per stage."""
    durations = _allocate(total_s, [f for _, f, _ in shape], absorb)
    return [
        Stage(duration=format_duration(d), target=_target(peak * mult, closed), name=name)
        for (name, _, mult), d in zip(shape, durations, strict=True)
    ]


def _factor_name(factor: float) -> str:
    return f"{factor:g}"


def smoke(peak: float, total_s: int, *, closed: bool = False) -> list[Stage]:
    """A sanity check at a trickle: 1–2 VUs, or about one session per second at most."""
    level = min(2.0, max(1.0, peak * 0.05)) if closed else min(max(peak, 0.05), 1.0)
    ramp = min(5, max(1, total_s // 10))
    return [
        Stage(duration=format_duration(ramp), target=_target(level, closed), name="ramp"),
        Stage(duration=format_duration(total_s - ramp), target=_target(level, closed), name="hold"),
    ]


def load(
    peak: float, total_s: int, *, closed: bool = False, spike: float = SPIKE_FACTOR
) -> list[Stage]:
    """Ramp to the peak, hold, a short ×spike burst, recover at the peak, ramp down."""
    shape = [
        ("ramp", 0.20, 1.0),
        ("hold", 0.40, 1.0),
        (f"spike ×{_factor_name(spike)}", 0.04, spike),
        ("recover", 0.04, 1.0),
        ("hold after spike", 0.22, 1.0),
        ("ramp-down", 0.10, 0.0),
    ]
    return _stages(total_s, shape, 1, peak, closed)


def stress(peak: float, total_s: int, *, closed: bool = False) -> list[Stage]:
    """A low-load baseline, then steps ×1, ×1.5, ×2, ×3 … of the peak, then a ramp-down.

    Each step is a short ramp and a hold, long enough for steady windows, so latency vs load
    can be read per step; the number of steps grows with the duration (3 to 9).
    """
    baseline_f, down_f = 0.08, 0.04
    steps_s = total_s * (1 - baseline_f - down_f)
    n = int(min(len(STRESS_MULTIPLIERS), max(3, steps_s // MIN_STEP_S)))
    per_step = (1 - baseline_f - down_f) / n
    shape: list[tuple[str, float, float]] = [("baseline", baseline_f, 0.1)]
    for mult in STRESS_MULTIPLIERS[:n]:
        shape.append((f"ramp ×{_factor_name(mult)}", per_step * 0.2, mult))
        shape.append((f"step ×{_factor_name(mult)}", per_step * 0.8, mult))
    shape.append(("ramp-down", down_f, 0.0))
    return _stages(total_s, shape, len(shape) - 2, peak, closed)


def spike(
    peak: float, total_s: int, *, closed: bool = False, factor: float = SPIKE_FACTOR
) -> list[Stage]:
    """Normal load, a sudden ×factor surge held briefly, a drop back, and watch the recovery."""
    name = f"spike ×{_factor_name(factor)}"
    shape = [
        ("ramp", 0.10, 1.0),
        ("baseline", 0.20, 1.0),
        (name, 0.03, factor),
        ("spike hold", 0.12, factor),
        ("recover", 0.03, 1.0),
        ("hold", 0.40, 1.0),
        ("ramp-down", 0.12, 0.0),
    ]
    return _stages(total_s, shape, 5, peak, closed)


def soak(peak: float, total_s: int, *, closed: bool = False) -> list[Stage]:
    """A long hold at ~80% of the peak: leaks and slow drifts show up over time, not load."""
    shape = [("ramp", 0.05, 0.8), ("hold", 0.90, 0.8), ("ramp-down", 0.05, 0.0)]
    return _stages(total_s, shape, 1, peak, closed)


def breakpoint(
    peak: float,
    total_s: int,
    *,
    closed: bool = False,
    factor: float = BREAKPOINT_FACTOR,
    ramp: str = "linear",
) -> list[Stage]:
    """From 0 up to ×factor of the expected peak over the whole duration, no ramp-down: the
    run is meant to stop at its breaking point (the plan's stop conditions), not here.

    `linear` (k6's breakpoint test) is one straight ramp, cut into ten equal stages named by
    the multiple of the peak each one reaches ("ramp to ×4"), so the last good stage says where
    the target stood; `steps` climbs in ten steps, each a short ramp and a hold ("step ×4"),
    for steady windows at every level.
    """
    if ramp not in RAMPS:
        raise ValueError(f"unknown ramp {ramp!r}; choose one of {', '.join(RAMPS)}")
    mults = [factor * (i + 1) / BREAKPOINT_STEPS for i in range(BREAKPOINT_STEPS)]
    shape: list[tuple[str, float, float]] = []
    share = 1.0 / BREAKPOINT_STEPS
    for mult in mults:
        if ramp == "linear":
            shape.append((f"ramp to ×{_factor_name(mult)}", share, mult))
        else:
            shape.append((f"ramp to ×{_factor_name(mult)}", share * 0.2, mult))
            shape.append((f"step ×{_factor_name(mult)}", share * 0.8, mult))
    return _stages(total_s, shape, len(shape) - 1, peak, closed)


def replay_hours(
    peak: float, total_s: int, hourly: Sequence[float], *, closed: bool = False
) -> list[Stage]:
    """The model's 24-hour shape compressed into total_s: one stage per hour, peak hour = peak.

    Each stage ramps from the previous hour's level to this hour's, so the day's curve is
    traced piecewise-linearly; a final short ramp-down ends the run.
    """
    if len(hourly) != 24 or max(hourly, default=0) <= 0:
        raise ValueError("the model has no hour-of-day profile to replay")
    top = max(hourly)
    down = max(1, round(total_s * 0.02))
    per_hour = _allocate(total_s - down, [1 / 24] * 24, 23)
    out = [
        Stage(
            duration=format_duration(d),
            target=_target(peak * hourly[h] / top, closed),
            name=f"hour {h:02d}",
        )
        for h, d in enumerate(per_hour)
    ]
    out.append(Stage(duration=format_duration(down), target=0.0, name="ramp-down"))
    return out


def make_stages(
    plan_type: str,
    peak: float,
    total_s: float,
    *,
    closed: bool = False,
    hourly: Sequence[float] | None = None,
    ramp: str = "linear",
) -> list[Stage]:
    """Stages for a plan type; `hourly` replays the day's shape instead (load and soak only);
    `ramp` shapes a breakpoint test (linear or steps)."""
    if plan_type not in PLAN_TYPES:
        raise ValueError(f"unknown test type {plan_type!r}; choose one of {', '.join(PLAN_TYPES)}")
    if not peak > 0:
        raise ValueError(f"the peak must be > 0 (got {peak})")
    whole = round(total_s)
    if whole < MIN_DURATION_S:
        raise ValueError(f"the duration must be at least {MIN_DURATION_S}s (got {total_s:g}s)")
    if hourly is not None:
        if plan_type not in ("load", "soak"):
            raise ValueError("replaying hours of the day fits load and soak tests only")
        level = 0.8 if plan_type == "soak" else 1.0
        return replay_hours(peak * level, whole, hourly, closed=closed)
    if plan_type == "smoke":
        return smoke(peak, whole, closed=closed)
    if plan_type == "load":
        return load(peak, whole, closed=closed)
    if plan_type == "stress":
        return stress(peak, whole, closed=closed)
    if plan_type == "spike":
        return spike(peak, whole, closed=closed)
    if plan_type == "breakpoint":
        return breakpoint(peak, whole, closed=closed, ramp=ramp)
    return soak(peak, whole, closed=closed)


def total_seconds(stages: Sequence[Stage]) -> float:
    return sum(parse_duration(s.duration) for s in stages)
