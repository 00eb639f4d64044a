"""What the History pane shows: one row per indexed run, and a comparison of two as text.

Pure functions of `store.history.RunRow` and `contracts.RegressionReport`, so the screen only
lays them out and the tests read them without an app. Plan names and run ids can come from
imported files: they are returned as `Text` (never parsed as markup).
"""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from loadtui.contracts import MetricComparison, RegressionReport, RegressionRow
from loadtui.safe_text import clean, plain
from loadtui.store.history import RunRow
from loadtui.tui import display
from loadtui.tui.palette import style

# widths + one cell of padding each side: 59 + 18 = 77 columns, inside the pane at 80
COLUMNS: tuple[tuple[str, int], ...] = (
    ("", 1),  # ★ baseline
    ("when", 11),
    ("plan", 12),
    ("src", 3),
    ("req/s", 6),
    ("p95", 8),
    ("err", 6),
    ("state", 9),
    ("thr", 3),
)
SOURCE_SHORT = {"loadtui": "lt", "k6": "k6", "locust": "lc"}


def verdict_style(verdict: str) -> str:
    """A comparison's verdict in the theme's bad/good colours ("noise" unstyled)."""
    return {"regression": style("bad", bold=True), "improvement": style("good")}.get(verdict, "")


def when(started: str) -> str:
    """`12-07 01:23` in local time: the day and minute a person recognises a run by."""
    try:
        ts = datetime.fromisoformat(started)
    except ValueError:
        return started[:11]
    return ts.astimezone().strftime("%m-%d %H:%M")


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def run_cells(row: RunRow) -> tuple[Text, ...]:
    """The table cells of one run (right-aligned numbers, styled state and verdict)."""
    state_style = {"complete": "", "interrupted": style("warn")}.get(row.state, style("bad"))
    verdict = {"pass": ("✓", style("good")), "fail": ("✗", style("bad", bold=True))}.get(
        row.verdict, ("–", "dim")
    )
    return (
        Text("★" if row.baseline else " ", style=style("mark", bold=True)),
        Text(when(row.started)),
        Text(clip(clean(row.plan or "–"), COLUMNS[2][1])),
        Text(SOURCE_SHORT.get(row.source, row.source[:3])),
        Text(display.rate(row.rps), justify="right"),
        Text("–" if row.p95 is None else display.millis(row.p95), justify="right"),
        Text(display.percent(row.error_rate, 1), justify="right"),
        Text(row.state, style=state_style),
        Text(verdict[0], style=verdict[1]),
    )


def run_summary(row: RunRow) -> list[Text]:
    """The detail lines of one run: where it went, how much, where its folder is."""
    return [
        Text.assemble(("run ", "dim"), clean(row.run_id), ("  ", ""), (row.state, "bold")),
        Text.assemble(
            ("plan ", "dim"), clean(row.plan or "–"), ("  target ", "dim"), clean(row.target or "–")
        ),
        Text.assemble(
            ("requests ", "dim"),
            f"{row.requests:,}",
            ("  rate ", "dim"),
            f"{display.rate(row.rps)}/s",
            ("  p95 ", "dim"),
            "–" if row.p95 is None else display.millis(row.p95),
            ("  errors ", "dim"),
            display.percent(row.error_rate, 2),
        ),
        Text.assemble(
            ("source ", "dim"),
            row.source,
            ("  baseline ", "dim"),
            "yes" if row.baseline else "no",
            ("  folder ", "dim"),
            clean(row.path or "–"),
        ),
    ]


def _metric(c: MetricComparison) -> str:
    """`39.6→59.6 ms +51%` / `0.1→2.4% +2.3pt`: both sides and the change, in few columns."""
    base, cand = c.baseline.center, c.candidate.center
    if base is None or cand is None:
        return "untested"
    if c.metric == "p95_ms":
        change = "" if c.change is None else f" {c.change:+.0%}"
        return f"{base:.1f}→{cand:.1f} ms{change}"
    return f"{100 * base:.1f}→{100 * cand:.1f}% {100 * (cand - base):+.1f}pt"


def row_line(row: RegressionRow, width: int = 16) -> Text:
    """`GET /products/{id} regression  p95 20.1→26.0 ms +29% · err 0.0→0.0% +0.0pt` (≤ 78)."""
    return Text.assemble(
        (clip(clean(row.name), width).ljust(width), ""),
        (f" {row.verdict:<11}", verdict_style(row.verdict)),
        (f" p95 {_metric(row.p95)}", ""),
        (f" · err {_metric(row.errors)}", "dim"),
    )


def comparison_lines(report: RegressionReport, *, max_rows: int = 6) -> list[Text]:
    """The verdict first, then the scopes that moved (regressions before improvements)."""
    head = Text.assemble(
        ("verdict ", "dim"),
        (report.verdict, verdict_style(report.verdict) or "bold"),
        ("  ", ""),
        (clean(f"{', '.join(report.candidate_runs)} vs {', '.join(report.baseline_runs)}"), "dim"),
    )
    lines = [head, row_line(report.overall)]
    order = {"regression": 0, "improvement": 1, "noise": 2}
    moved = sorted(
        (r for r in report.routes + report.stages if r.verdict != "noise"),
        key=lambda r: order[r.verdict],
    )
    lines.extend(row_line(r) for r in moved[:max_rows])
    if len(moved) > max_rows:
        lines.append(Text(f"… {len(moved) - max_rows} more moved", style="dim"))
    if not moved:
        lines.append(Text("no route or stage moved beyond noise", style="dim"))
    lines.extend(plain(note, style="dim italic") for note in report.notes[:2])
    return lines
