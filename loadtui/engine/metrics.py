"""Per-worker window recording and runner-side merging.

A worker's `WindowRecorder` buffers each finished request's raw numbers, turns them into
histograms and counters (vectorised) and, once per interval, hands out a compact `WorkerWindow`
(a `TypedDict` of counters and encoded histograms, pickled over the worker's pipe) — raw samples
never leave the worker. The runner's `RunTotals` adds the windows of all workers for one
interval into a `MetricWindow` and keeps cumulative histograms for live thresholds and the
end-of-run summary. Both sides count each route and scenario in a `RequestTally`.
"""

from __future__ import annotations

import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict, cast

import numpy as np

from loadtui.contracts import Breakdown, MetricWindow
from loadtui.engine.errors import classify
from loadtui.engine.histogram import (
    COUNTS_LEN,
    HIGHEST_US,
    IntArray,
    LatencyHistogram,
    bucket_indexes,
    us_from_seconds,
)
from loadtui.engine.transport import Answer, Response

MAX_ERROR_EXAMPLES = 3
# One buffered request: intended, t_sent, t_done (perf_counter floats), then route id, scenario
# id, status, body bytes (ints). Packed with `struct` into a bytearray: ~100 ns a request, where
# `array('d').extend` of the same seven numbers took ~350 ns (per-item appends, ints converted).
ROW = struct.Struct("=3d4q")
ROW_DTYPE = np.dtype(
    [
        ("intended", "<f8"),
        ("sent", "<f8"),
        ("done", "<f8"),
        ("route", "<i8"),
        ("scenario", "<i8"),
        ("status", "<i8"),
        ("bytes", "<i8"),
    ]
)
FLUSH_EVERY = 16_384  # requests held raw at most (≈ 900 KB) before they go into the histograms


TallyWire = tuple[int, int, str]
"""A `RequestTally` on the wire: requests, errors, encoded latency histogram."""


@dataclass(slots=True)
class RequestTally:
    """Requests, errors and their latency histogram (intended-start latency) for one route or
    one scenario: a worker's window (`WindowRecorder`), then the runner's sums over workers for
    one interval and over the run (`RunTotals`)."""

    requests: int = 0
    errors: int = 0
    hist: LatencyHistogram = field(default_factory=LatencyHistogram)

    def merge(self, other: RequestTally) -> None:
        """Add another tally into this one (`other` is left as it was)."""
        self.requests += other.requests
        self.errors += other.errors
        self.hist.merge(other.hist)

    def wire(self) -> TallyWire:
        return (self.requests, self.errors, self.hist.encode())

    def add_wire(self, wire: TallyWire) -> None:
        """Add a tally sent by a worker (`wire()` of its `RequestTally`)."""
        requests, errors, text = wire
        self.requests += requests
        self.errors += errors
        h = _decode(text)
        if h is not None:
            self.hist.merge(h)


class WorkerWindow(TypedDict):
    """One interval of one worker (`WindowRecorder.snapshot`), as sent to the runner.

    A dict at run time (built and pickled 1-4 times a second per worker, so the cheapest to
    send); the type names every key for the runner's `RunTotals.merge`."""

    index: int  # window k ends at t0 + k·interval; the last one at the end of the drain
    t_end: float  # seconds since t0
    interval_s: float
    requests: int
    errors: int
    errors_by_class: dict[str, int]
    status_counts: dict[str, int]  # "200" → count; requests without an answer are not counted
    bytes_in: int
    dropped: int  # arrivals not started: the worker was at max_in_flight
    iterations: int
    sessions_started: int
    active: int  # sessions / VUs alive at the window's end
    active_peak: int  # the most alive at once during the window (>= active)
    in_flight: int
    cpu: float  # fraction of one core this worker used over the window
    # encoded histograms, None when empty: latency from the intended start, service time (from
    # the actual send), send lag (actual send - intended start)
    hist: str | None
    service_hist: str | None
    lag_hist: str | None
    routes: dict[str, TallyWire]
    scenarios: dict[str, TallyWire]
    error_examples: dict[str, list[str]]  # class → up to MAX_ERROR_EXAMPLES details, run-long


