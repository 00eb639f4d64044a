"""What the Run pane shows before a start: the plan that would run, as a table and a chart.

Pure functions of a `TestPlan`: the stage table (length, planned requests/s and sessions/s for
the open model, VUs for the closed one), a block chart of the planned rate over time, and the
summary lines (peak and where it came from, workload, target, workers). At 80×24 the table
holds `MAX_STAGE_ROWS` rows: a long stress plan shows each ramp with the step it leads to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from loadtui.contracts import TestPlan
from loadtui.durations import format_duration, parse_duration
from loadtui.tui import display

MAX_STAGE_ROWS = 10  # with 3 summary lines and a header: a 16-row pane at 80×24
NAME_WIDTH = 16
BLOCKS = " ▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class StageRow:
    shape: str  # ↗ up to the target, ↘ down to it, → hold
    name: str
    length: str
    rps: str  # planned requests/s at the end of the stage (open model; "" for closed)
    rate: str  # sessions/s (open) or VUs (closed) at the end of the stage


@dataclass(frozen=True, slots=True)
class Span:
    """One stage, or a ramp and the hold it leads to: seconds, rate at its start and end."""

    name: str
    seconds: float
    start: float
    end: float


@dataclass(frozen=True)
class PlanPreview:
    title: str
    lines: tuple[str, ...]  # peak, workload, target and workers
    header: StageRow
    rows: tuple[StageRow, ...]
    profile: tuple[tuple[float, float], ...]  # (t, planned req/s or VUs) at each corner
    unit: str  # the chart's: "req/s" or "VUs"


def is_closed(plan: TestPlan) -> bool:
    return plan.workload.model == "closed"


def stage_spans(plan: TestPlan) -> list[Span]:
    """Each stage as (name, seconds, start, end) in the plan's own unit (k6: a stage ramps
    from the previous stage's target, 0 before the first)."""
    spans: list[Span] = []
    previous = 0.0
    for i, stage in enumerate(plan.stages):
        name = stage.name or f"stage {i + 1}"
        spans.append(Span(name, parse_duration(stage.duration), previous, stage.target))
        previous = stage.target
    return spans


def merge_ramps(spans: Sequence[Span]) -> list[Span]:
    """A ramp followed by a hold at its target becomes one row named after the hold."""
    out: list[Span] = []
    i = 0
    while i < len(spans):
        span = spans[i]
        after = spans[i + 1] if i + 1 < len(spans) else None
        if after is not None and span.start != span.end and after.start == after.end:
            out.append(Span(after.name, span.seconds + after.seconds, span.start, after.end))
            i += 2
        else:
            out.append(span)
            i += 1
    return out


def fit_spans(spans: Sequence[Span], max_rows: int) -> list[Span]:
    """At most `max_rows` rows: ramps merged into their steps first, then the rest in one."""
    rows = list(spans)
    if len(rows) > max_rows:
        rows = merge_ramps(rows)
    if len(rows) > max_rows:
        kept, rest = rows[: max_rows - 1], rows[max_rows - 1 :]
        more = Span(
            f"… {len(rest)} more",
            sum(s.seconds for s in rest),
            rest[0].start,
            rest[-1].end,
        )
        rows = [*kept, more]
    return rows


def request_rate(rps: float) -> str:
    """Planned requests/s: 1,500, 75, 5.0 (rounded first: 5 sessions/s × 20.0 is 100, not
    99.99999 shown as "100.0")."""
    rps = round(rps, 6)
    return f"{rps:,.0f}" if rps >= 10 else f"{rps:.1f}"


def _shape(span: Span) -> str:
    if span.end > span.start:
        return "↗"
    if span.end < span.start:
        return "↘"
    return "→"


def _name(name: str) -> str:
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"


def stage_rows(plan: TestPlan, max_rows: int = MAX_STAGE_ROWS) -> list[StageRow]:
    """The stage table's rows: length, planned req/s and sessions/s (open) or VUs (closed)."""
    closed = is_closed(plan)
    per_session = plan.workload.mean_requests_per_session
    rows = []
    for span in fit_spans(stage_spans(plan), max_rows):
        if closed:
            rps, rate = "", f"{span.end:,.0f}"
        elif span.end == 0:
            rps, rate = "0", "0"
        else:
            rps, rate = request_rate(span.end * per_session), display.fine_rate(span.end)
        length = format_duration(span.seconds) if span.seconds >= 1 else f"{span.seconds:g}s"
        rows.append(StageRow(_shape(span), _name(span.name), length, rps, rate))
    return rows


