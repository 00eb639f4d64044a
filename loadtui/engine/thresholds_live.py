"""k6 thresholds judged live over the run's cumulative metrics.

Expressions are k6's: `<aggregation> <op> <number>` on a metric, optionally a submetric
(`http_req_duration{scenario:casual_browser}`), e.g. `p(95)<500`, `rate<0.01`, `count>100`.
A trailing `abortOnFail` (optionally `abortOnFail=30s` for k6's delayAbortEval) stops the run
when that threshold fails; aborts are only honoured after the plan's `limits.abort_grace` (or
the expression's own delay), so a cold start does not abort a run. As in k6, verdicts are over
everything seen so far, and trend values are in milliseconds.
`http_req_duration` is the latency from the *intended* send time (corrected for coordinated
omission); `http_req_service` is from the actual send, k6's own definition.

A breakpoint test's stop conditions (`BreakpointWatch`) are judged differently, over the last
`breakpoint.window` seconds of merged windows: run totals would dilute a break that comes late
in a long ramp (after 9 good minutes, a minute of 30 % errors is still under 5 % overall). A
condition stops the run once it held for `breakpoint.hold` in a row; with `hold` ≥ `window`
one bad window, which stays in the sliding window for `window` seconds, cannot stop it alone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from loadtui.contracts import BreakingPoint, Breakpoint, MetricWindow, TestPlan, ThresholdVerdict
from loadtui.durations import format_duration, parse_duration
from loadtui.engine.histogram import LatencyHistogram
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
        # a breakpoint test's stop conditions, bound by `breakpoint_watch` (None: the plan has none)
        self.breakpoint: BreakpointWatch | None = None
        self._breakpoint_bound = False

    def breakpoint_watch(self, plan: TestPlan) -> BreakpointWatch | None:
        """The plan's stop conditions, bound on first use; UserError for one that cannot be
        judged (the live-run service calls this before a run starts, so that is exit 2)."""
        if not self._breakpoint_bound:
            self.breakpoint = BreakpointWatch.for_plan(plan)
            self._breakpoint_bound = True
        return self.breakpoint

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


# -- a breakpoint test's stop conditions ----------------------------------------------------------

MIN_REQUESTS = 50  # fewer answered requests in a span: no verdict on its error rate or latency
_EPS = 1e-6


@dataclass(frozen=True)
class StopCondition:
    """One `breakpoint.until` entry bound to what a merged window carries."""

    key: str
    metric: str
    tags: Mapping[str, str]
    parsed: k6.Threshold

    @property
    def label(self) -> str:
        return k6.until_label(self.key, self.parsed.expression)


@dataclass
class _Seen:
    """One merged window as the watch keeps it: its answered req/s averaged over the watch
    window ending here, and its latency histograms once decoded."""

    window: MetricWindow
    sustained: float
    hists: dict[str, LatencyHistogram | None] = field(default_factory=dict)

    @property
    def t(self) -> float:
        return self.window.t

    @property
    def stage(self) -> str:
        w = self.window
        return w.stage_name or f"stage {w.stage + 1}"

    def hist(self, metric: str) -> LatencyHistogram | None:
        if metric not in self.hists:
            text = self.window.hist if metric == "http_req_duration" else self.window.service_hist
            self.hists[metric] = LatencyHistogram.decode(text) if text else None
        return self.hists[metric]


def _span_value(c: StopCondition, span: Sequence[_Seen], min_requests: int) -> float | None:
    """The condition's statistic over some consecutive windows; None without enough data."""
    seconds = sum(e.window.interval_s for e in span)
    if c.metric == "http_reqs":
        count = float(sum(e.window.requests for e in span))
        return count if c.parsed.aggregation == "count" else count / max(seconds, _EPS)
    if c.metric == "http_req_failed":
        requests = errors = 0
        for e in span:
            w = e.window
            if "scenario" in c.tags:
                part = w.by_scenario.get(c.tags["scenario"])
            elif "name" in c.tags or "route" in c.tags:
                part = w.by_route.get(c.tags.get("name") or c.tags.get("route", ""))
            else:
                requests, errors = requests + w.requests, errors + w.errors
                continue
            if part is not None:
                requests, errors = requests + part.requests, errors + part.errors
        return errors / requests if requests >= min_requests else None
    merged = LatencyHistogram()
    for e in span:
        h = e.hist(c.metric)
        if h is not None:
            merged.merge(h)
    if merged.count < min_requests:
        return None
    agg = c.parsed.aggregation
    if agg == "p":
        assert c.parsed.percentile is not None
        return merged.percentile_ms(c.parsed.percentile)
    if agg == "med":
        return merged.percentile_ms(50)
    return {"avg": merged.mean_ms, "min": merged.min_ms, "max": merged.max_ms}[agg]()


