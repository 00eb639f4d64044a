"""k6 thresholds: parse, check and evaluate `p(95)<500`-style expressions, and pick defaults.

Syntax (k6's): `<aggregation> <op> <number>`, aggregation one of `avg min max med p(N) rate
count value`, op one of `< <= > >= == === !=`. In a plan a threshold is either that string or
k6's object form `{threshold: "p(95)<500", abortOnFail: true, delayAbortEval: "10s"}`; inside
a `TestPlan` the object form is carried as the string `p(95)<500 abortOnFail=10s` (the engine
reads that form). Metric keys may name a submetric by tags:
`http_req_duration{scenario:casual_browser}`.

Everything here is pure; the engine feeds `evaluate` with a mapping of aggregation → value
(`{"p(95)": 412.0, "avg": 120.5}`, k6 summary names) whenever it wants a verdict.

Stop conditions of a breakpoint test (`--until`, a plan's `breakpoint.until`) are the same
expressions read the other way round: the run stops when one *holds*. On the command line the
metric may be named before the expression or implied by it: `http_req_failed>0.05` (a rate
metric's own aggregation), `p(95)>1000` (latency), `http_req_duration p(99)>2000`,
`http_req_failed{scenario:checkout}:rate>0.1`.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from loadtui.plan.stages import format_duration, parse_duration

_EXPR = re.compile(
    r"^\s*(?P<agg>avg|min|max|med|count|rate|value|p\(\s*(?P<p>\d+(?:\.\d+)?)\s*\))\s*"
    r"(?P<op><=|>=|===|==|!=|<|>)\s*(?P<num>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*"
    r"(?P<abort>abortOnFail(?:\s*=\s*(?P<delay>\S+))?)?\s*$"
)
_KEY = re.compile(r"^\s*(?P<name>[A-Za-z_][A-Za-z0-9_.]*)\s*(?:\{(?P<tags>[^{}]*)\})?\s*$")
OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "===": operator.eq,
    "!=": operator.ne,
}
# which aggregations each known metric type has (k6: trend, rate, counter, gauge)
TREND_METRICS = ("http_req_duration", "http_req_service", "http_req_send_lag", "iteration_duration")
RATE_METRICS = ("http_req_failed", "checks")
COUNTER_METRICS = ("http_reqs", "iterations", "data_received", "dropped_iterations", "sessions")
GAUGE_METRICS = ("vus", "vus_max")
_ALLOWED = {
    **dict.fromkeys(TREND_METRICS, frozenset({"avg", "min", "max", "med", "p"})),
    **dict.fromkeys(RATE_METRICS, frozenset({"rate"})),
    **dict.fromkeys(COUNTER_METRICS, frozenset({"count", "rate"})),
    **dict.fromkeys(GAUGE_METRICS, frozenset({"value"})),
}
DEFAULT_P95_MS = 500.0
EXTREME_ERROR_RATE = 0.25  # abort the run: the target is broken, more load teaches nothing


@dataclass(frozen=True)
class Threshold:
    """One parsed expression. `aggregation` is `p` for percentiles (see `percentile`)."""

    aggregation: str
    op: str
    value: float
    percentile: float | None = None
    abort_on_fail: bool = False
    delay_abort_eval_s: float | None = None
    source: str = field(default="", compare=False)

    @property
    def stat(self) -> str:
        """The summary key it reads: `p(95)`, `p(99.9)`, `avg`, `rate`, ..."""
        if self.aggregation == "p":
            assert self.percentile is not None
            return f"p({self.percentile:g})"
        return self.aggregation

    @property
    def expression(self) -> str:
        """The k6 expression without abort options: `p(95)<500`."""
        return f"{self.stat}{self.op}{_num(self.value)}"

    def to_plan_string(self) -> str:
        """The form a TestPlan carries: the expression, plus ` abortOnFail[=delay]`."""
        if not self.abort_on_fail:
            return self.expression
        if self.delay_abort_eval_s is None:
            return f"{self.expression} abortOnFail"
        return f"{self.expression} abortOnFail={format_duration(self.delay_abort_eval_s)}"

    def to_k6(self) -> str | dict[str, Any]:
        """k6's own form: the string, or the object form when it aborts."""
        if not self.abort_on_fail:
            return self.expression
        out: dict[str, Any] = {"threshold": self.expression, "abortOnFail": True}
        if self.delay_abort_eval_s is not None:
            out["delayAbortEval"] = format_duration(self.delay_abort_eval_s)
        return out


