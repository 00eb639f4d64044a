"""k6's NDJSON output (`k6 run --out json=FILE`, gzipped too), streamed into 1 s windows and
run totals.

Each line is a `Metric` declaration (name, type, thresholds, submetrics) or a `Point` (metric,
RFC 3339 time with nanoseconds and an offset, value, tags). Windows take requests from
`http_reqs`, failures from `http_req_failed` (classed by `error_code`, else status), latency
from `http_req_duration` recorded into HdrHistograms (per route by the `name` tag and per
scenario), VUs from `vus`. Totals are computed from every point the way k6 computes its
summary: trend percentiles interpolate linearly between ranks (k6's `TrendSink.P`), a rate is
non-zero samples over samples, a counter's rate is its count over the test's span.

Lines are read one at a time; what stays in memory is one float per trend sample (a few % of
the file) and one small tally per second. A half-written last line (a killed k6) is skipped
and counted.
"""

from __future__ import annotations

import functools
import json
import math
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from loadtui.contracts import Breakdown, LatencyStats, MetricWindow, ThresholdVerdict
from loadtui.engine.histogram import LatencyHistogram
from loadtui.errors import UserError
from loadtui.plan.thresholds import evaluate, parse_metric_key, parse_threshold
from loadtui.store.importers.imported import ImportedRun
from loadtui.store.importers.k6_summary import NDJSON

TREND_STATS = (90.0, 95.0, 99.0)
# trend, rate, counter and gauge of k6's built-in metrics, for points whose Metric line is missing
BUILTIN_TYPES = {
    "http_reqs": "counter",
    "iterations": "counter",
    "data_sent": "counter",
    "data_received": "counter",
    "dropped_iterations": "counter",
    "http_req_failed": "rate",
    "checks": "rate",
    "vus": "gauge",
    "vus_max": "gauge",
}
# per-name and per-scenario totals, as the native engine writes them
SPLIT_METRICS = ("http_req_duration", "http_req_failed")


@functools.lru_cache(maxsize=8192)
def epoch_of(text: str) -> float:
    """Seconds since the epoch of k6's `2024-08-22T01:13:59.892709931-03:00` (ns kept)."""
    text = text.strip().replace("Z", "+00:00")
    head, dot, rest = text.partition(".")
    if not dot:
        return datetime.fromisoformat(text).timestamp()
    digits = rest
    offset = ""
    for i, ch in enumerate(rest):
        if not ch.isdigit():
            digits, offset = rest[:i], rest[i:]
            break
    whole = datetime.fromisoformat(head + offset).timestamp()
    return whole + (int(digits) / 10 ** len(digits) if digits else 0.0)


def error_class(tags: Mapping[str, str]) -> str:
    """k6's `error_code` tag (k6 docs, "Error codes") or the status, as loadtui's error classes."""
    code = tags.get("error_code", "")
    if code.isdigit():
        n = int(code)
        if n in (1050, 1211):
            return "timeout"
        if 1100 <= n < 1200:
            return "dns"
        if n == 1212:
            return "refused"
        if n in (1201, 1220):
            return "reset"
        if 1400 <= n < 1500:
            return "http_4xx"
        if 1500 <= n < 1600:
            return "http_5xx"
        return "other"
    status = tags.get("status", "")
    if status.startswith("4"):
        return "http_4xx"
    if status.startswith("5"):
        return "http_5xx"
    return "other"


@dataclass
class _Series:
    """One metric or submetric over the whole run."""

    kind: str
    count: int = 0
    total: float = 0.0
    nonzero: int = 0
    low: float = math.inf
    high: float = -math.inf
    last: float = 0.0
    last_t: float = -math.inf
    values: array[float] = field(default_factory=lambda: array("d"))

    def add(self, value: float, t: float) -> None:
        self.count += 1
        self.total += value
        if value != 0:
            self.nonzero += 1
        self.low = min(self.low, value)
        self.high = max(self.high, value)
        if t >= self.last_t:
            self.last, self.last_t = value, t
        if self.kind == "trend":
            self.values.append(value)

    def summary(self, duration_s: float) -> dict[str, float]:
        if self.kind == "counter":
            return {"count": self.total, "rate": self.total / duration_s if duration_s else 0.0}
        if self.kind == "gauge":
            return {"value": self.last, "min": self.low, "max": self.high}
        if self.kind == "rate":
            return {
                "rate": self.nonzero / self.count if self.count else 0.0,
                "passes": float(self.nonzero),
                "fails": float(self.count - self.nonzero),
            }
        return trend_summary(self.values)


def trend_summary(values: Iterable[float] | array[float]) -> dict[str, float]:
    """k6's trend stats: linear interpolation between closest ranks, as numpy's default."""
    data = (
        np.frombuffer(values, dtype=np.float64)
        if isinstance(values, array)
        else np.asarray(list(values), dtype=np.float64)
    )
    if not len(data):
        return {"count": 0.0}
    q = np.percentile(data, [50.0, *TREND_STATS])
    out = {
        "avg": float(data.mean()),
        "min": float(data.min()),
        "med": float(q[0]),
        "max": float(data.max()),
        "count": float(len(data)),
    }
    for stat, value in zip(TREND_STATS, q[1:], strict=True):
        out[f"p({stat:g})"] = float(value)
    return out