def _tally(slices: dict[str, RequestTally], name: str) -> RequestTally:
    s = slices.get(name)
    if s is None:
        s = slices[name] = RequestTally()
    return s


_pack = ROW.pack


class WindowRecorder:
    """Accumulates one interval of one worker; `snapshot()` hands it out and starts afresh.

    Why the buffer: five HdrHistogram records per request through hdrh's pure-Python
    `record_value` cost more than the HTTP exchange itself. `record` only appends the raw
    numbers, packed, to a bytearray; they go into the histograms vectorised (`_flush`) at the
    window's end, or earlier once `flush_every` requests are buffered, so memory stays bounded
    whatever the rate and interval. The histograms are the same, bit for bit, as recording each
    value on arrival. Raw samples never leave the worker: windows carry encoded histograms.
    """

    def __init__(self, flush_every: int = FLUSH_EVERY) -> None:
        self._flush_len = max(1, flush_every) * ROW.size
        self._route_ids: dict[str, int] = {}
        self._route_names: list[str] = []
        self._scenario_ids: dict[str, int] = {}
        self._scenario_names: list[str] = []
        self._buf = bytearray()
        self._fresh()
        self.error_examples: dict[str, list[str]] = {}
        self.active = 0  # sessions / VUs alive, maintained by the worker
        self.active_peak = 0  # the most alive at once during this window

    def _fresh(self) -> None:
        self._buf = bytearray()
        self._flushed = 0
        self.errors = 0
        self.errors_by_class: Counter[str] = Counter()
        self.status_counts: Counter[str] = Counter()
        self.bytes_in = 0
        self.dropped = 0
        self.iterations = 0
        self.sessions_started = 0
        self.hist = LatencyHistogram()
        self.service = LatencyHistogram()
        self.lag = LatencyHistogram()
        self.routes: dict[str, RequestTally] = {}
        self.scenarios: dict[str, RequestTally] = {}

    @property
    def requests(self) -> int:
        """Requests recorded in this window so far (flushed or still buffered)."""
        return self._flushed + len(self._buf) // ROW.size

    def record(self, scenario: str, route: str, intended: float, response: Answer) -> None:
        sid, rid = self.ids(scenario, route)
        status = response.status
        buf = self._buf
        buf += _pack(
            intended, response.t_sent, response.t_done, rid, sid, status, response.bytes_in
        )
        if response.error is not None or not 0 < status < 400:
            self._error(scenario, route, response)
        if len(buf) >= self._flush_len:
            self._flush()

    def ids(self, scenario: str, route: str) -> tuple[int, int]:
        """The (scenario id, route id) `record_ids` takes, registered on first use; a caller
        that records the same pair again and again resolves it once (stable for the worker)."""
        rid = self._route_ids.get(route)
        if rid is None:
            rid = self._route_ids[route] = len(self._route_names)
            self._route_names.append(route)
        sid = self._scenario_ids.get(scenario)
        if sid is None:
            sid = self._scenario_ids[scenario] = len(self._scenario_names)
            self._scenario_names.append(scenario)
        return sid, rid

    def record_ids(self, sid: int, rid: int, intended: float, response: Answer) -> None:
        """`record` with the pair resolved by `ids`: no name lookups per request."""
        status = response.status
        buf = self._buf
        buf += _pack(
            intended, response.t_sent, response.t_done, rid, sid, status, response.bytes_in
        )
        if response.error is not None or not 0 < status < 400:
            self._error(self._scenario_names[sid], self._route_names[rid], response)
        if len(buf) >= self._flush_len:
            self._flush()

    def _error(self, scenario: str, route: str, response: Answer) -> None:
        error = classify(cast(Response, response))  # reads `error` and `status` only
        if error is None:
            return
        self.errors += 1
        self.errors_by_class[error] += 1
        _tally(self.routes, route).errors += 1
        _tally(self.scenarios, scenario).errors += 1
        examples = self.error_examples.setdefault(error, [])
        if len(examples) < MAX_ERROR_EXAMPLES:
            examples.append(response.detail or f"HTTP {response.status} on {route}")

    def _flush(self) -> None:
        """Move the buffered requests into counters and histograms, vectorised."""
        buf, self._buf = self._buf, bytearray()
        if not buf:
            return
        rows = np.frombuffer(buf, dtype=ROW_DTYPE)
        n = len(rows)
        self._flushed += n
        intended, sent, done = rows["intended"], rows["sent"], rows["done"]
        # a timer can fire a hair early; never report less than the service time
        corrected = us_from_seconds(done - np.minimum(intended, sent))
        corrected_idx = bucket_indexes(corrected)
        self.hist.add_us(corrected, corrected_idx)
        self.service.add_us(us_from_seconds(done - sent))
        self.lag.add_us(us_from_seconds(np.maximum(sent - intended, 0.0)))
        status = rows["status"]
        codes, counts = np.unique(status[status != 0], return_counts=True)
        for code, count in zip(codes.tolist(), counts.tolist(), strict=True):
            self.status_counts[str(code)] += count
        self.bytes_in += int(rows["bytes"].sum())
        for column, names, slices in (
            ("route", self._route_names, self.routes),
            ("scenario", self._scenario_names, self.scenarios),
        ):
            ids = np.ascontiguousarray(rows[column])
            _add_slices(ids, names, slices, corrected, corrected_idx)

    def drop(self) -> None:
        self.dropped += 1

    def snapshot(
        self, *, index: int, t_end: float, interval_s: float, cpu: float, in_flight: int
    ) -> WorkerWindow:
        self._flush()
        window: WorkerWindow = {
            "index": index,
            "t_end": t_end,
            "interval_s": interval_s,
            "requests": self.requests,
            "errors": self.errors,
            "errors_by_class": dict(self.errors_by_class),
            "status_counts": dict(self.status_counts),
            "bytes_in": self.bytes_in,
            "dropped": self.dropped,
            "iterations": self.iterations,
            "sessions_started": self.sessions_started,
            "active": self.active,
            "active_peak": max(self.active_peak, self.active),
            "in_flight": in_flight,
            "cpu": cpu,
            "hist": self.hist.encode() if self.hist.count else None,
            "service_hist": self.service.encode() if self.service.count else None,
            "lag_hist": self.lag.encode() if self.lag.count else None,
            "routes": {k: v.wire() for k, v in self.routes.items()},
            "scenarios": {k: v.wire() for k, v in self.scenarios.items()},
            "error_examples": {k: list(v) for k, v in self.error_examples.items()},
        }
        self._fresh()
        self.active_peak = self.active
        return window