def header_row(plan: TestPlan) -> StageRow:
    if is_closed(plan):
        return StageRow(" ", "stage", "length", "", "VUs")
    return StageRow(" ", "stage", "length", "req/s", "sess/s")


def rate_profile(plan: TestPlan) -> list[tuple[float, float]]:
    """Corners of the planned rate over time, in req/s (open) or VUs (closed), from (0, 0)."""
    scale = 1.0 if is_closed(plan) else plan.workload.mean_requests_per_session
    points = [(0.0, 0.0)]
    t = 0.0
    for span in stage_spans(plan):
        t += span.seconds
        points.append((t, span.end * scale))
    return points


def _peak_between(points: Sequence[tuple[float, float]], a: float, b: float) -> float:
    """The highest value of the piecewise-linear profile on [a, b]."""
    best = 0.0
    for (t0, v0), (t1, v1) in pairwise(points):
        if t1 < a or t0 > b:
            continue
        if t1 == t0:  # a zero-length stage: a jump
            best = max(best, v0, v1)
            continue
        for t in (max(a, t0), min(b, t1)):
            best = max(best, v0 + (v1 - v0) * (t - t0) / (t1 - t0))
    return best


def chart_label(value: float, unit: str) -> str:
    return f"{value:,.0f}" if unit == "VUs" else request_rate(value)


def chart_lines(
    points: Sequence[tuple[float, float]], width: int, height: int, unit: str
) -> list[str]:
    """A block chart of the profile, `height` lines of `width` cells: the y axis labelled with
    the top value and 0, the last line the time axis. Each column shows the highest planned
    value in its slice of time, so a short spike is never averaged away."""
    if height < 2 or not points:
        return []
    total = points[-1][0]
    top = max(v for _, v in points)
    top_label = chart_label(top, unit)
    label_width = max(len(top_label), 1)
    plot = width - label_width - 2
    rows = height - 1
    if plot < 4 or total <= 0:
        return []
    levels = []
    for c in range(plot):
        value = _peak_between(points, total * c / plot, total * (c + 1) / plot)
        level = round(value / top * rows * 8) if top > 0 else 0
        levels.append(max(level, 1) if value > 0 else 0)
    lines = []
    for r in range(rows):
        base = (rows - 1 - r) * 8
        cells = "".join(BLOCKS[min(max(level - base, 0), 8)] for level in levels)
        if r == 0:
            label, axis = top_label, "┤"
        elif r == rows - 1:
            label, axis = "0", "┤"
        else:
            label, axis = "", "│"
        lines.append(f"{label:>{label_width}} {axis}{cells}")
    start, end = display.clock(0), display.clock(total)
    axis_line = " " * (label_width + 2) + start + end.rjust(plot - len(start))
    lines.append(axis_line[:width])
    return lines


def table_line(row: StageRow) -> str:
    """One row of the stage table: 41 cells, the chart takes the rest of the width."""
    return f"{row.shape} {row.name:<{NAME_WIDTH}} {row.length:>6} {row.rps:>7} {row.rate:>7}"


def plan_peak_text(plan: TestPlan) -> str:
    """A prepared plan's peak, from its own stages."""
    top = max((s.target for s in plan.stages), default=0.0)
    if is_closed(plan):
        return f"peak {top:,.0f} VUs (as the plan says)"
    rps = top * plan.workload.mean_requests_per_session
    return f"peak {request_rate(rps)} req/s (as the plan says)"


def preview(
    plan: TestPlan,
    *,
    title: str,
    peak: str,
    target: str,
    workers: int | None,
    cores: int,
    mean_session_s: float | None = None,
) -> PlanPreview:
    """Everything the plan view shows, as text. `workers` None: one per core (`cores`)."""
    closed = is_closed(plan)
    if closed:
        workload = "closed model: each VU loops sessions, think times as profiled"
    else:
        per = plan.workload.mean_requests_per_session
        workload = f"open model · {per:.1f} requests a session"
        if mean_session_s is not None and mean_session_s >= 1:  # worth reading: Little's law
            workload += f", ~{display.duration(mean_session_s)} each"
    count = workers or cores
    who = f"{count} worker{'s' if count != 1 else ''}"
    return PlanPreview(
        title=title,
        lines=(peak, workload, f"{who} → {target}"),
        header=header_row(plan),
        rows=tuple(stage_rows(plan)),
        profile=tuple(rate_profile(plan)),
        unit="VUs" if closed else "req/s",
    )
