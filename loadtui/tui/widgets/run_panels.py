"""Text of the Run pane's panels: threshold verdicts and generator health."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from loadtui.contracts import MetricWindow, ThresholdVerdict
from loadtui.tui import display


def verdict_value(verdict: ThresholdVerdict) -> str:
    if verdict.value is None:
        return "·"
    if verdict.metric.startswith(("http_req_duration", "iteration_duration")):
        return display.millis(verdict.value)
    if verdict.metric.startswith(("http_req_failed", "checks")) or "rate" in verdict.expression:
        return display.percent(verdict.value, 1)
    return f"{verdict.value:,.2f}"


def short_metric(metric: str) -> str:
    """`http_req_duration{scenario:api}` → `duration{scenario:api}` to fit 40 columns."""
    return metric.removeprefix("http_req_")


def thresholds_table(
    verdicts: list[ThresholdVerdict], plan_thresholds: dict[str, list[str]]
) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(width=1)
    table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column(justify="right", no_wrap=True)
    if verdicts:
        for v in verdicts:
            mark = Text(
                "·" if v.value is None else ("✓" if v.ok else "✗"),
                style=("dim" if v.value is None else ("bold green" if v.ok else "bold red")),
            )
            table.add_row(mark, f"{short_metric(v.metric)} {v.expression}", verdict_value(v))
    else:
        for metric, expressions in plan_thresholds.items():
            for expression in expressions:
                table.add_row(Text("·", style="dim"), f"{short_metric(metric)} {expression}", "")
    if table.row_count == 0:
        table.add_row("", Text("no thresholds in this plan", style="dim"), "")
    return table


def generator_line(w: MetricWindow, workers: int) -> str:
    cpu = max(w.worker_cpu, default=0.0)
    parts = [
        f"generator CPU {cpu:.0%}",
        f"{workers} worker{'s' if workers != 1 else ''}",
        f"in flight {w.in_flight:,}",
        f"lag p99 {display.millis(w.send_lag_ms.p99)}",
    ]
    if w.dropped:
        parts.append(f"dropped {w.dropped:,}")
    return " · ".join(parts)
