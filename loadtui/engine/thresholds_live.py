"""k6 thresholds judged live over the run's cumulative metrics.

Expressions are k6's: `<aggregation> <op> <number>` on a metric, optionally a submetric
(`http_req_duration{scenario:casual_browser}`), e.g. `p(95)<500`, `rate<0.01`, `count>100`.
A trailing `abortOnFail` (optionally `abortOnFail=30s` for k6's delayAbortEval) stops the run
when that threshold fails; aborts are only honoured after the plan's `limits.abort_grace` (or
the expression's own delay), so a cold start does not abort a run. As in k6, verdicts are over
everything seen so far, and trend values are in milliseconds.
`http_req_duration` is the latency from the *intended* send time (corrected for coordinated
omission); `http_req_service` is from the actual send, k6's own definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from loadtui.contracts import ThresholdVerdict
from loadtui.engine.metrics import RunTotals
from loadtui.errors import UserError
from loadtui.plan import thresholds as k6

# What the engine measures, by k6 metric type; a threshold on anything else cannot be judged.
TRENDS = ("http_req_duration", "http_req_service", "http_req_send_lag")
RATES = ("http_req_failed",)
COUNTERS = ("http_reqs", "iterations", "data_received", "dropped_iterations", "sessions")
GAUGES = ("vus", "vus_max")


@dataclass(frozen=True)
class Threshold:
    """A plan threshold bound to the engine metric it reads (parsing is the plan stage's)."""

    key: str  # the metric as written in the plan
    metric: str
    tags: Mapping[str, str]
    parsed: k6.Threshold

    @property
    def expression(self) -> str:
        return self.parsed.source

    @property
    def aggregation(self) -> str:
        return self.parsed.aggregation


def parse_threshold(key: str, expression: str) -> Threshold:
    """Parse with the plan's k6 grammar, then check the engine can measure that metric."""
    try:
        name, tags = k6.parse_metric_key(key)
        parsed = k6.parse_threshold(expression)
        k6.check_metric(key, parsed)
    except ValueError as exc:
        raise UserError(f"threshold on {key}: {exc}") from exc
    if name not in TRENDS + RATES + COUNTERS + GAUGES:
        known = ", ".join(TRENDS + RATES + COUNTERS + GAUGES)
        raise UserError(f"threshold on unknown metric {name!r}; known metrics: {known}")
    return Threshold(key=key, metric=name, tags=tags, parsed=parsed)


def metric_value(totals: RunTotals, th: Threshold, elapsed_s: float) -> float | None:
    """The threshold's aggregation over the run so far; None when there is no data yet."""
    d = max(elapsed_s, 1e-9)
    if th.metric in TRENDS:
        h = totals.trend_hist(th.metric, dict(th.tags))
        if h is None or not h.count:
            return None
        if th.aggregation == "p":
            assert th.parsed.percentile is not None
            return h.percentile_ms(th.parsed.percentile)
        return {
            "avg": h.mean_ms,
            "min": h.min_ms,
            "max": h.max_ms,
            "med": lambda: h.percentile_ms(50),
        }[th.aggregation]()
    if th.metric == "http_req_failed":
        requests, errors = totals.requests, totals.errors
        if "scenario" in th.tags:
            acc = totals.scenarios.get(th.tags["scenario"])
            requests, errors = (acc.requests, acc.errors) if acc else (0, 0)
        elif "name" in th.tags or "route" in th.tags:
            acc = totals.routes.get(th.tags.get("name") or th.tags.get("route", ""))
            requests, errors = (acc.requests, acc.errors) if acc else (0, 0)
        return errors / requests if requests else None
    if th.metric in COUNTERS:
        count = {
            "http_reqs": totals.requests,
            "iterations": totals.iterations,
            "data_received": totals.bytes_in,
            "dropped_iterations": totals.dropped,
            "sessions": totals.sessions_started,
        }[th.metric]
        return float(count) if th.aggregation == "count" else count / d
    return float(totals.active_max)


class LiveThresholds:
    def __init__(self, spec: Mapping[str, Sequence[str]], abort_grace_s: float = 0.0) -> None:
        self.items = [parse_threshold(k, e) for k, exprs in spec.items() for e in exprs]
        self.abort_grace_s = abort_grace_s

    def verdicts(self) -> list[ThresholdVerdict]:
        """Before any data: every threshold holds (k6 shows them pending as passing)."""
        return [
            ThresholdVerdict(
                metric=t.key,
                expression=t.expression,
                ok=True,
                abort_on_fail=t.parsed.abort_on_fail,
            )
            for t in self.items
        ]

    def evaluate(
        self, totals: RunTotals, elapsed_s: float, *, final: bool = False
    ) -> tuple[list[ThresholdVerdict], bool]:
        """(verdicts, abort): abort when an abortOnFail threshold failed after its grace."""
        out: list[ThresholdVerdict] = []
        abort = False
        for t in self.items:
            value = metric_value(totals, t, elapsed_s)
            ok = True if value is None else k6.OPS[t.parsed.op](value, t.parsed.value)
            out.append(
                ThresholdVerdict(
                    metric=t.key,
                    expression=t.expression,
                    ok=ok,
                    value=None if value is None else round(value, 6),
                    abort_on_fail=t.parsed.abort_on_fail,
                )
            )
            own_delay = t.parsed.delay_abort_eval_s
            delay = own_delay if own_delay is not None else self.abort_grace_s
            if not ok and t.parsed.abort_on_fail and not final and elapsed_s >= delay:
                abort = True
        return out, abort
