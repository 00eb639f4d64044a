"""The fused one-request path against the general walk, request for request.

One-request sessions (every `--url` plan) skip the general Markov walk: an open-model arrival
starts with `Session.begin_single`, an answer is recorded with pre-resolved ids and the next
session starts in `_again`, sent with the transport's `submit_view`. The reference twin is the
same scenario compiled with `fuse=False`, which takes the general path (`begin`, `_advance`,
`_send`, `_end`) for every request. Both twins run the same seeded scenario on a simulated
event loop (virtual time: a wait moves the clock, nothing sleeps) against a scripted in-process
transport that answers the k-th request sent with the k-th seeded answer (latency, status or
network error). The recorded rows (scenario, route, intended start, sent, done, status, bytes,
error), the requests sent and the sessions' ends must be identical, float for float.
"""

from __future__ import annotations

import asyncio
import math
import random
import selectors
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from loadtui.contracts import Distribution, ErrorClass, Scenario
from loadtui.engine import sessions
from loadtui.engine.sessions import (
    TIMER_SLACK_S,
    CompiledScenario,
    RateLimiter,
    ScenarioPicker,
    Session,
    SessionContext,
)
from loadtui.engine.transport import Answer, AnswerDone, Done, Response
from loadtui.engine.url_plan import build_url_plan

SEED = 9091
START = 1000.0  # the virtual perf_counter when a run starts
TICK = 0.001  # the open-model driver's shortest sleep (uvloop's timer resolution)
ROUTE_IDS = 100  # route ids start here, scenario ids at 0: swapped ids cannot go unnoticed


class Clock:
    """The simulated perf_counter (and event-loop time)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class _NoWaitSelector(selectors.SelectSelector):
    """Never blocks: waiting `timeout` seconds for I/O moves the clock on by `timeout`."""

    def __init__(self, clock: Clock) -> None:
        super().__init__()
        self.clock = clock

    def select(self, timeout: float | None = None) -> list[Any]:
        if timeout is None:
            raise RuntimeError("nothing is scheduled: the simulated run would wait forever")
        self.clock.now += max(timeout, 0.0)
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    """An asyncio loop on virtual time: timers fire in order, at their time, without sleeping."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(_NoWaitSelector(clock))
        self.clock = clock

    def time(self) -> float:
        return self.clock.now


@dataclass
class Lent:
    """The fast transport's connection lent as the answer of `submit_view` (reused)."""

    status: int = 0
    bytes_in: int = 0
    t_sent: float = 0.0
    t_done: float = 0.0
    error: ErrorClass | None = None
    detail: str = ""


class ScriptedTransport:
    """A callback transport whose k-th request gets the k-th seeded answer, no network.

    `submit` answers with a `Response`; `submit_view` lends one reused `Lent` for the `done`
    call only, and a `Response` for failures, as the fast transport does. The lent answer is
    scrambled once `done` returns or once `done` sends again with `submit_view` (the fast
    transport writes that request on the same connection). Answers come from the event loop
    after the drawn latency, never from inside the submit call."""

    def __init__(self, clock: Clock, seed: int) -> None:
        self.clock = clock
        self.rng = random.Random(seed)
        self.sent: list[tuple[object, ...]] = []
        self.views = 0
        self.lent = Lent()
        self.lending = False

    async def request(self, method: str, path: str, **kw: object) -> Response:
        raise AssertionError("sessions submit with a callback; they never await request()")

    async def close(self) -> None:
        pass

    def submit(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        want_body: bool = False,
        done: Done,
    ) -> None:
        self._send(method, path, dict(headers or {}), body, want_body, done, view=False)

    def submit_view(self, method: str, path: str, done: AnswerDone) -> None:
        self.views += 1
        if self.lending:  # sent from inside `done`: on the lent connection, which it overwrites
            self._scramble()
        self._send(method, path, {}, None, False, done, view=True)

    def _send(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes | None,
        want_body: bool,
        done: Callable[[Any], None],
        *,
        view: bool,
    ) -> None:
        t_sent = self.clock.now
        self.sent.append((method, path, t_sent, headers, body, want_body))
        rng = self.rng
        u = rng.random()
        if u < 0.08:
            latency = 0.0  # answered on the loop's next iteration
        elif u < 0.93:
            latency = rng.lognormvariate(math.log(0.004), 0.6)
        else:
            latency = rng.uniform(0.03, 0.25)  # a slow one: later requests overtake it
        v = rng.random()
        error: ErrorClass | None = "timeout" if v >= 0.96 else None
        status = 200 if v < 0.9 else 503 if error is None else 0
        size = 0 if error else rng.randrange(0, 4096)
        loop = asyncio.get_running_loop()
        loop.call_later(latency, self._answer, done, view, status, error, size, t_sent)

    def _answer(
        self,
        done: Callable[[Any], None],
        view: bool,
        status: int,
        error: ErrorClass | None,
        size: int,
        t_sent: float,
    ) -> None:
        t_done = self.clock.now
        if not view or error is not None:
            done(Response(status, size, t_sent, t_done, error, None, error or ""))
            return
        lent = self.lent
        lent.status, lent.bytes_in, lent.t_sent, lent.t_done = status, size, t_sent, t_done
        self.lending = True
        try:
            done(lent)
        finally:
            self.lending = False
        self._scramble()

    def _scramble(self) -> None:
        """The lent answer is gone: whoever still reads it gets nonsense."""
        lent = self.lent
        lent.status, lent.bytes_in, lent.t_sent, lent.t_done = -7, -7, math.nan, math.nan


