"""The buffered, vectorised WindowRecorder must give exactly what recording every request into
its histograms on arrival gives (the pre-buffering behaviour, kept here as the reference)."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import numpy as np
import pytest
from hdrh.histogram import HdrHistogram

from loadtui.engine.errors import classify
from loadtui.engine.histogram import (
    COUNTS_LEN,
    HIGHEST_US,
    LOWEST_US,
    SIGNIFICANT_DIGITS,
    LatencyHistogram,
    bucket_indexes,
)
from loadtui.engine.metrics import WindowRecorder
from loadtui.engine.transport import Response


def reference_window(calls: list[tuple[str, str, float, Response]]) -> dict[str, Any]:
    """One histogram record per value on arrival, as the recorder did before buffering."""
    hist, service, lag = LatencyHistogram(), LatencyHistogram(), LatencyHistogram()
    routes: dict[str, list[Any]] = {}
    scenarios: dict[str, list[Any]] = {}
    status: Counter[str] = Counter()
    by_class: Counter[str] = Counter()
    errors = bytes_in = 0
    for scenario, route, intended, r in calls:
        bytes_in += r.bytes_in
        if r.status:
            status[str(r.status)] += 1
        corrected = r.t_done - min(intended, r.t_sent)
        hist.record_s(corrected)
        service.record_s(r.t_done - r.t_sent)
        lag.record_s(max(r.t_sent - intended, 0.0))
        error = classify(r)
        for table, key in ((routes, route), (scenarios, scenario)):
            acc = table.setdefault(key, [0, 0, LatencyHistogram()])
            acc[0] += 1
            acc[1] += error is not None
            acc[2].record_s(corrected)
        if error is not None:
            errors += 1
            by_class[error] += 1
    return {
        "requests": len(calls),
        "errors": errors,
        "errors_by_class": dict(by_class),
        "status_counts": dict(status),
        "bytes_in": bytes_in,
        "hist": hist.encode(),
        "service_hist": service.encode(),
        "lag_hist": lag.encode(),
        "routes": {k: (n, e, h.encode()) for k, (n, e, h) in routes.items()},
        "scenarios": {k: (n, e, h.encode()) for k, (n, e, h) in scenarios.items()},
    }


def random_calls(seed: int, n: int) -> list[tuple[str, str, float, Response]]:
    rng = random.Random(seed)
    routes = [f"GET /r{i}" for i in range(7)]
    calls = []
    t = 1000.0
    for _ in range(n):
        t += rng.expovariate(5000)
        intended = t
        # early timers (sent before intended), lag, heavy tails, sub-µs, over-range stalls
        t_sent = intended + rng.choice([-2e-4, 0.0, rng.expovariate(2000), rng.expovariate(5)])
        service = rng.choice([rng.lognormvariate(-7, 1.5), 2e-7, 0.0, 4000.0])
        status = rng.choice([200, 200, 200, 204, 301, 404, 503, 0])
        error = rng.choice([None] * 9 + ["timeout", "reset"]) if status else "refused"
        calls.append(
            (
                rng.choice(["browse", "buy", "api"]),
                rng.choice(routes),
                intended,
                Response(status, rng.randrange(0, 5000), t_sent, t_sent + service, error),
            )
        )
    return calls


@pytest.mark.parametrize("flush_every", [1, 97, 100_000])
def test_buffered_window_equals_recording_every_request_on_arrival(flush_every: int) -> None:
    calls = random_calls(seed=flush_every, n=4000)
    rec = WindowRecorder(flush_every=flush_every)
    for call in calls:
        rec.record(*call)
    assert rec.requests == len(calls)  # counted before any snapshot, buffered or not
    got = rec.snapshot(index=1, t_end=1.0, interval_s=1.0, cpu=0.5, in_flight=0)
    want = reference_window(calls)
    for key, value in want.items():
        assert got[key] == value, key
    # and the decoded histograms answer the same: count, min, max, mean, percentiles
    for key in ("hist", "service_hist", "lag_hist"):
        a, b = LatencyHistogram.decode(got[key]), LatencyHistogram.decode(want[key])
        assert a.stats() == b.stats()
        assert a.percentile_ms(99.9) == b.percentile_ms(99.9)


def test_record_ids_records_exactly_what_record_does() -> None:
    # the pre-resolved path (one-request sessions) and the by-name path, mixed and across a
    # window: the same window as recording every request on arrival
    calls = random_calls(seed=11, n=3000)
    rec = WindowRecorder(flush_every=256)
    for i, (scenario, route, intended, response) in enumerate(calls):
        if i % 3:
            rec.record_ids(*rec.ids(scenario, route), intended, response)
        else:
            rec.record(scenario, route, intended, response)
    got = rec.snapshot(index=1, t_end=1.0, interval_s=1.0, cpu=0.5, in_flight=0)
    want = reference_window(calls)
    for key, value in want.items():
        assert got[key] == value, key
    assert rec.ids("buy", "GET /r3") == rec.ids("buy", "GET /r3")  # stable


def test_windows_start_afresh_and_single_route_windows_match_too() -> None:
    calls = [(s, "GET /", t, r) for s, _, t, r in random_calls(seed=5, n=3000)]
    rec = WindowRecorder(flush_every=512)
    for call in calls[:1000]:
        rec.record("url", *call[1:])
    rec.snapshot(index=1, t_end=1.0, interval_s=1.0, cpu=0.5, in_flight=0)
    for call in calls[1000:]:
        rec.record("url", *call[1:])
    got = rec.snapshot(index=2, t_end=2.0, interval_s=1.0, cpu=0.5, in_flight=0)
    want = reference_window([("url", *c[1:]) for c in calls[1000:]])
    for key, value in want.items():
        assert got[key] == value, key
    assert got["routes"]["GET /"][2] == got["hist"]


def test_bucket_indexes_match_hdrh_at_every_power_of_two_edge() -> None:
    h = HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)
    edges = sorted(
        {min(HIGHEST_US, max(LOWEST_US, (1 << k) + d)) for k in range(27) for d in (-1, 0, 1)}
    )
    values = np.array(edges + list(range(1, 5000, 3)), dtype=np.int64)
    want = [h._counts_index_for(int(v)) for v in values]
    assert bucket_indexes(values).tolist() == want
    assert int(bucket_indexes(np.array([HIGHEST_US]))[0]) < COUNTS_LEN


def test_bulk_record_clamps_like_record_s() -> None:
    values = np.array([0.0, -3.0, 4.9e-7, 5e-7, 1e-6, 59.9999994, 60.0, 3600.0])
    one, bulk = LatencyHistogram(), LatencyHistogram()
    for v in values:
        one.record_s(float(v))
    bulk.record_many_s(values)
    assert bulk.count == len(values)
    assert bulk.encode() == one.encode()
    assert bulk.stats() == one.stats()
