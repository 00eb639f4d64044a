"""Text of the Run pane's panels: threshold verdicts and generator health."""

from __future__ import annotations

from loadtui.contracts import MetricWindow, ThresholdVerdict
from loadtui.tui import display
from loadtui.tui.palette import style


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


ThresholdRow = tuple[str, str, str, str]  # mark, its style, "metric expression", value


def threshold_rows(
    verdicts: list[ThresholdVerdict], plan_thresholds: dict[str, list[str]]
) -> list[ThresholdRow]:
    """The panel's rows as plain strings, so the screen redraws the table only when they change."""
    if verdicts:
        return [
            (
                "·" if v.value is None else ("✓" if v.ok else "✗"),
                "dim" if v.value is None else style("good" if v.ok else "bad", bold=True),
                f"{short_metric(v.metric)} {v.expression}",
                verdict_value(v),
            )
            for v in verdicts
        ]
    return [
        ("·", "dim", f"{short_metric(metric)} {expression}", "")
        for metric, expressions in plan_thresholds.items()
        for expression in expressions
    ]


def stop_rows(until: dict[str, list[str]]) -> list[ThresholdRow]:
    """A breakpoint test's stop conditions, for the thresholds panel (it has no thresholds:
    its result is where it stops). Empty `until`: the planner's defaults."""
    if not until:
        return [("■", "dim", "stop: the default conditions", "")]
    return [
        ("■", "dim", f"stop if {short_metric(metric)} {expression}", "")
        for metric, expressions in until.items()
        for expression in expressions
    ]


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