@dataclass
class _Slice:
    requests: int = 0
    errors: int = 0
    durations: array[float] = field(default_factory=lambda: array("d"))

    def breakdown(self) -> Breakdown:
        return Breakdown(
            requests=self.requests, errors=self.errors, latency=_stats(self.durations)[0]
        )


@dataclass
class _Second:
    """Everything one second of the run holds, until windows are built at the end."""

    all: _Slice = field(default_factory=_Slice)
    by_route: dict[str, _Slice] = field(default_factory=dict)
    by_scenario: dict[str, _Slice] = field(default_factory=dict)
    status: Counter[str] = field(default_factory=Counter)
    errors_by_class: Counter[str] = field(default_factory=Counter)
    bytes_in: float = 0.0
    vus: float | None = None


def _stats(durations_ms: array[float], keep: bool = False) -> tuple[LatencyStats, str | None]:
    if not durations_ms:
        return LatencyStats(), None
    hist = LatencyHistogram()
    hist.record_many_s(np.frombuffer(durations_ms, dtype=np.float64) / 1000.0)
    return hist.stats(), hist.encode() if keep else None


def _route(tags: Mapping[str, str]) -> str:
    name = tags.get("name") or tags.get("url") or ""
    method = tags.get("method", "")
    return f"{method} {name}".strip()


