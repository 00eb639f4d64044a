"""The regression verdicts as a rich Table that reads at 80 columns (CLI; the History pane can
show the same).

Route and stage names come from logs: they go in as `Text` (never parsed as markup) and through
the printable filter, so a route like `/[red]x` or one holding control bytes prints as itself.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from loadtui.contracts import MetricComparison, RegressionReport, RegressionRow
from loadtui.ingest.fields import printable_excerpt

NAME_WIDTH = 24
_STYLE = {"regression": "bold red", "improvement": "green", "noise": ""}


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _p95_cell(m: MetricComparison) -> str:
    return f"{_ms(m.baseline.center)} → {_ms(m.candidate.center)}"


def _change_cell(m: MetricComparison) -> str:
    if not m.tested or m.change is None:
        return "–"
    return f"{m.change * 100:+.0f}%"


def _p_cell(m: MetricComparison) -> str:
    if not m.tested or m.p_value is None:
        return "–"
    return f"{m.p_value:.0e}" if m.p_value < 0.001 else f"{m.p_value:.3f}"


def _err_cell(m: MetricComparison) -> str:
    if m.baseline.center is None or m.candidate.center is None:
        return "–"
    return f"{m.baseline.center * 100:.1f}→{m.candidate.center * 100:.1f}%"


def verdict_table(report: RegressionReport) -> Table:
    """One line per scope: verdict, p95 baseline → run (ms), its change and p, error rates."""
    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    table.add_column("scope", no_wrap=True)
    table.add_column("name", no_wrap=True, overflow="ellipsis", max_width=NAME_WIDTH)
    table.add_column("verdict", no_wrap=True)
    table.add_column("p95 ms", no_wrap=True, justify="right")
    table.add_column("Δp95", no_wrap=True, justify="right")
    table.add_column("p", no_wrap=True, justify="right")
    table.add_column("errors", no_wrap=True, justify="right")
    rows: list[RegressionRow] = [report.overall, *report.routes, *report.stages]
    for row in rows:
        table.add_row(
            row.scope,
            Text(printable_excerpt(row.name, 200)),
            Text(row.verdict, style=_STYLE[row.verdict]),
            _p95_cell(row.p95),
            _change_cell(row.p95),
            _p_cell(row.p95),
            _err_cell(row.errors),
        )
    return table
