"""What one session (open model) or one VU iteration (closed model) does on the wire.

Glossary of the short names used below:
  intended  perf_counter time the user meant the current request to start (latency counts from it)
  seen      an earlier perf_counter reading: a step intended by then (+ slack) is due, no clock read
  think     Session: whether think times apply; CompiledScenario: the think-time distribution
  think_constant  the draw of a constant think time, made once at compile time
  entry, rows  cumulative entry weights; cumulative matrix row + exit weight (exit is last)
  linear    steps of a matrix-less session: each once, in order, capped at max_requests
  index, count  current state of the walk; steps taken so far in this session
  step      the step being sent (a login may stand in for it: see then)
  then      the step a login was sent before; it goes out right after the login's answer
  login     the scenario's token step, still to run in this session (None once used)
  token     the bearer token a login captured, sent on every later request of the session
  key       "METHOD /route": the name a step's requests are recorded under
  bare      a step with no headers and no body: nothing to build per request
  fixed_path  no placeholders and no query: the path is the route, no draws
  embedded  an asset fetched right after its page: no think time before it
  single    a scenario's only step when a session is one bare fixed-path request with a constant
            think time (every `--url` run): the fused path may send it
  fused     the single-step scenario whose recorder ids `sid`, `rid` this session has resolved
  sid, rid  scenario and route ids from the recorder's `ids`, for `record_ids` (no name lookups)
  live      the session has started and not yet told its owner it ended (on_end not yet called)
  done      the bound `_answered` handed to the transport with every request
  following the scenario `on_end` returned: the next session, started in place on this object
  view      `submit_view`: the fast transport lends its connection as the answer, valid inside done
  waiting   sessions in a think-time wait (a timer), which `stop` interrupts
  slack     TIMER_SLACK_S: a wait shorter than this is not waited for

A session walks its scenario's Markov chain (entry → matrix → exit, capped at `max_requests`),
fills `{placeholders}` from `Step.params`, draws a query string from `Step.query`, captures a
`token` from a login step's JSON answer and sends `Authorization: Bearer <token>` on every later
request of that session (a step that needs the token while the session has none is preceded by
the scenario's login step, as a site sends a visitor to its login page first), and sleeps a
think time drawn from the scenario's distribution before each page request. An embedded step (a
script, style or image fetched right after its page) has no think time before it: the persona's
think time is measured page to page. The first request is intended at the arrival time; each
later one at the previous request's actual completion plus the think time, if any (see
`schedule` for why).

A session is a `Session` state machine driven by callbacks (the transport's `submit` answer, a
timer for think time), not a coroutine: per request that saves a Future, a Task wake-up and a
chain of coroutine frames, which cost about a third of a worker's CPU. `run_session` wraps one
in a coroutine for callers that want to await a whole session.

One-request sessions (every `--url` run) take a fused path: `begin_single` (an open-model
arrival), `_answered` recording with pre-resolved ids, `_again` (end + next start in one step)
and the transport's `submit_view`. `CompiledScenario.from_scenario(..., fuse=False)` turns it
off; tests/engine/test_sessions_fused.py checks both paths record the same rows.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, cast
from urllib.parse import quote

from loadtui.contracts import Distribution, Scenario, Step
from loadtui.engine.transport import (
    Answer,
    AnswerDone,
    Response,
    Submit,
    Transport,
    with_callbacks,
)
from loadtui.think import sample_distribution

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# uvloop's timers have 1 ms resolution: a shorter wait rounds to "now" (fires on the next loop
# iteration) anyway, so waits below half of it are not waited for at all (a wait costs ~10 µs)
TIMER_SLACK_S = 0.0005
_perf = time.perf_counter
_PATH_SAFE = "/-._~!$&'()*+,;=:@%"


def _cumulative(weights: Sequence[float]) -> list[float]:
    out: list[float] = []
    total = 0.0
    for w in weights:
        total += max(float(w), 0.0)
        out.append(total)
    return out


def _choose(cum: Sequence[float], rng: random.Random) -> int:
    """Index drawn in proportion to the weights behind `cum`; -1 when they are all zero."""
    if not cum or cum[-1] <= 0:
        return -1
    return min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(cum) - 1)


@dataclass(frozen=True, slots=True)
class CompiledStep:
    method: str
    route: str
    key: str  # "GET /products/{id}": the name it is reported under
    placeholders: tuple[str, ...]
    params: Mapping[str, Sequence[str]]
    query: Sequence[str]
    body: str | None
    headers: Mapping[str, str]
    captures_token: bool
    embedded: bool = False  # an asset fetched right after its page: no think time before it
    needs_token: bool = False  # the session logs in first when it has no token yet
    fixed_path: bool = False  # no placeholders, no query: the path is the route, no draws
    bare: bool = False  # no headers and no body: nothing to build per request


def compile_step(step: Step) -> CompiledStep:
    if not step.route.startswith("/") or any(ord(c) < 0x21 for c in step.route):
        raise ValueError(
            f"step route {step.route!r} must be a path starting with '/' on the target "
            "(absolute URLs and whitespace are refused: a run only talks to its target)"
        )
    method = step.method.upper()
    return CompiledStep(
        method=method,
        route=step.route,
        key=f"{method} {step.route}",
        placeholders=tuple(PLACEHOLDER.findall(step.route)),
        params=step.params,
        query=step.query,
        body=step.body,
        headers=step.headers,
        captures_token=step.captures_token,
        embedded=step.embedded,
        needs_token=step.needs_token,
        fixed_path=not PLACEHOLDER.search(step.route) and not step.query,
        bare=not step.headers and step.body is None,
    )


@dataclass(frozen=True)
class CompiledScenario:
    name: str
    steps: tuple[CompiledStep, ...]
    entry: tuple[float, ...]
    rows: tuple[tuple[float, ...], ...]  # cumulative over matrix row + exit (exit is last)
    think: Distribution
    max_requests: int
    think_constant: float | None = None  # the draw of a constant think time, precomputed
    login: CompiledStep | None = None  # the step that captures a token, run before a step
    # that needs one when the walk reaches it first (a first-order chain can skip the login)
    # False: never fused (`single` stays None), every session takes the general walk. Only for
    # the reference twin in tests/engine/test_sessions_fused.py; the engine leaves it True.
    fuse: bool = field(default=True, kw_only=True)
    linear: int = field(init=False, default=0)  # steps of a matrix-less session (capped)
    # the step when a session is exactly one bare fixed-path request and a constant think time
    # (every `--url` run): its successor can be sent without walking the generic machinery
    single: CompiledStep | None = field(init=False, default=None)

    @classmethod
    def from_scenario(cls, sc: Scenario, *, fuse: bool = True) -> CompiledScenario:
        steps = tuple(compile_step(s) for s in sc.steps)
        n = len(steps)
        entry = tuple(_cumulative(sc.entry)) if len(sc.entry) == n else ()
        rows: list[tuple[float, ...]] = []
        if len(sc.matrix) == n and n:
            for i, row in enumerate(sc.matrix):
                exit_p = sc.exit[i] if i < len(sc.exit) else 0.0
                cum = _cumulative([*(row[:n] + [0.0] * (n - len(row))), exit_p])
                rows.append(tuple(cum))
        think = sc.think_time
        constant = (
            sample_distribution(think, random.Random(0)) if think.kind == "constant" else None
        )
        login = next((s for s in steps if s.captures_token), None)
        return cls(
            sc.name,
            steps,
            entry,
            tuple(rows),
            think,
            max(1, sc.max_requests),
            constant,
            login,
            fuse=fuse,
        )

    def __post_init__(self) -> None:
        # steps of a session without a matrix: once each, in order, capped
        object.__setattr__(self, "linear", min(len(self.steps), self.max_requests))
        first = self.steps[0] if self.steps else None
        if (
            self.fuse
            and first is not None
            and not self.rows
            and self.linear == 1
            and self.think_constant is not None
            and first.bare
            and first.fixed_path
            and not first.captures_token
            and not first.needs_token
        ):
            object.__setattr__(self, "single", first)

    def next_step(self, prev: int, count: int, rng: random.Random) -> int:
        """The step after `prev` when `count` steps were taken, or -1 when the session ends.

        Without a matrix the steps run once, in order. With one, the entry (count 0) and each
        transition are one draw from `rng`, made when the session asks for its next step; the
        draw after the `max_requests`-th step is still made (then the cap ends the walk)."""
        if not self.rows:
            return count if count < self.linear else -1
        if count == 0:
            state = _choose(self.entry, rng) if self.entry else 0
            return state if state >= 0 else 0
        nxt = _choose(self.rows[prev], rng)
        if nxt < 0 or nxt >= len(self.steps) or count >= self.max_requests:
            return -1  # chose exit, a row with no mass, or the cap
        return nxt

    def walk(self, rng: random.Random) -> Iterator[int]:
        """Step indexes of one session (`next_step` until it ends), drawing lazily."""
        index, count = -1, 0
        while (index := self.next_step(index, count, rng)) >= 0:
            yield index
            count += 1


def fill_path(step: CompiledStep, rng: random.Random) -> str:
    """Route with placeholders replaced by drawn values (URL-quoted) and a drawn query string."""
    path = step.route
    for name in step.placeholders:
        values = step.params.get(name)
        value = rng.choice(values) if values else "1"
        path = path.replace(
            "{" + name + "}", quote(str(value), safe=_PATH_SAFE.replace("/", "")), 1
        )
    if step.query:
        q = rng.choice(step.query)
        if q:
            path += "?" + quote(q.lstrip("?"), safe="=&%+-._~!$'()*,;:@/?")
    return path


def fill_body(step: CompiledStep, rng: random.Random) -> bytes | None:
    """JSON body with `{name}` placeholders replaced when `params` names them (JSON braces stay)."""
    if step.body is None:
        return None

    def sub(match: re.Match[str]) -> str:
        values = step.params.get(match.group(1))
        return json.dumps(rng.choice(values))[1:-1] if values else match.group(0)

    return PLACEHOLDER.sub(sub, step.body).encode("utf-8")


def extract_token(body: bytes | None) -> str | None:
    if not body:
        return None
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if isinstance(data, dict):
        for key in ("token", "access_token", "accessToken", "jwt"):
            value = data.get(key)
            if isinstance(value, str) and value:
                return value
    return None


class RequestRecorder(Protocol):
    def record(self, scenario: str, route: str, intended: float, response: Answer) -> None: ...

    def drop(self) -> None: ...


class RateLimiter:
    """Token bucket for the plan's max_rps safety cap; an empty bucket drops the request."""

    def __init__(self, rate: float | None, burst_s: float = 0.1) -> None:
        self.rate = rate
        self.capacity = max(1.0, (rate or 0.0) * burst_s)
        self.tokens = self.capacity
        self.last = time.perf_counter()

    def admit(self) -> bool:
        if self.rate is None:
            return True
        now = time.perf_counter()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass(eq=False)