def _add_slices(
    ids: IntArray,
    names: list[str],
    slices: dict[str, RequestTally],
    us: IntArray,
    idx: IntArray,
) -> None:
    """Per-route (or per-scenario) request counts and histograms of one flush."""
    first = int(ids[0])
    if (ids == first).all():  # one route in the flush (every `--url` run): no split needed
        s = _tally(slices, names[first])
        s.requests += len(ids)
        s.hist.add_us(us, idx)
        return
    present, where, inverse = np.unique(ids, return_index=True, return_inverse=True)
    k = len(present)
    counts = np.bincount(inverse * COUNTS_LEN + idx, minlength=k * COUNTS_LEN)
    counts = counts.reshape(k, COUNTS_LEN)
    lows = np.full(k, HIGHEST_US, dtype=np.int64)
    highs = np.zeros(k, dtype=np.int64)
    np.minimum.at(lows, inverse, us)
    np.maximum.at(highs, inverse, us)
    for j in np.argsort(where, kind="stable").tolist():  # first-seen order, like on arrival
        s = _tally(slices, names[int(present[j])])
        row = counts[j]
        s.requests += int(row.sum())
        s.hist.add_counts(row, int(lows[j]), int(highs[j]))


class CpuMeter:
    """Fraction of one core this process used since the last reading (process_time deltas)."""

    def __init__(self) -> None:
        self._cpu = time.process_time()
        self._wall = time.perf_counter()

    def read(self) -> float:
        cpu, wall = time.process_time(), time.perf_counter()
        used = (cpu - self._cpu) / max(wall - self._wall, 1e-6)
        self._cpu, self._wall = cpu, wall
        return round(used, 3)


