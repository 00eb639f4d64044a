"""The worker → runner seam: `RequestTally` (per route / per scenario counts) and the
`WorkerWindow` a recorder hands out, merged by `RunTotals` as if one recorder had seen every
request."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from multiprocessing.reduction import ForkingPickler

import numpy as np
from test_window_recorder import random_calls, reference_window

from loadtui.contracts import MetricWindow
from loadtui.engine.histogram import LatencyHistogram
from loadtui.engine.metrics import RequestTally, RunTotals, WindowRecorder, WorkerWindow


def tally(requests: int, errors: int, latencies_us: list[int]) -> RequestTally:
    t = RequestTally(requests, errors)
    t.hist.add_us(np.array(latencies_us, dtype=np.int64))
    return t


def same(a: RequestTally, b: RequestTally) -> bool:
    return (a.requests, a.errors, a.hist.encode()) == (b.requests, b.errors, b.hist.encode())


def test_merge_adds_counts_and_histograms_and_leaves_the_other_alone() -> None:
    a = tally(3, 1, [100, 200, 300])
    b = tally(2, 2, [50, 9000])
    b_before = b.wire()
    a.merge(b)
    assert (a.requests, a.errors) == (5, 3)
    assert a.hist.count == 5
    assert a.hist.min_ms() == 0.05
    assert a.hist.max_ms() == tally(1, 0, [9000]).hist.max_ms()  # hdrh's bucket for 9 ms
    assert same(a, tally(5, 3, [100, 200, 300, 50, 9000]))
    assert b.wire() == b_before
    empty = RequestTally()
    a.merge(empty)  # merging nothing changes nothing
    assert same(a, tally(5, 3, [100, 200, 300, 50, 9000]))
    empty.merge(a)  # into an empty tally: a copy
    assert same(empty, a)
    assert empty.hist is not a.hist


def test_wire_round_trip_and_add_wire_adds() -> None:
    a = tally(3, 1, [100, 200, 300])
    b = tally(2, 0, [50, 9000])
    got = RequestTally()
    got.add_wire(a.wire())
    assert same(got, a)
    got.add_wire(b.wire())
    a.merge(b)
    assert same(got, a)
    # errors without answers: requests and errors count, an empty histogram adds nothing
    got.add_wire(RequestTally(0, 4).wire())
    assert (got.requests, got.errors, got.hist.count) == (5, 5, 5)
    assert RequestTally().wire()[:2] == (0, 0)


def test_tallies_do_not_share_histograms() -> None:
    a, b = RequestTally(), RequestTally()
    a.hist.add_us(np.array([10], dtype=np.int64))
    assert b.hist.count == 0


def _merge(totals: RunTotals, parts: list[WorkerWindow], t: float) -> MetricWindow:
    return totals.merge(
        parts,
        t=t,
        ts=datetime(2026, 1, 1, tzinfo=UTC),
        interval_s=1.0,
        stage=0,
        stage_name=None,
        target_rate=0.0,
    )


def test_two_workers_merge_like_one_recorder_that_saw_every_request() -> None:
    calls = random_calls(seed=3, n=4000)
    one = WindowRecorder(flush_every=300)
    workers = [WindowRecorder(flush_every=300), WindowRecorder(flush_every=300)]
    for i, call in enumerate(calls):
        one.record(*call)
        workers[i % 2].record(*call)
    parts: list[WorkerWindow] = []
    for k, rec in enumerate(workers):
        rec.active, rec.active_peak = 3 + k, 5 + k
        rec.iterations, rec.sessions_started, rec.dropped = 10, 11, k
        window = rec.snapshot(index=1, t_end=1.0, interval_s=1.0, cpu=0.5, in_flight=k)
        assert set(window) == WorkerWindow.__required_keys__  # every key, nothing else
        wire = bytes(ForkingPickler.dumps(("window", window)))  # as the pipe sends it
        kind, received = pickle.loads(wire)
        assert (kind, received) == ("window", window)
        parts.append(received)
    whole = one.snapshot(index=1, t_end=1.0, interval_s=1.0, cpu=0.5, in_flight=0)
    want = reference_window(calls)

    totals = RunTotals()
    merged = _merge(totals, parts, 1.0)
    assert merged.requests == want["requests"] == totals.requests
    assert merged.errors == want["errors"] == totals.errors
    assert merged.status_counts == want["status_counts"]
    assert merged.errors_by_class == want["errors_by_class"]
    assert merged.bytes_in == want["bytes_in"]
    assert merged.active == 7 and merged.in_flight == 1 and merged.dropped == 1
    assert totals.active_max == 11 and totals.iterations == 20 and totals.sessions_started == 22
    assert totals.hist.stats() == LatencyHistogram.decode(whole["hist"] or "").stats()
    assert merged.latency == totals.hist.stats()
    for key, table in (("routes", totals.routes), ("scenarios", totals.scenarios)):
        assert set(table) == set(want[key])
        for name, (n, e, text) in want[key].items():
            acc = table[name]
            assert (acc.requests, acc.errors) == (n, e)
            assert acc.hist.stats() == LatencyHistogram.decode(text).stats()
    by_route = merged.by_route
    assert list(by_route) == sorted(want["routes"])
    assert {k: v.requests for k, v in by_route.items()} == {
        k: n for k, (n, _, _) in want["routes"].items()
    }

    # a second interval adds into the run totals; the window holds that interval only
    for rec in workers:
        for call in calls[:500]:
            rec.record(*call)
    more = [
        rec.snapshot(index=2, t_end=2.0, interval_s=1.0, cpu=0.5, in_flight=0) for rec in workers
    ]
    second = _merge(totals, more, 2.0)
    assert second.requests == 1000
    assert totals.requests == 5000 and totals.windows == 2
    assert sum(t.requests for t in totals.routes.values()) == 5000
    assert sum(t.requests for t in totals.scenarios.values()) == 5000