class NdjsonReader:
    """Feed it lines (`feed`), then `result()`; pure apart from the lines it is given."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.declared: dict[str, dict[str, Any]] = {}
        self.series: dict[str, _Series] = {}
        self.seconds: dict[int, _Second] = {}
        self.first_t = math.inf
        self.last_t = -math.inf
        self.lines = 0
        self.bad_lines = 0
        self.bad_last_line = False
        self.undeclared: Counter[str] = Counter()
        self.target = ""

    # -- reading ------------------------------------------------------------------------------

    def feed(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        self.lines += 1
        self.bad_last_line = False
        try:
            obj = json.loads(line)
            kind = obj.get("type")
            if kind == "Point":
                data = obj["data"]
                self._point(
                    str(obj["metric"]),
                    epoch_of(data["time"]),
                    float(data["value"]),
                    data.get("tags") or {},
                )
            elif kind == "Metric":
                data = obj.get("data") or {}
                self.declared[str(data.get("name") or obj.get("metric"))] = data
            else:
                raise ValueError("neither a Metric nor a Point line")
        except (ValueError, KeyError, TypeError, AttributeError):
            self.bad_lines += 1
            self.bad_last_line = True

    def _kind(self, metric: str) -> str | None:
        declared = self.declared.get(metric)
        if declared and declared.get("type") in ("counter", "gauge", "rate", "trend"):
            return str(declared["type"])
        return BUILTIN_TYPES.get(metric) or ("trend" if metric.startswith("http_req_") else None)

    def _add(self, key: str, kind: str, value: float, t: float) -> None:
        series = self.series.get(key)
        if series is None:
            series = self.series[key] = _Series(kind)
        series.add(value, t)

    def _point(self, metric: str, t: float, value: float, tags: Mapping[str, str]) -> None:
        if not math.isfinite(value) or not math.isfinite(t):
            raise ValueError("a point needs a finite time and value")
        kind = self._kind(metric)
        if kind is None:
            self.undeclared[metric] += 1
            return
        self.first_t = min(self.first_t, t)
        self.last_t = max(self.last_t, t)
        self._add(metric, kind, value, t)
        for sub in (self.declared.get(metric) or {}).get("submetrics") or []:
            want = sub.get("tags") or {}
            if want and all(tags.get(k) == v for k, v in want.items()):
                self._add(str(sub.get("name")), kind, value, t)
        if metric in SPLIT_METRICS:
            for tag in ("name", "scenario"):
                if tags.get(tag):
                    self._add(f"{metric}{{{tag}:{tags[tag]}}}", kind, value, t)
        self._window_point(metric, math.floor(t), value, tags)

    def _window_point(self, metric: str, sec: int, value: float, tags: Mapping[str, str]) -> None:
        if metric not in (
            "http_reqs",
            "http_req_failed",
            "http_req_duration",
            "vus",
            "data_received",
        ):
            return
        second = self.seconds.get(sec)
        if second is None:
            second = self.seconds[sec] = _Second()
        route = _route(tags)
        scenario = tags.get("scenario", "")
        slices = [second.all]
        if route:
            slices.append(second.by_route.setdefault(route, _Slice()))
        if scenario:
            slices.append(second.by_scenario.setdefault(scenario, _Slice()))
        if metric == "http_reqs":
            n = int(value)
            for s in slices:
                s.requests += n
            if tags.get("status"):
                second.status[tags["status"]] += n
            if not self.target and tags.get("url"):
                parts = urlsplit(tags["url"])
                if parts.scheme and parts.netloc:
                    self.target = f"{parts.scheme}://{parts.netloc}"
        elif metric == "http_req_failed":
            if value:
                for s in slices:
                    s.errors += 1
                second.errors_by_class[error_class(tags)] += 1
        elif metric == "http_req_duration":
            for s in slices:
                s.durations.append(value)
        elif metric == "vus":
            second.vus = value
        else:
            second.bytes_in += value

    # -- the run ------------------------------------------------------------------------------

    def windows(self) -> list[MetricWindow]:
        if not self.seconds:
            return []
        first, last = min(self.seconds), max(self.seconds)
        out: list[MetricWindow] = []
        vus = 0.0
        for sec in range(first, last + 1):
            s = self.seconds.get(sec) or _Second()
            if s.vus is not None:
                vus = s.vus
            latency, hist = _stats(s.all.durations, keep=True)
            end = sec + 1
            interval = end - self.first_t if sec == first else 1.0
            out.append(
                MetricWindow(
                    t=round(end - self.first_t, 6),
                    ts=datetime.fromtimestamp(end, UTC),
                    interval_s=round(interval, 6),
                    target_rate=vus,
                    active=int(vus),
                    requests=s.all.requests,
                    errors=s.all.errors,
                    errors_by_class=dict(s.errors_by_class),
                    status_counts=dict(s.status),
                    bytes_in=int(s.bytes_in),
                    rps=round(s.all.requests / interval, 3) if interval > 0 else 0.0,
                    latency=latency,
                    service=latency,  # k6 times from the actual send: the same numbers
                    hist=hist,
                    by_route={k: v.breakdown() for k, v in sorted(s.by_route.items())},
                    by_scenario={k: v.breakdown() for k, v in sorted(s.by_scenario.items())},
                )
            )
        return out

    def result(self) -> ImportedRun:
        if not self.series:
            what = (
                f"{self.bad_lines} of {self.lines} lines unreadable" if self.lines else "no lines"
            )
            raise UserError(
                f"{self.path}: no k6 metric points ({what}); "
                "give the file that `k6 run --out json=FILE` wrote"
            )
        duration = max(self.last_t - self.first_t, 0.0)
        metrics = {key: s.summary(duration) for key, s in sorted(self.series.items())}
        verdicts, plan_thresholds, skipped = self._thresholds(metrics)
        notes = [
            "totals computed from every point in the file (k6's own percentile method); "
            "the duration is first to last point, a little under k6's testRunDuration"
        ]
        if self.bad_lines:
            where = (
                " (the last one, cut short)" if self.bad_lines == 1 and self.bad_last_line else ""
            )
            notes.append(f"{self.bad_lines} unreadable line(s) skipped{where}")
        if self.undeclared:
            notes.append(
                "points of undeclared metrics skipped: "
                + ", ".join(f"{k} ×{v}" for k, v in self.undeclared.most_common(5))
            )
        notes.extend(skipped)
        by_class: Counter[str] = Counter()
        for second in self.seconds.values():
            by_class.update(second.errors_by_class)
        return ImportedRun(
            source="k6",
            name=self.path.name.removesuffix(".gz").rsplit(".", 1)[0] or self.path.name,
            files=[self.path],
            started=datetime.fromtimestamp(self.first_t, UTC),
            ended=datetime.fromtimestamp(self.last_t, UTC),
            duration_s=duration,
            metrics=metrics,
            target=self.target,
            windows=self.windows(),
            thresholds=verdicts,
            plan_thresholds=plan_thresholds,
            errors_by_class=dict(by_class),
            notes=notes,
            shape=NDJSON,
        )

    def _thresholds(
        self, metrics: Mapping[str, Mapping[str, float]]
    ) -> tuple[list[ThresholdVerdict], dict[str, list[str]], list[str]]:
        """The file declares thresholds but not verdicts: judge them on the file's own totals."""
        verdicts: list[ThresholdVerdict] = []
        plan: dict[str, list[str]] = {}
        skipped: list[str] = []
        for name, declared in self.declared.items():
            for expr in declared.get("thresholds") or []:
                expr = str(expr)
                plan.setdefault(name, []).append(expr)
                try:
                    parse_metric_key(name)
                    th = parse_threshold(expr)
                    stats = metrics[name]
                    ok = evaluate(th, stats)
                    value = stats.get(th.stat, stats.get("med") if th.stat == "p(50)" else None)
                except (ValueError, KeyError) as exc:
                    skipped.append(f"threshold {name}: {expr} not judged ({exc})")
                    continue
                verdicts.append(ThresholdVerdict(metric=name, expression=expr, ok=ok, value=value))
        return verdicts, plan, skipped


def read_ndjson(lines: Iterable[str], path: Path) -> ImportedRun:
    reader = NdjsonReader(path)
    for line in lines:
        reader.feed(line)
    return reader.result()