class SessionContext:
    """Everything a session needs from its worker.

    `stop()` ends sessions between requests (one waiting out a think time ends at once);
    `cancel()` abandons the requests still in flight: their answers are not recorded."""

    transport: Transport
    recorder: RequestRecorder
    limiter: RateLimiter
    headers: Mapping[str, str] = field(default_factory=dict)
    stopping: bool = False
    cancelled: bool = False
    in_flight: int = 0
    max_in_flight: int = 10_000
    waiting: set[Session] = field(default_factory=set)  # sessions in a think-time wait
    # the recorder's pre-resolved fast path (WindowRecorder.ids/record_ids), when it has one
    ids: Callable[[str, str], tuple[int, int]] | None = field(init=False, default=None)
    record_ids: Callable[[int, int, float, Answer], None] = field(init=False)
    submit: Submit = field(init=False)
    # a bare request whose answer is only read inside `done` (FastTransport.submit_view)
    submit_view: Callable[[str, str, AnswerDone], None] = field(init=False)
    record: Callable[[str, str, float, Answer], None] = field(init=False)

    def __post_init__(self) -> None:
        transport = with_callbacks(self.transport)
        submit = self.submit = transport.submit
        view = getattr(transport, "submit_view", None)
        if view is None:

            def view(method: str, path: str, done: AnswerDone) -> None:
                submit(method, path, done=done)

        self.submit_view = view
        self.record = self.recorder.record
        ids = getattr(self.recorder, "ids", None)
        record_ids = getattr(self.recorder, "record_ids", None)
        if ids is not None and record_ids is not None:
            self.ids, self.record_ids = ids, record_ids

    def stop(self) -> None:
        self.stopping = True
        waiting = list(self.waiting)
        self.waiting.clear()
        for session in waiting:
            session.interrupt()

    def cancel(self) -> None:
        """Late answers are dropped from now on; in-flight requests no longer count."""
        self.stop()
        self.cancelled = True
        self.in_flight = 0