SATURATION_CPU = 0.9
# A run's first window (and any ending in its first second) carries the workers' start-up: the
# CPU meter's first reading spans compiling the plan, the first connections and the sessions
# joining mid-journey at t=0, not the load a worker sustains. Never judged saturated.
STARTUP_S = 1.0


def _decode(text: str | None) -> LatencyHistogram | None:
    return LatencyHistogram.decode(text) if text else None


class RunTotals:
    """Cumulative state of the whole run plus the per-interval merge into MetricWindow."""

    def __init__(self) -> None:
        self.requests = 0
        self.errors = 0
        self.errors_by_class: Counter[str] = Counter()
        self.status_counts: Counter[str] = Counter()
        self.bytes_in = 0
        self.dropped = 0
        self.iterations = 0
        self.sessions_started = 0
        self.active_max = 0
        self.hist = LatencyHistogram()
        self.service = LatencyHistogram()
        self.lag = LatencyHistogram()
        self.routes: dict[str, RequestTally] = {}
        self.scenarios: dict[str, RequestTally] = {}
        self.error_examples: dict[str, list[str]] = {}
        self.saturated_windows = 0
        self.windows = 0
        self.elapsed_s = 0.0

    def merge(
        self,
        parts: list[WorkerWindow],
        *,
        t: float,
        ts: datetime,
        interval_s: float,
        stage: int,
        stage_name: str | None,
        target_rate: float,
        keep_hist: bool = True,
    ) -> MetricWindow:
        """Add one interval's worker windows into the totals and return the merged window."""
        hist, service, lag = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
        by_route: dict[str, RequestTally] = {}
        by_scenario: dict[str, RequestTally] = {}
        errors_by_class: Counter[str] = Counter()
        status_counts: Counter[str] = Counter()
        requests = errors = bytes_in = dropped = active = in_flight = peak = 0
        cpu: list[float] = []
        for p in parts:
            requests += p["requests"]
            errors += p["errors"]
            bytes_in += p["bytes_in"]
            dropped += p["dropped"]
            active += p["active"]
            peak += p["active_peak"]
            in_flight += p["in_flight"]
            self.iterations += p["iterations"]
            self.sessions_started += p["sessions_started"]
            errors_by_class.update(p["errors_by_class"])
            status_counts.update(p["status_counts"])
            cpu.append(float(p["cpu"]))
            for target, text in (
                (hist, p["hist"]),
                (service, p["service_hist"]),
                (lag, p["lag_hist"]),
            ):
                h = _decode(text)
                if h is not None:
                    target.merge(h)
            for mine, theirs in ((by_route, p["routes"]), (by_scenario, p["scenarios"])):
                for name, wire in theirs.items():
                    _tally(mine, name).add_wire(wire)
            for cls, examples in p["error_examples"].items():
                kept = self.error_examples.setdefault(cls, [])
                for ex in examples:
                    if len(kept) < MAX_ERROR_EXAMPLES and ex not in kept:
                        kept.append(ex)
        startup = self.windows == 0 or t < STARTUP_S
        saturated = not startup and any(c > SATURATION_CPU for c in cpu)
        self.windows += 1
        self.saturated_windows += int(saturated)
        self.requests += requests
        self.errors += errors
        self.bytes_in += bytes_in
        self.dropped += dropped
        self.active_max = max(self.active_max, peak)
        self.errors_by_class.update(errors_by_class)
        self.status_counts.update(status_counts)
        self.hist.merge(hist)
        self.service.merge(service)
        self.lag.merge(lag)
        self.elapsed_s = max(self.elapsed_s, t)
        for mine, total in ((by_route, self.routes), (by_scenario, self.scenarios)):
            for name, acc in mine.items():
                _tally(total, name).merge(acc)
        return MetricWindow(
            t=round(t, 4),
            ts=ts,
            interval_s=round(interval_s, 4),
            stage=stage,
            stage_name=stage_name,
            target_rate=round(target_rate, 4),
            active=active,
            in_flight=in_flight,
            requests=requests,
            errors=errors,
            errors_by_class=dict(errors_by_class),
            status_counts=dict(status_counts),
            bytes_in=bytes_in,
            rps=round(requests / interval_s, 3) if interval_s > 0 else 0.0,
            latency=hist.stats(),
            service=service.stats(),
            hist=hist.encode() if keep_hist and hist.count else None,
            service_hist=service.encode() if keep_hist and service.count else None,
            send_lag_ms=lag.stats(),
            by_route={k: _breakdown(v) for k, v in sorted(by_route.items())},
            by_scenario={k: _breakdown(v) for k, v in sorted(by_scenario.items())},
            worker_cpu=cpu,
            generator_saturated=saturated,
            dropped=dropped,
        )

    def k6_metrics(self, duration_s: float) -> dict[str, dict[str, float]]:
        """The k6-like `metrics` block of summary.json over the whole run."""
        d = max(duration_s, 1e-9)
        out: dict[str, dict[str, float]] = {
            "http_reqs": {"count": float(self.requests), "rate": self.requests / d},
            "http_req_duration": _trend(self.hist),
            "http_req_service": _trend(self.service),
            "http_req_send_lag": _trend(self.lag),
            "http_req_failed": {
                "rate": self.errors / self.requests if self.requests else 0.0,
                "passes": float(self.errors),
                "fails": float(self.requests - self.errors),
            },
            "iterations": {"count": float(self.iterations), "rate": self.iterations / d},
            "sessions": {"count": float(self.sessions_started), "rate": self.sessions_started / d},
            "vus_max": {"value": float(self.active_max)},
            "data_received": {"count": float(self.bytes_in), "rate": self.bytes_in / d},
            "dropped_iterations": {"count": float(self.dropped), "rate": self.dropped / d},
        }
        for name, acc in sorted(self.scenarios.items()):
            out[f"http_req_duration{{scenario:{name}}}"] = _trend(acc.hist)
            out[f"http_req_failed{{scenario:{name}}}"] = {
                "rate": acc.errors / acc.requests if acc.requests else 0.0
            }
        for name, acc in sorted(self.routes.items()):
            out[f"http_req_duration{{name:{name}}}"] = _trend(acc.hist)
            out[f"http_req_failed{{name:{name}}}"] = {
                "rate": acc.errors / acc.requests if acc.requests else 0.0
            }
        return out

    def trend_hist(
        self, metric: str, tags: dict[str, str] | None = None
    ) -> LatencyHistogram | None:
        """The cumulative histogram behind a trend metric (for arbitrary percentiles)."""
        tags = tags or {}
        if metric == "http_req_duration":
            if "scenario" in tags:
                acc = self.scenarios.get(tags["scenario"])
                return acc.hist if acc else None
            if "name" in tags or "route" in tags:
                acc = self.routes.get(tags.get("name") or tags.get("route", ""))
                return acc.hist if acc else None
            return self.hist
        if metric == "http_req_service":
            return self.service
        if metric == "http_req_send_lag":
            return self.lag
        return None


def _trend(h: LatencyHistogram) -> dict[str, float]:
    s = h.stats()
    return {
        "avg": s.mean,
        "min": s.min,
        "med": s.p50,
        "max": s.max,
        "p(90)": s.p90,
        "p(95)": s.p95,
        "p(99)": s.p99,
        "count": float(s.count),
    }


def _breakdown(acc: RequestTally) -> Breakdown:
    return Breakdown(requests=acc.requests, errors=acc.errors, latency=acc.hist.stats())
