"""What one session (open model) or one VU iteration (closed model) does on the wire.

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
"""

from __future__ import annotations

import asyncio
import bisect
import json
import math
import random
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import quote

from loadtui.contracts import Distribution, Scenario, Step
from loadtui.engine.transport import Response, Transport

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
MAX_THINK_S = 600.0  # one absurd tail draw must not park a session for an hour
# uvloop's timers have 1 ms resolution: a shorter wait rounds to "now" (fires on the next loop
# iteration) anyway, so waits below half of it are not waited for at all (a wait costs ~10 µs)
TIMER_SLACK_S = 0.0005
_PATH_SAFE = "/-._~!$&'()*+,;=:@%"


def sample_distribution(dist: Distribution, rng: random.Random) -> float:
    """One draw in seconds (lognormal from mu/sigma, empirical from quantiles, or constant)."""
    if dist.kind == "constant":
        value = dist.median
    elif dist.kind == "empirical" and dist.quantiles:
        points = sorted((float(k), v) for k, v in dist.quantiles.items())
        u = rng.random()
        levels = [p for p, _ in points]
        i = bisect.bisect_left(levels, u)
        if i <= 0:
            value = points[0][1]
        elif i >= len(points):
            value = points[-1][1]
        else:
            (p0, v0), (p1, v1) = points[i - 1], points[i]
            value = v0 + (v1 - v0) * (u - p0) / (p1 - p0) if p1 > p0 else v1
    elif dist.sigma > 0 or dist.mu != 0:
        value = math.exp(rng.gauss(dist.mu, dist.sigma))
    else:
        value = dist.median
    return min(max(value, 0.0), MAX_THINK_S)


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

    @classmethod
    def from_scenario(cls, sc: Scenario) -> CompiledScenario:
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
            sc.name, steps, entry, tuple(rows), think, max(1, sc.max_requests), constant, login
        )

    def walk(self, rng: random.Random) -> Iterator[int]:
        """Step indexes of one session. Without a matrix the steps run once, in order."""
        if not self.rows:
            return iter(range(min(len(self.steps), self.max_requests)))  # no generator frame
        return self._chain(rng)

    def _chain(self, rng: random.Random) -> Iterator[int]:
        n = len(self.steps)
        state = _choose(self.entry, rng) if self.entry else 0
        if state < 0:
            state = 0
        for _ in range(self.max_requests):
            yield state
            nxt = _choose(self.rows[state], rng)
            if nxt < 0 or nxt >= n:  # chose exit, or a row with no mass
                return
            state = nxt


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
    def record(self, scenario: str, route: str, intended: float, response: Response) -> None: ...

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


@dataclass
class SessionContext:
    """Everything a session needs from its worker; `stopping` ends sessions between requests."""

    transport: Transport
    recorder: RequestRecorder
    limiter: RateLimiter
    headers: Mapping[str, str] = field(default_factory=dict)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
    in_flight: int = 0
    max_in_flight: int = 10_000


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
    drawn before each non-embedded step, once the step is known.
    """
    token: str | None = None
    stopping = ctx.stopping
    transport = ctx.transport
    recorder = ctx.recorder
    limiter = ctx.limiter if ctx.limiter.rate is not None else None
    steps = scenario.steps
    name = scenario.name
    constant = scenario.think_constant
    sc_think = scenario.think
    login = scenario.login
    perf = time.perf_counter
    first = True
    for index in scenario.walk(rng):
        if stopping.is_set():
            break
        step = steps[index]
        if first:
            first = False
        elif think and not step.embedded:
            intended += constant if constant is not None else sample_distribution(sc_think, rng)
        then: CompiledStep | None = None
        if step.needs_token and token is None and login is not None:
            step, then, login = login, step, None  # log in first, once per session
        delay = intended - perf()
        if delay > TIMER_SLACK_S:
            try:
                await asyncio.wait_for(stopping.wait(), timeout=delay)
                break  # stopping was set while we waited
            except TimeoutError:
                pass
        while True:  # once, or twice when a login goes first
            if limiter is not None and not limiter.admit():
                recorder.drop()
            else:
                if step.bare and token is None:
                    headers: dict[str, str] | None = None
                    body = None
                else:
                    headers = dict(step.headers)
                    if token is not None:
                        headers["Authorization"] = f"Bearer {token}"
                    body = fill_body(step, rng)
                    if body is not None and not any(k.lower() == "content-type" for k in headers):
                        headers["Content-Type"] = "application/json"
                ctx.in_flight += 1
                try:
                    response = await transport.request(
                        step.method,
                        step.route if step.fixed_path else fill_path(step, rng),
                        headers=headers or None,
                        body=body,
                        want_body=step.captures_token,
                    )
                finally:
                    ctx.in_flight -= 1
                recorder.record(name, step.key, intended, response)
                if step.captures_token and response.error is None and response.status < 400:
                    token = extract_token(response.body) or token
            intended = perf()
            if then is None:
                break
            step, then = then, None  # right after the login, as a redirect would
    if think and not first:  # the pause before the user's next iteration (closed model)
        intended += constant if constant is not None else sample_distribution(sc_think, rng)
    return intended


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