@dataclass
class RowRecorder:
    """What a `WindowRecorder` is given, as rows: by names (`record`) or by the ids the fused
    path resolves once (`ids`, `record_ids`)."""

    rows: list[tuple[object, ...]] = field(default_factory=list)
    scenarios: list[str] = field(default_factory=list)
    routes: list[str] = field(default_factory=list)
    by_ids: int = 0
    dropped: int = 0

    def ids(self, scenario: str, route: str) -> tuple[int, int]:
        for names, name in ((self.scenarios, scenario), (self.routes, route)):
            if name not in names:
                names.append(name)
        return self.scenarios.index(scenario), ROUTE_IDS + self.routes.index(route)

    def record(self, scenario: str, route: str, intended: float, response: Answer) -> None:
        self._row(scenario, route, intended, response)

    def record_ids(self, sid: int, rid: int, intended: float, response: Answer) -> None:
        self.by_ids += 1
        self._row(self.scenarios[sid], self.routes[rid - ROUTE_IDS], intended, response)

    def _row(self, scenario: str, route: str, intended: float, a: Answer) -> None:
        row = (scenario, route, intended, a.t_sent, a.t_done, a.status, a.bytes_in, a.error)
        self.rows.append(row)

    def drop(self) -> None:
        self.dropped += 1


@dataclass
class Trace:
    rows: list[tuple[object, ...]]
    sent: list[tuple[object, ...]]
    ends: list[tuple[object, ...]]  # (session/VU, ok, intended at its end) in order
    by_ids: int
    views: int


def url_scenario(think_s: float) -> Scenario:
    """The scenario of a `--url` run, with a constant think time."""
    plan = build_url_plan("http://127.0.0.1:9/health", vus=1)
    sc = plan.scenarios[0]
    return sc.model_copy(update={"think_time": Distribution(kind="constant", median=think_s)})


def simulate(
    body: Callable[[SessionContext, Clock, random.Random], Coroutine[Any, Any, list[Any]]],
    monkeypatch: pytest.MonkeyPatch,
) -> Trace:
    clock = Clock(START)
    monkeypatch.setattr(sessions, "_perf", clock)  # the sessions' clock reads
    transport = ScriptedTransport(clock, SEED)
    recorder = RowRecorder()
    ctx = SessionContext(transport=transport, recorder=recorder, limiter=RateLimiter(None))
    failures: list[dict[str, Any]] = []
    loop = VirtualLoop(clock)
    loop.set_exception_handler(lambda _loop, context: failures.append(context))
    try:
        ends = loop.run_until_complete(body(ctx, clock, random.Random(SEED)))
    finally:
        loop.close()
    assert not failures, failures
    assert ctx.in_flight == 0 and not ctx.waiting
    assert recorder.dropped == 0
    return Trace(recorder.rows, transport.sent, ends, recorder.by_ids, transport.views)


def open_model(
    scenario: CompiledScenario, think: bool, rate: float, seconds: float
) -> Callable[[SessionContext, Clock, random.Random], Coroutine[Any, Any, list[Any]]]:
    """Arrivals as the worker launches them (`Worker._drive_open`, `Worker._spawn`): seeded
    Poisson times with bursts, each launched when due (within TIMER_SLACK_S), one session per
    arrival, ended sessions reused."""

    async def body(ctx: SessionContext, clock: Clock, rng: random.Random) -> list[Any]:
        picker = ScenarioPicker([scenario], [1.0])
        gaps = random.Random(SEED + 1)
        arrivals: list[float] = []
        t = clock.now
        while t < START + seconds:
            t += gaps.expovariate(rate)
            arrivals.extend([t] * (1 if gaps.random() < 0.9 else gaps.randint(2, 6)))
        free: list[Session] = []
        ends: list[Any] = []
        live = [0]

        def on_end(session: Session, ok: bool) -> None:
            ends.append((id(session), ok, session.intended))
            live[0] -= 1
            free.append(session)

        direct = ctx.ids is not None and ctx.limiter.rate is None
        due = -math.inf
        for t in arrivals:
            if t > due:
                due = clock.now + TIMER_SLACK_S
                while t > due:
                    await asyncio.sleep(max(t - due, TICK))
                    due = clock.now + TIMER_SLACK_S
            chosen = picker.pick(rng)
            session = free.pop() if free else Session(ctx, rng, think, on_end)
            live[0] += 1
            if chosen.single is not None and direct and not ctx.stopping:
                session.begin_single(chosen, t)
            else:
                session.begin(chosen, t)
        ctx.stop()
        while live[0]:
            await asyncio.sleep(0.01)
        # session objects are reused: compare ends by the order they were first seen
        order: dict[int, int] = {}
        return [(order.setdefault(sid, len(order)), ok, at) for sid, ok, at in ends]

    return body