def _num(value: float) -> str:
    """500.0 → "500", 0.01 → "0.01", 1e6 → "1000000" (no `e+06`: k6 and the engine agree)."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def parse_threshold(expr: str | Mapping[str, Any]) -> Threshold:
    """`"p(95)<500"` or `{"threshold": ..., "abortOnFail": ..., "delayAbortEval": ...}`.

    ValueError names what is wrong and shows the expected form.
    """
    abort, delay = False, None
    if isinstance(expr, Mapping):
        unknown = set(expr) - {"threshold", "abortOnFail", "delayAbortEval"}
        if unknown:
            raise ValueError(
                f"unknown key(s) {', '.join(sorted(map(str, unknown)))} in a threshold object; "
                "use threshold, abortOnFail, delayAbortEval"
            )
        text = expr.get("threshold")
        if not isinstance(text, str):
            raise ValueError('a threshold object needs "threshold": "<expression>"')
        abort_value = expr.get("abortOnFail", False)
        if not isinstance(abort_value, bool):
            raise ValueError(f"abortOnFail must be true or false (got {abort_value!r})")
        abort = abort_value
        raw_delay = expr.get("delayAbortEval")
        if raw_delay is not None:
            try:
                delay = parse_duration(raw_delay)
            except ValueError as exc:
                raise ValueError(f"delayAbortEval: {exc}") from exc
    elif isinstance(expr, str):
        text = expr
    else:
        raise ValueError(f"a threshold must be a string like 'p(95)<500' (got {expr!r})")
    m = _EXPR.match(text)
    if m is None:
        raise ValueError(
            f"{text!r} is not a k6 threshold; expected <aggregation><op><number> such as "
            "p(95)<500, avg<200, med<100, max<3000, rate<0.01, count>100, value<50"
        )
    pct = float(m.group("p")) if m.group("p") is not None else None
    if pct is not None and not 0 <= pct <= 100:
        raise ValueError(f"{text!r}: percentile must be between 0 and 100")
    if m.group("abort"):
        abort = True
        if m.group("delay"):
            try:
                delay = parse_duration(m.group("delay"))
            except ValueError as exc:
                raise ValueError(f"{text!r}: abortOnFail delay: {exc}") from exc
    value = float(m.group("num"))
    if not math.isfinite(value):
        raise ValueError(f"{text!r}: the bound must be a finite number")
    return Threshold(
        aggregation="p" if pct is not None else m.group("agg"),
        op=m.group("op"),
        value=value,
        percentile=pct,
        abort_on_fail=abort,
        delay_abort_eval_s=delay,
        source=text.strip(),
    )


def parse_metric_key(key: str) -> tuple[str, dict[str, str]]:
    """`http_req_duration{scenario:casual_browser,method:GET}` → (name, {tag: value})."""
    m = _KEY.match(key)
    if m is None:
        raise ValueError(
            f"{key!r} is not a metric key; use a name like http_req_duration, optionally "
            "with tags: http_req_duration{scenario:casual_browser}"
        )
    tags: dict[str, str] = {}
    for part in (m.group("tags") or "").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition(":")
        if not sep or not name.strip():
            raise ValueError(f"tag {part.strip()!r} in {key!r} must look like name:value")
        tags[name.strip()] = value.strip()
    return m.group("name"), tags


def check_metric(key: str, threshold: Threshold) -> None:
    """ValueError when a known metric has no such aggregation (`http_req_failed` has no p95)."""
    name, _ = parse_metric_key(key)
    allowed = _ALLOWED.get(name)
    if allowed is not None and threshold.aggregation not in allowed:
        names = sorted("p(N)" if a == "p" else a for a in allowed)
        raise ValueError(f"{name} has no {threshold.stat}; use {', '.join(names)}")


def evaluate(threshold: Threshold, stats: Mapping[str, float]) -> bool:
    """Whether the threshold holds for `stats` (aggregation name → value, k6 summary keys).

    `med` also reads `p(50)` and vice versa. KeyError when the statistic is missing, so a
    caller never mistakes "no data" for "passed".
    """
    value = _lookup(threshold, stats)
    return OPS[threshold.op](float(value), threshold.value)


def _lookup(threshold: Threshold, stats: Mapping[str, float]) -> float:
    candidates = [threshold.stat]
    if threshold.aggregation == "med":
        candidates.append("p(50)")
    if threshold.aggregation == "p" and threshold.percentile is not None:
        candidates.append(f"p({threshold.percentile})")
        if threshold.percentile == 50:
            candidates.append("med")
    for key in candidates:
        if key in stats:
            return float(stats[key])
    raise KeyError(f"no {threshold.stat!r} in the stats (have: {', '.join(sorted(stats))})")


def validate_thresholds(spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """Check a plan's `thresholds` block (strings or k6 objects) → the TestPlan form.

    ValueError names the offending entry as `thresholds.<metric>[i]`.
    """
    out: dict[str, list[str]] = {}
    for key, entries in spec.items():
        try:
            parse_metric_key(str(key))
        except ValueError as exc:
            raise ValueError(f"thresholds.{key}: {exc}") from exc
        items = entries if isinstance(entries, list) else [entries]
        strings: list[str] = []
        for i, entry in enumerate(items):
            try:
                th = parse_threshold(entry)
                check_metric(str(key), th)
            except ValueError as exc:
                raise ValueError(f"thresholds.{key}[{i}]: {exc}") from exc
            strings.append(th.to_plan_string())
        out[str(key)] = strings
    return out


def nice_ceil(x: float) -> float:
    """Round up to 1, 2, 2.5 or 5 × a power of ten: bounds people can read and argue about."""
    if x <= 0:
        return 0.0
    exp = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = m * 10**exp
        if candidate >= x * (1 - 1e-12):
            return float(f"{candidate:.6g}")
    return 10.0 ** (exp + 1)


def default_thresholds(response_ms_p50: float | None) -> dict[str, list[str]]:
    """SLO-style defaults from what production showed, with headroom.

    With an observed median response time m, the p95 bound is `nice_ceil(4.5 × m)` (a
    lognormal with typical web spread has p95 ≈ 3 × median; ×1.5 headroom), at least 50 ms;
    without response times in the log, k6's customary 500 ms. p99 gets 2.5 × the p95 bound.
    Failures: under 1%, and an abortOnFail at an extreme error rate after a grace period.
    """
    p95 = DEFAULT_P95_MS if not response_ms_p50 else max(50.0, nice_ceil(4.5 * response_ms_p50))
    p99 = nice_ceil(2.5 * p95)
    return {
        "http_req_duration": [f"p(95)<{_num(p95)}", f"p(99)<{_num(p99)}"],
        "http_req_failed": ["rate<0.01", f"rate<{_num(EXTREME_ERROR_RATE)} abortOnFail=30s"],
    }


# -- stop conditions of a breakpoint test --------------------------------------------------------

# What a stop condition can read: the metrics every merged window carries (latency histograms,
# request and error counts), so they can be judged over the last seconds of a run.
UNTIL_METRICS = ("http_req_failed", "http_req_duration", "http_req_service", "http_reqs")
DEFAULT_UNTIL: dict[str, list[str]] = {
    "http_req_failed": ["rate>0.05"],
    "http_req_duration": ["p(95)>1000"],
}
_IMPLIED_METRIC = {
    "p": "http_req_duration",
    "avg": "http_req_duration",
    "med": "http_req_duration",
    "min": "http_req_duration",
    "max": "http_req_duration",
    "rate": "http_req_failed",
}
_NAMED = re.compile(
    r"^\s*(?P<key>[A-Za-z_][A-Za-z0-9_.]*\s*(?:\{[^{}]*\})?)\s*(?::|\s)\s*(?P<expr>\S.*)$"
)
_BARE = re.compile(
    r"^\s*(?P<key>[A-Za-z_][A-Za-z0-9_.]*\s*(?:\{[^{}]*\})?)\s*"
    r"(?P<rest>(?:<=|>=|===|==|!=|<|>).*)$"
)
_UNTIL_FORMS = (
    "http_req_failed>0.05, p(95)>1000, http_req_duration p(99)>2000, "
    "http_req_failed{scenario:NAME}:rate>0.1"
)


def _until_entry(key: str, expr: str) -> tuple[str, Threshold]:
    """One checked stop condition (metric key, parsed expression); ValueError if not one."""
    name, tags = parse_metric_key(key)
    if name not in UNTIL_METRICS:
        raise ValueError(
            f"a stop condition cannot read {name!r}; use one of {', '.join(UNTIL_METRICS)}"
        )
    if tags and name != "http_req_failed":
        raise ValueError(
            f"{key}: only http_req_failed takes tags in a stop condition (windows keep no "
            "per-scenario latency histograms); use the metric without tags"
        )
    th = parse_threshold(expr)
    if th.abort_on_fail:
        raise ValueError(f"{expr!r}: abortOnFail has no meaning here: every condition stops")
    check_metric(key, th)
    clean = name + ("{" + ",".join(f"{k}:{v}" for k, v in tags.items()) + "}" if tags else "")
    return clean, th


def parse_until(text: str) -> tuple[str, Threshold]:
    """`--until` text → (metric key, expression); ValueError names the accepted forms."""
    try:
        th = parse_threshold(text)
    except ValueError:
        th = None
    if th is not None:  # `p(95)>1000`: the statistic implies the metric
        metric = _IMPLIED_METRIC.get(th.aggregation)
        if metric is None and th.aggregation == "count":
            raise ValueError(f"{text!r}: name the metric, e.g. http_reqs {th.expression}")
        if metric is None:
            raise ValueError(f"{text!r}: a stop condition reads {', '.join(UNTIL_METRICS)}")
        return _until_entry(metric, text)
    m = _BARE.match(text) or _NAMED.match(text)
    if m is not None and parse_metric_key(m.group("key"))[0] not in UNTIL_METRICS:
        raise ValueError(
            f"{text!r} is not a stop condition: it reads {', '.join(UNTIL_METRICS)}; write "
            f"it like {_UNTIL_FORMS}"
        )
    m = _BARE.match(text)
    if m is not None:  # `http_req_failed>0.05`: a rate metric's own statistic
        name, _ = parse_metric_key(m.group("key"))
        if name not in RATE_METRICS:
            example = f"{name} p(95)>1000" if name in TREND_METRICS else f"{name} rate<100"
            raise ValueError(f"{text!r}: say which statistic of {name}, e.g. {example}")
        return _until_entry(m.group("key"), "rate" + m.group("rest"))
    m = _NAMED.match(text)
    if m is not None:  # `http_req_duration p(99)>2000`
        return _until_entry(m.group("key"), m.group("expr"))
    raise ValueError(f"{text!r} is not a stop condition; write it like {_UNTIL_FORMS}")


def until_spec(texts: Sequence[str]) -> dict[str, list[str]]:
    """`--until` values → a plan's `breakpoint.until` (metric key → expressions)."""
    out: dict[str, list[str]] = {}
    for text in texts:
        key, th = parse_until(text)
        exprs = out.setdefault(key, [])
        if th.expression not in exprs:
            exprs.append(th.expression)
    return out


def validate_until(spec: Mapping[str, Any]) -> dict[str, list[str]]:
    """Check a plan's `breakpoint.until` block; ValueError names `until.<metric>[i]`."""
    out: dict[str, list[str]] = {}
    for key, entries in spec.items():
        items = entries if isinstance(entries, list) else [entries]
        exprs: list[str] = []
        for i, entry in enumerate(items):
            if not isinstance(entry, str):
                raise ValueError(f"until.{key}[{i}]: write the condition as a string: rate>0.05")
            try:
                clean_key, th = _until_entry(str(key), entry)
            except ValueError as exc:
                raise ValueError(f"until.{key}[{i}]: {exc}") from exc
            exprs.append(th.expression)
        out[clean_key if items else str(key)] = exprs
    return out


def until_label(key: str, expression: str) -> str:
    """`http_req_failed rate>0.05`: how a stop condition is named to people."""
    return f"{key} {expression}"
