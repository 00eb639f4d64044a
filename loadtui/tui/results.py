"""What the Run pane shows when a run ends: k6's end-of-test summary, fitted to 80 columns.

Pure functions of the `RunRecord` (what summary.json holds): requests and their rate (and the
planned rate, open model), failures,
data received in SI units, sessions, the latency trends (avg, med, p90, p95, p99, max) of
`http_req_duration` (from the intended send) and `http_req_service` (from the actual send),
errors by class with an example of each, the runner's notes and the run folder. Threshold
verdicts and flags have their own panels next to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from loadtui.contracts import RunRecord
from loadtui.tui import display
from loadtui.tui.palette import style

LABEL_WIDTH = 19  # "http_req_failed ...": the dotted k6 label, then ": value"
TREND_KEYS = ("avg", "med", "p(90)", "p(95)", "p(99)", "max")
TREND_HEADS = ("avg", "med", "p90", "p95", "p99", "max")
MAX_NOTES = 2  # on the results panel; the flags panel has every one, wrapped


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    style: str = ""


def dotted(label: str, value: str) -> str:
    """k6's `http_reqs ..........: 1234` layout."""
    return f"{label} {'.' * max(LABEL_WIDTH - len(label) - 1, 2)}: {value}"


def trend_value(ms: float) -> str:
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def summary_rows(record: RunRecord) -> list[str]:
    """Counters: requests, failures, data received, sessions (or VUs)."""
    m = record.metrics
    rows: list[str] = []
    reqs = m.get("http_reqs", {})
    total = int(reqs.get("count", 0))
    planned = reqs.get("planned_rate")  # open model: what the plan asked for, over the run
    rows.append(
        dotted(
            "http_reqs",
            f"{total:,}  {reqs.get('rate', 0.0):,.1f}/s"
            + ("" if planned is None else f" (planned {planned:,.1f}/s)"),
        )
    )
    failed = m.get("http_req_failed")
    if failed is not None:
        fails = int(failed.get("passes", 0))
        rows.append(
            dotted("http_req_failed", f"{failed.get('rate', 0.0):.2%}  {fails:,} of {total:,}")
        )
    data = m.get("data_received")
    if data is not None:
        size = display.data_size(data.get("count", 0.0))
        rows.append(
            dotted("data_received", f"{size}  {display.data_size(data.get('rate', 0.0))}/s")
        )
    most = int(m.get("vus_max", {}).get("value", 0))
    if record.workload == "closed":
        if most:
            rows.append(dotted("vus_max", f"{most:,}"))
    else:
        sessions = m.get("sessions", {})
        count = int(sessions.get("count", 0))
        if count or most:
            rows.append(
                dotted(
                    "sessions",
                    f"{count:,}  {sessions.get('rate', 0.0):,.1f}/s · at most {most:,} at once",
                )
            )
    return rows


def trend_rows(record: RunRecord) -> list[str]:
    """A table of the latency trends in ms: one row each for duration and service time."""
    rows = []
    for name in ("http_req_duration", "http_req_service"):
        trend = record.metrics.get(name)
        if trend:
            cells = "".join(f"{trend_value(trend.get(k, 0.0)):>7}" for k in TREND_KEYS)
            rows.append(f"{name} {'.' * (LABEL_WIDTH - len(name) - 1)}:{cells}")
    if not rows:
        return []
    head = "latency, ms".ljust(LABEL_WIDTH + 1) + "".join(f"{h:>7}" for h in TREND_HEADS)
    return [head, *rows]


def error_lines(record: RunRecord) -> list[str]:
    """Errors by class, largest first: `errors ....: http_5xx 15 · timeout 2`."""
    counts = sorted(record.errors_by_class.items(), key=lambda kv: (-kv[1], kv[0]))
    if not counts:
        return []
    return [dotted("errors", " · ".join(f"{k} {v:,}" for k, v in counts))]


def note_lines(record: RunRecord, limit: int = MAX_NOTES) -> list[str]:
    """Error examples first (`http_5xx e.g.: ...`), then the runner's other notes."""
    examples = [n for n in record.notes if " e.g.: " in n]
    others = [n for n in record.notes if " e.g.: " not in n]
    return [f"  {n}" for n in (examples + others)[:limit]]


def shown_path(run_dir: Path, cwd: Path, room: int = 10_000) -> str:
    """The run folder relative to where loadtui runs when it is below it, else in full; cut
    on the left to `room` cells (its end, the run id, is what tells runs apart)."""
    try:
        text = f"{run_dir.relative_to(cwd)}/"
    except ValueError:
        text = f"{run_dir}/"
    return text if len(text) <= room else "…" + text[-(room - 1) :]


def results_title(record: RunRecord | None, flags: int) -> str:
    if record is None:
        return "results · the run failed"
    parts = [f"results · {record.state} · {display.clock(record.duration_s)}"]
    verdicts = record.thresholds
    if verdicts:
        held = sum(v.ok for v in verdicts)
        mark = "✓" if held == len(verdicts) else "✗"
        parts.append(f"thresholds {mark} {held} of {len(verdicts)}")
    parts.append(f"{flags} flag{'s' if flags != 1 else ''}")
    return " · ".join(parts)


def results_lines(
    record: RunRecord | None,
    run_dir: Path | None,
    cwd: Path,
    error: str | None = None,
    width: int = 76,
) -> list[Line]:
    """The results panel, a line each, for a panel `width` cells wide (the widget cuts a
    longer line with an ellipsis; the folder's path is cut on the left instead)."""
    lines: list[Line] = []
    if error:
        lines.append(Line(f"run error: {error}", style("bad", bold=True)))
    if record is None:
        if not error:
            lines.append(Line("the run failed before its first window", style("bad", bold=True)))
    else:
        found = record.breaking_point
        if found is not None:  # a breakpoint test: what it found is its result
            lines.append(Line(dotted("breaking point", found.reason), "bold"))
        lines.extend(Line(row) for row in summary_rows(record))
        trends = trend_rows(record)
        lines.extend(Line(row, "bold" if i == 0 else "") for i, row in enumerate(trends))
        lines.extend(Line(row, style("bad")) for row in error_lines(record))
        lines.extend(Line(note, "dim") for note in note_lines(record))
    if run_dir is not None:
        room = max(width - LABEL_WIDTH - 2, 12)
        lines.append(Line(dotted("saved in", shown_path(run_dir, cwd, room))))
    return lines