# returns the scenario of the next session to run on the same `Session` at once, or None
SessionEnd = Callable[["Session", bool], "CompiledScenario | None"]


class Session:
    """One session on the wire as a state machine; reusable (`begin` starts the next one).

    `on_end(session, ok)` is called once per session, when the walk ends, the context stops, or
    (ok False) something raised inside a callback: that is reported through the event loop's
    exception handler and ends the session. `intended` then holds when the user would act next
    (the last completion plus a think time), a closed-model VU's next start. Nothing is called
    after `ctx.cancel()`.

    When `on_end` returns a scenario (a closed-model VU's next iteration; never after a
    failure, where the answer is ignored), the next session
    starts at once on this object, inside the same call: no `begin` round trip through the
    owner, which for one-request sessions (every `--url` run) was a fifth of the Python work
    per request. A session that ends without sending anything (all dropped by the rate cap)
    starts its successor from the event loop instead, so such a VU cannot spin without yielding.
    """

    __slots__ = (
        "count",
        "ctx",
        "done",
        "failure",
        "fused",
        "index",
        "intended",
        "live",
        "login",
        "on_end",
        "rid",
        "rng",
        "scenario",
        "seen",
        "sid",
        "step",
        "then",
        "think",
        "timer",
        "token",
    )

    def __init__(
        self, ctx: SessionContext, rng: random.Random, think: bool, on_end: SessionEnd
    ) -> None:
        self.ctx = ctx
        self.rng = rng
        self.think = think
        self.on_end = on_end
        self.done = self._answered  # bound once: handed to the transport with every request
        self.scenario: CompiledScenario | None = None
        self.intended = 0.0
        # a perf_counter reading from the past (a lower bound of now): a step intended no later
        # than it plus the slack is due, no clock read needed to know it
        self.seen = 0.0
        self.index = -1  # current state of the walk
        self.count = 0  # steps taken
        self.token: str | None = None
        self.login: CompiledStep | None = None
        self.step: CompiledStep | None = None
        self.then: CompiledStep | None = None  # the step a login went before
        self.timer: asyncio.TimerHandle | None = None
        self.live = False
        self.failure: BaseException | None = None
        # a one-request scenario whose recorder ids (`sid`, `rid`) are resolved: its answers
        # are recorded with `record_ids`, no name lookups
        self.fused: CompiledScenario | None = None
        self.sid = self.rid = 0

    def begin(self, scenario: CompiledScenario, intended: float) -> None:
        """Start a session whose first request is intended at perf_counter time `intended`."""
        self.intended = intended
        self._reset(scenario)
        try:
            self._advance()
        except Exception as exc:
            self._crash(exc)

    def begin_single(self, scenario: CompiledScenario, intended: float) -> None:
        """`begin` of a one-request scenario (`scenario.single`) that is due now, for a caller
        that checked what `_again` checks (not stopping, no rate cap, recorder ids): an
        open-model arrival of a `--url` run. Sends at once with `submit_view`; the answer is
        recorded with ids resolved once per scenario, as a closed-model VU's are."""
        step = scenario.single
        assert step is not None
        ctx = self.ctx
        self.intended = intended
        # `_reset`, inlined
        self.scenario = scenario
        self.token = None
        self.login = scenario.login
        self.then = None
        self.live = True
        self.index = 0
        self.count = 1
        self.step = step
        try:
            if self.fused is not scenario:
                assert ctx.ids is not None
                self.sid, self.rid = ctx.ids(scenario.name, step.key)
                self.fused = scenario
            ctx.in_flight += 1
            ctx.submit_view(step.method, step.route, self.done)
        except Exception as exc:
            self._crash(exc)

    def join(self, scenario: CompiledScenario, index: int, count: int, intended: float) -> None:
        """Start a session met in the middle of its journey (see `warm`): `count` steps were
        taken before, step `index` is sent at perf_counter time `intended`, and the walk goes
        on from it. A session joined before its login logs in when a step needs the token."""
        self.intended = intended
        self._reset(scenario)
        self.index = index
        self.count = count + 1
        try:
            if not self._go(scenario.steps[index]):
                self._advance()
        except Exception as exc:
            self._crash(exc)

    def leave(self) -> bool:
        """The user leaves during a think time (the open model's rate went down): end the
        session now. False when it is not waiting (sending, or not live): it goes on."""
        if self.timer is None or not self.live:
            return False
        self.ctx.waiting.discard(self)
        self.interrupt()
        return True

    def _reset(self, scenario: CompiledScenario) -> None:
        # (`index` needs no reset: the first draw ignores it; `failure` is set with ok False)
        self.scenario = scenario
        self.count = 0
        self.token = None
        self.login = scenario.login
        self.then = None
        self.live = True

    def _resume(self) -> None:
        """The successor of a session that sent nothing, from the event loop."""
        try:
            self._advance()
        except Exception as exc:
            self._crash(exc)

    def _advance(self, ended: bool = False) -> None:
        """Take the next step: think, wait for its intended time, send; or end the session.

        `ended`: a session just ended and this one, its successor, has sent nothing yet."""
        ctx = self.ctx
        scenario = self.scenario
        assert scenario is not None
        while True:  # once per step the rate limiter drops; a sent request returns
            count = self.count
            if scenario.rows:
                index = scenario.next_step(self.index, count, self.rng)
            elif count < scenario.linear:
                index = count
            else:
                index = -1
            if index < 0 or ctx.stopping:
                following = self._end()
                if following is None:
                    return
                self._reset(following)
                if ended:  # a whole session went by without a request: yield first
                    asyncio.get_running_loop().call_soon(self._resume)
                    return
                ended = True
                scenario = following
                continue
            self.index = index
            self.count = count + 1
            step = scenario.steps[index]
            if count and self.think and not step.embedded:
                constant = scenario.think_constant
                self.intended += (
                    constant
                    if constant is not None
                    else sample_distribution(scenario.think, self.rng)
                )
            if self._go(step):
                return

    def _go(self, step: CompiledStep) -> bool:
        """Send `step` at `intended` (logging in first when it needs a token): wait for it, or
        send now. False when the rate limiter dropped it, so the walk goes on at once."""
        if step.needs_token and self.token is None and self.login is not None:
            self.then = step  # log in first, once per session
            step = self.login
            self.login = None
        self.step = step
        if self.intended - self.seen > TIMER_SLACK_S:
            delay = self.intended - _perf()
            if delay > TIMER_SLACK_S:
                self.timer = asyncio.get_running_loop().call_later(delay, self._woken)
                self.ctx.waiting.add(self)
                return True
        return self._send()

    def _send(self) -> bool:
        """Send `step` (and the step a login went before, if the login was dropped); False when
        the rate limiter dropped them all, so the walk goes on at once."""
        ctx = self.ctx
        while True:
            step = self.step
            assert step is not None
            limiter = ctx.limiter
            if limiter.rate is not None and not limiter.admit():
                ctx.recorder.drop()
                self.intended = time.perf_counter()
                if self.then is None:
                    return False
                self.step, self.then = self.then, None  # right after the login
                continue
            token = self.token
            if step.bare and token is None:
                ctx.in_flight += 1
                ctx.submit(
                    step.method,
                    step.route if step.fixed_path else fill_path(step, self.rng),
                    want_body=step.captures_token,
                    done=self.done,
                )
                return True
            headers = dict(step.headers)
            if token is not None:
                headers["Authorization"] = f"Bearer {token}"
            body = fill_body(step, self.rng)
            if body is not None and not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
            ctx.in_flight += 1
            ctx.submit(
                step.method,
                step.route if step.fixed_path else fill_path(step, self.rng),
                headers=headers or None,
                body=body,
                want_body=step.captures_token,
                done=self.done,
            )
            return True

    def _answered(self, response: Answer) -> None:
        """The transport's callback: record, then the next step."""
        ctx = self.ctx
        if ctx.cancelled:
            return
        ctx.in_flight -= 1
        try:
            scenario = self.scenario
            if scenario is self.fused:
                ctx.record_ids(self.sid, self.rid, self.intended, response)
                self.intended = self.seen = response.t_done
                self._again()
                return
            step = self.step
            assert step is not None and scenario is not None
            ctx.record(scenario.name, step.key, self.intended, response)
            if scenario.single is not None:
                if ctx.ids is not None:  # resolved once: later answers take the branch above
                    self.sid, self.rid = ctx.ids(scenario.name, step.key)
                    self.fused = scenario
                self.intended = self.seen = response.t_done
                self._again()
                return
            if step.captures_token and response.error is None and response.status < 400:
                # a token step is never sent with submit_view: its answer is a Response
                self.token = extract_token(cast(Response, response).body) or self.token
            # the next step is intended at this completion (plus a think time, if any)
            self.intended = self.seen = response.t_done
            if self.then is not None:
                self.step, self.then = self.then, None  # right after the login
                if self._send():
                    return
            self._advance()
        except Exception as exc:
            self._crash(exc)

    def _again(self) -> None:
        """A one-request session is over: end it and, when its successor is one too and due
        now, send that at once. This is `_advance` + `_send` for the case every `--url` run
        hits on each request, minus the walk, think-time, login and rate-cap branches that
        cannot apply (anything else goes the generic way)."""
        if self.think:  # `_end`, inlined
            self.intended += self.scenario.think_constant  # type: ignore[union-attr,operator]
        self.live = False
        following = self.on_end(self, True)
        if following is None:
            return
        # `_reset`, inlined
        self.scenario = following
        self.token = None
        self.login = following.login
        self.then = None
        self.live = True
        step = following.single
        ctx = self.ctx
        if (
            step is None
            or ctx.stopping
            or ctx.limiter.rate is not None
            or self.intended - self.seen > TIMER_SLACK_S
        ):
            self.count = 0
            self._advance(True)
            return
        self.index = 0
        self.count = 1
        self.step = step
        ctx.in_flight += 1
        ctx.submit_view(step.method, step.route, self.done)

    def _woken(self) -> None:
        """The think time is over: send the step."""
        self.timer = None
        self.ctx.waiting.discard(self)
        try:
            if not self._send():
                self._advance()
        except Exception as exc:
            self._crash(exc)

    def interrupt(self) -> None:
        """The context stopped while this session waited out a think time: end it now."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
            try:
                following = self._end()
                if following is not None:
                    self._reset(following)
                    asyncio.get_running_loop().call_soon(self._resume)
            except Exception as exc:
                self._crash(exc)

    def _end(self) -> CompiledScenario | None:
        """The walk is over: the think time before the next iteration, then tell the owner."""
        if self.think and self.count:  # the pause before the user's next iteration
            assert self.scenario is not None
            constant = self.scenario.think_constant
            self.intended += (
                constant
                if constant is not None
                else sample_distribution(self.scenario.think, self.rng)
            )
        self.live = False
        return self.on_end(self, True)

    def _crash(self, exc: BaseException) -> None:
        """A bug in a callback: report it (as asyncio does for a failed task), end the session."""
        asyncio.get_running_loop().call_exception_handler(
            {"message": "session callback raised", "exception": exc}
        )
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        self.ctx.waiting.discard(self)
        if self.live:
            self.live = False
            self.failure = exc
            self.on_end(self, False)


async def run_session(
    ctx: SessionContext,
    scenario: CompiledScenario,
    rng: random.Random,
    intended: float,
    *,
    think: bool = True,
) -> float:
    """Run one session whose first request is intended at perf_counter time `intended`.

    Returns when the session's user would act next (the last completion plus a think time),
    which a closed-model VU uses as the intended start of its next iteration. The think time is
    drawn before each non-embedded step, once the step is known. Raises what a callback raised.
    """
    done: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    def on_end(session: Session, ok: bool) -> None:
        if done.done():
            return None
        if ok:
            done.set_result(session.intended)
        else:
            done.set_exception(session.failure or RuntimeError("the session failed"))
        return None

    Session(ctx, rng, think, on_end).begin(scenario, intended)
    return await done


class ScenarioPicker:
    """Draws a scenario for each arriving session/VU iteration in proportion to its weight."""

    def __init__(self, scenarios: Sequence[CompiledScenario], weights: Sequence[float]) -> None:
        self.scenarios = list(scenarios)
        self.cum = _cumulative(weights)
        if not self.scenarios:
            raise ValueError("the plan has no scenarios")
        self._single = len(self.scenarios) == 1
        self._draws = bool(self.cum) and self.cum[-1] > 0

    def pick(self, rng: random.Random) -> CompiledScenario:
        if self._single:
            if self._draws:
                rng.random()  # the draw _choose makes, so seeded runs stay the same stream
            return self.scenarios[0]
        i = _choose(self.cum, rng)
        return self.scenarios[i if i >= 0 else 0]