def closed_model(
    scenario: CompiledScenario, vus: int, seconds: float
) -> Callable[[SessionContext, Clock, random.Random], Coroutine[Any, Any, list[Any]]]:
    """VUs as the worker runs them (`VirtualUser`): each session's end answers with the next
    iteration's scenario, started in place; VUs start a few ms apart; the stop ends them
    between requests (a VU in a think-time wait at once)."""

    async def body(ctx: SessionContext, clock: Clock, rng: random.Random) -> list[Any]:
        picker = ScenarioPicker([scenario], [1.0])
        ends: list[Any] = []
        alive = [vus]

        def user(n: int) -> Callable[[Session, bool], CompiledScenario | None]:
            def on_end(session: Session, ok: bool) -> CompiledScenario | None:
                ends.append((n, ok, session.intended))
                if ok and not ctx.stopping:
                    return picker.pick(rng)
                alive[0] -= 1
                return None

            return on_end

        for n in range(vus):
            Session(ctx, rng, True, user(n)).begin(picker.pick(rng), clock.now)
            await asyncio.sleep(0.0037)
        await asyncio.sleep(START + seconds - clock.now)
        ctx.stop()
        while alive[0]:
            await asyncio.sleep(0.01)
        # each VU's ends in order; across VUs the stop interrupts think-time waits in the order
        # of a set of sessions (by address), which differs from run to run
        return sorted(ends, key=lambda end: end[0])

    return body


def assert_same(fused: Trace, general: Trace, *, requests: int, viewed: bool = True) -> None:
    """`viewed`: the fused twin sends with `submit_view` (not when a think time is waited)."""
    assert len(general.rows) >= requests, "too few requests to say much"
    # the twins really took different paths
    assert general.by_ids == 0 and general.views == 0
    assert fused.by_ids > len(fused.rows) * 0.9
    assert fused.views > len(fused.sent) * 0.9 if viewed else fused.views == 0
    assert [r[2] for r in fused.rows] == [r[2] for r in general.rows], "intended start times"
    assert fused.rows == general.rows
    assert fused.sent == general.sent
    assert fused.ends == general.ends


@pytest.mark.parametrize(("think", "think_s"), [(False, 0.0), (True, 0.002)])
def test_open_model_fused_arrivals_record_what_the_general_walk_records(
    monkeypatch: pytest.MonkeyPatch, think: bool, think_s: float
) -> None:
    sc = url_scenario(think_s)
    fused = CompiledScenario.from_scenario(sc)
    general = CompiledScenario.from_scenario(sc, fuse=False)
    assert fused.single is not None and general.single is None
    a = simulate(open_model(fused, think, rate=400.0, seconds=1.5), monkeypatch)
    b = simulate(open_model(general, think, rate=400.0, seconds=1.5), monkeypatch)
    assert_same(a, b, requests=500)


@pytest.mark.parametrize(
    ("think_s", "viewed"),
    [
        (0.0, True),  # every next request at once: `_again` sends it
        (0.0003, True),  # a think time under the timer slack: still sent at once
        (0.0007, False),  # just over the slack: waited for, as the general walk does
        (0.004, False),  # a real wait: `_again` hands the successor to the general timer
    ],
)
def test_closed_model_fused_vus_record_what_the_general_walk_records(
    monkeypatch: pytest.MonkeyPatch, think_s: float, viewed: bool
) -> None:
    sc = url_scenario(think_s)
    fused = CompiledScenario.from_scenario(sc)
    general = CompiledScenario.from_scenario(sc, fuse=False)
    a = simulate(closed_model(fused, vus=6, seconds=1.5), monkeypatch)
    b = simulate(closed_model(general, vus=6, seconds=1.5), monkeypatch)
    assert_same(a, b, requests=400, viewed=viewed)