class BreakpointWatch:
    """Judges a breakpoint test's stop conditions window by window and finds the breaking point.

    Feed every merged window to `observe`; it returns the `BreakingPoint` once a condition has
    held, over the last `window` seconds, for `hold` seconds in a row (the runner then stops
    the run). The break is dated back to the first of the consecutive windows that, each on
    its own, met the condition just before the streak began (a sliding window crosses a bound
    a little after the windows inside it did); the windows before it are the good ones, and
    `rate_rps` is the best answered req/s they sustained over a whole `window`.
    """

    def __init__(self, spec: Breakpoint, *, min_requests: int = MIN_REQUESTS) -> None:
        until = spec.until or k6.DEFAULT_UNTIL
        try:
            checked = k6.validate_until(until)
            self.window_s = parse_duration(spec.window)
            self.hold_s = parse_duration(spec.hold)
        except ValueError as exc:
            raise UserError(f"breakpoint: {exc}") from exc
        if self.window_s <= 0:
            raise UserError("breakpoint.window must be longer than 0s (e.g. 5s)")
        self.conditions: list[StopCondition] = []
        for key, exprs in checked.items():
            name, tags = k6.parse_metric_key(key)
            for expr in exprs:
                self.conditions.append(
                    StopCondition(key=key, metric=name, tags=tags, parsed=k6.parse_threshold(expr))
                )
        self.min_requests = min_requests
        self.found: BreakingPoint | None = None
        self.stopped_t: float | None = None
        self._recent: deque[_Seen] = deque()
        self._keep_s = self.window_s + self.hold_s + 5.0
        self._best: tuple[float, str | None] = (0.0, None)  # over windows no longer kept
        self._streaks: dict[int, float] = {}  # condition index → t its streak began
        self._top_planned = 0.0
        self._last_t = 0.0

    @classmethod
    def for_plan(cls, plan: TestPlan) -> BreakpointWatch | None:
        """The plan's watch: its `breakpoint` block, the defaults for a `breakpoint` plan
        without one, None for any other plan."""
        if plan.breakpoint is not None:
            return cls(plan.breakpoint)
        if plan.type == "breakpoint":
            return cls(Breakpoint())
        return None

    @property
    def window_label(self) -> str:
        return format_duration(self.window_s)

    def observe(self, window: MetricWindow) -> BreakingPoint | None:
        """Take one merged window; the breaking point when this window confirmed it (once)."""
        if self.found is not None:
            return None
        t = window.t
        self._last_t = max(self._last_t, t)
        self._top_planned = max(self._top_planned, window.target_rate)
        span = [e for e in self._recent if e.t > t - self.window_s + _EPS]
        requests = window.requests + sum(e.window.requests for e in span)
        seconds = window.interval_s + sum(e.window.interval_s for e in span)
        seen = _Seen(window, requests / max(seconds, _EPS))
        self._recent.append(seen)
        span.append(seen)
        while self._recent and self._recent[0].t < t - self._keep_s:
            old = self._recent.popleft()
            if old.sustained >= self._best[0]:
                self._best = (old.sustained, old.stage)
        if t + _EPS < self.window_s:  # not a whole window yet
            return None
        for i, c in enumerate(self.conditions):
            value = _span_value(c, span, self.min_requests)
            if value is None or not k6.OPS[c.parsed.op](value, c.parsed.value):
                self._streaks.pop(i, None)
                continue
            began = self._streaks.setdefault(i, t)
            if t - began + _EPS >= self.hold_s:
                self.found = self._breaking_point(c, value, began)
                self.stopped_t = t
                return self.found
        return None

    def _holds_alone(self, c: StopCondition, e: _Seen) -> bool:
        value = _span_value(c, [e], self.min_requests)
        return value is not None and k6.OPS[c.parsed.op](value, c.parsed.value)

    def _breaking_point(self, c: StopCondition, value: float, began: float) -> BreakingPoint:
        kept = list(self._recent)
        i = next(j for j, e in enumerate(kept) if e.t >= began - _EPS)
        while (
            i > 0
            and kept[i - 1].t > began - self.window_s + _EPS
            and self._holds_alone(c, kept[i - 1])
        ):
            i -= 1
        broke, good = kept[i], kept[:i]
        rate, stage = self._best
        for e in good:
            if e.sustained >= rate:
                rate = e.sustained
        if good:
            stage = good[-1].stage
        w = broke.window
        reason = (
            f"{rate:,.0f} req/s sustained (last good stage: {stage or 'none'}); broke at "
            f"{w.target_rate:,.0f} req/s planned ({w.rps:,.0f} answered) at t={w.t:.1f}s: "
            f"{c.label} ({_fmt(value)} over the last {self.window_label})"
        )
        if any(e.window.generator_saturated for e in kept[max(i - 1, 0) :]):
            reason += (
                "; the load generator was saturated then, so the limit may be the client's "
                "(add workers)"
            )
        return BreakingPoint(
            found=True,
            rate_rps=round(rate, 3),
            broke_at_rps=round(w.target_rate, 3),
            t=round(w.t, 3),
            stage=stage,
            condition=c.label,
            value=round(value, 6),
            reason=reason,
        )

    def stop_note(self) -> str:
        """Why the run stopped early, for the record's notes."""
        if self.found is None or self.stopped_t is None:
            return ""
        return (
            f"stopped at t={self.stopped_t:.1f}s: {self.found.condition} held for "
            f"{format_duration(self.hold_s)} (breaking point found)"
        )

    def result(self, state: str = "complete") -> BreakingPoint:
        """The breaking point, or what the run showed when it ended without one."""
        if self.found is not None:
            return self.found
        rate, stage = self._best
        for e in self._recent:
            if e.sustained >= rate:
                rate, stage = e.sustained, e.stage
        if state == "complete":
            reason = (
                f"not found: no stop condition held up to {self._top_planned:,.0f} req/s "
                f"planned; {rate:,.0f} req/s sustained at most"
            )
        else:
            reason = (
                f"not found before the run ended ({state}) at t={self._last_t:.1f}s; "
                f"{rate:,.0f} req/s sustained at most"
            )
        return BreakingPoint(found=False, rate_rps=round(rate, 3), stage=stage, reason=reason)


def _fmt(value: float) -> str:
    return f"{value:.3g}"
