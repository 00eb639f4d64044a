"""The routes a stand-in serves, read from a traffic model: what to match, how slow, what status.

Pure and synchronous: `route_table(model)` turns a `TrafficModel` into matchable routes and
`RouteTable.match` finds the one a request path belongs to. The stand-in (`stand_in.py`) adds
the server around it.

Where the routes come from: every state of every persona's Markov chain and every entry of its
endpoint mix (what a plan from the model can send; a chain's `other` state is sent as
`GET /other`, see `plan.build.split_state`), with each route's response-time quantiles and
status counts from `TrafficModel.routes` (the profile keeps them per route; a route the log
timed nowhere gets the base service time).

Draws are quasi-random (the R2 low-discrepancy sequence, one per route) rather than independent:
n requests to a route see its latency quantiles and status mix spread evenly, so even a
20-second rehearsal shows the log's p50 and error mix, where 30 independent draws of a 10 %
error share land outside 7-13 % more than half of the time.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote

from loadtui.contracts import Persona, RouteStats, TrafficModel

# the same placeholder syntax the engine fills (engine/sessions.PLACEHOLDER)
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# the rule by which a plan's POST step captures a token (plan/build.LOGIN_ROUTE; a test keeps
# the two equal: the target may not import the planner)
LOGIN_ROUTE = re.compile(r"(?i)(log-?in|sign-?in|auth|token|session)")
OTHER_STATE = "other"  # profile/transitions.OTHER_STATE: rare routes folded into one state
POOLED_METHOD = "*"  # profile/route_stats.POOLED_METHOD: the `other` row pools every method
CREATING_METHODS = frozenset({"POST"})
# R2 sequence (Roberts 2018): additive recurrence on the plastic number, low discrepancy in 2-D
_PLASTIC = 1.324717957244746
_A1 = 1.0 / _PLASTIC
_A2 = 1.0 / (_PLASTIC * _PLASTIC)
MATCH_CACHE = 4096  # distinct (method, path) pairs remembered by `RouteTable.match`


def split_state(state: str) -> tuple[str, str]:
    """`"GET /products/{id}"` → ("GET", "/products/{id}"); a bare route (`other`) is a GET path,
    as the planner sends it."""
    method, sep, route = state.strip().partition(" ")
    if not sep:
        return "GET", route_path(method)
    return method.upper(), route_path(route.strip())


def route_path(route: str) -> str:
    """A route as a path: the planner sends a route not starting with `/` under `/`."""
    return route if route.startswith("/") else "/" + route


def template_regex(template: str) -> re.Pattern[str] | None:
    """`/products/{id}` → a regex matching any one-segment value there; None without
    placeholders (the route is matched as a literal)."""
    parts = PLACEHOLDER.split(template)
    if len(parts) == 1:
        return None
    literal = parts[0::2]  # split keeps the group: literals at even indexes
    return re.compile("^" + "[^/]+".join(re.escape(p) for p in literal) + "$")


def interpolate(levels: list[tuple[float, float]], u: float) -> float:
    """The inverse CDF through (level, value) points, linear between them."""
    if not levels:
        return 0.0
    if u <= levels[0][0]:
        return levels[0][1]
    for (l0, v0), (l1, v1) in itertools.pairwise(levels):
        if u <= l1:
            return v0 if l1 <= l0 else v0 + (v1 - v0) * (u - l0) / (l1 - l0)
    return levels[-1][1]


def mean_of(levels: list[tuple[float, float]]) -> float:
    """Mean of the piecewise-linear inverse CDF (trapezoids over the probability axis)."""
    if not levels:
        return 0.0
    total = 0.0
    for (l0, v0), (l1, v1) in itertools.pairwise(levels):
        total += (l1 - l0) * (v0 + v1) / 2
    span = levels[-1][0] - levels[0][0]
    return total / span if span > 0 else levels[0][1]


@dataclass
class StandInRoute:
    """One route the stand-in answers: its latency quantiles (ms) and status mix."""

    method: str
    template: str
    latency_ms: list[tuple[float, float]] = field(default_factory=list)  # (level, ms), sorted
    statuses: list[tuple[int, float]] = field(default_factory=list)  # (code, cumulative share)
    captures_token: bool = False
    share: float = 0.0  # of the model's request mix (what a plan sends): the knee's weights
    observed: int = 0  # requests the log had on this route
    regex: re.Pattern[str] | None = None
    _n: int = 0
    _offset: float = 0.0

    @property
    def state(self) -> str:
        return f"{self.method} {self.template}"

    @property
    def ok_status(self) -> int:
        """The 2xx a healthy route answers: 201 for a POST that creates, 200 otherwise."""
        return 201 if self.method in CREATING_METHODS and not self.captures_token else 200

    def next_draw(self) -> tuple[float, float]:
        """The next point of the route's R2 sequence: (u for latency, u for status)."""
        self._n += 1
        return (
            (self._offset + self._n * _A1) % 1.0,
            (self._offset * 0.5 + self._n * _A2) % 1.0,
        )

    def latency(self, u: float) -> float | None:
        """Milliseconds at quantile `u`; None when the log never timed this route."""
        return interpolate(self.latency_ms, u) if self.latency_ms else None

    def mean_ms(self) -> float | None:
        return mean_of(self.latency_ms) if self.latency_ms else None

    def status(self, u: float, observed_errors: bool) -> int:
        """The answer's status: the route's observed mix at `u`, or its 2xx by default."""
        if not observed_errors or not self.statuses:
            return self.ok_status
        for code, cumulative in self.statuses:
            if u < cumulative:
                return code
        return self.statuses[-1][0]


@dataclass
class RouteTable:
    """Routes by method: literal paths in a dict, templates tried most specific first."""

    routes: list[StandInRoute]
    _literal: dict[tuple[str, str], StandInRoute] = field(default_factory=dict)
    _templates: list[StandInRoute] = field(default_factory=list)
    _cache: dict[tuple[str, str], StandInRoute | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for r in self.routes:
            if r.regex is None:
                self._literal.setdefault((r.method, r.template), r)
            else:
                self._templates.append(r)
        # more literal text first: /a/{id}/edit before /a/{id}, /a/b before /a/{id}
        self._templates.sort(key=lambda r: (-len(PLACEHOLDER.sub("", r.template)), r.template))

    def _find(self, method: str, path: str) -> StandInRoute | None:
        hit = self._literal.get((method, path))
        if hit is not None:
            return hit
        for r in self._templates:
            if r.method == method and r.regex is not None and r.regex.match(path):
                return r
        return None

    def match(self, method: str, raw_path: str) -> StandInRoute | None:
        """The route for a request; `raw_path` as sent (no query string). A HEAD is matched as
        a GET (servers answer HEAD for every GET route)."""
        key = (method, raw_path)
        if key in self._cache:
            return self._cache[key]
        found = None
        for m in (method, "GET") if method == "HEAD" else (method,):
            found = self._find(m, raw_path)
            if found is None and "%" in raw_path:
                found = self._find(m, unquote(raw_path))
            if found is not None:
                break
        if len(self._cache) >= MATCH_CACHE:
            self._cache.clear()
        self._cache[key] = found
        return found

    def allows(self, raw_path: str) -> list[str]:
        """Methods some route serves at this path (for a 405's Allow header)."""
        methods = {r.method for r in self.routes if r.template == raw_path}
        methods.update(
            r.method for r in self._templates if r.regex is not None and r.regex.match(raw_path)
        )
        return sorted(methods)

    def mean_service_ms(self, base_mean_ms: float) -> float:
        """Mean service time over the model's route mix; `base_mean_ms` for untimed routes."""
        total = sum(r.share for r in self.routes)
        if total <= 0:
            return base_mean_ms
        return sum(r.share * (r.mean_ms() or base_mean_ms) for r in self.routes) / total


def request_mix(model: TrafficModel, personas: Sequence[Persona] | None = None) -> dict[str, float]:
    """Expected share of each `METHOD route` state among the requests a plan sends: the
    personas' endpoint mixes weighted by their requests (by default the non-bot personas, as a
    default plan; all when every one is a bot). Mix entries outside a persona's chain, and the
    mix's missing remainder, are `other`.
    """
    if personas is not None:
        people = list(personas)
    else:
        people = [p for p in model.personas if not p.is_bot] or list(model.personas)
    total = sum(p.requests for p in people)
    mix: dict[str, float] = {}
    if total <= 0:
        return mix
    for p in people:
        weight = p.requests / total
        states = set(p.transitions.states)
        counted = 0.0
        for e in p.endpoint_mix:
            name = f"{e.method.upper()} {e.route}"
            key = name if not states or name in states else OTHER_STATE
            mix[key] = mix.get(key, 0.0) + weight * e.share
            counted += e.share
        if counted < 1.0 - 1e-9 and (OTHER_STATE in states or not p.endpoint_mix):
            mix[OTHER_STATE] = mix.get(OTHER_STATE, 0.0) + weight * (1.0 - counted)
    return mix


def _statuses(counts: dict[str, int]) -> list[tuple[int, float]]:
    codes = sorted((int(c), n) for c, n in counts.items() if c.isdigit() and n > 0)
    total = sum(n for _, n in codes)
    out: list[tuple[int, float]] = []
    running = 0
    for code, n in codes:
        running += n
        out.append((code, running / total))
    return out


def _stand_in_route(
    method: str, template: str, stats: RouteStats | None, share: float, rng: random.Random
) -> StandInRoute:
    levels = (
        sorted((float(k), max(0.0, float(v))) for k, v in stats.response_ms.items())
        if stats is not None
        else []
    )
    return StandInRoute(
        method=method,
        template=template,
        latency_ms=levels,
        statuses=_statuses(stats.status) if stats is not None else [],
        captures_token=method == "POST" and bool(LOGIN_ROUTE.search(template)),
        share=share,
        observed=stats.count if stats is not None else 0,
        regex=template_regex(template),
        _offset=rng.random(),
    )


def model_states(model: TrafficModel) -> list[str]:
    """Every `METHOD route` a plan from the model can send, most requested first."""
    seen: dict[str, None] = {}
    for r in model.routes:
        if not (r.method == POOLED_METHOD and r.route == OTHER_STATE):
            seen.setdefault(f"{r.method.upper()} {r.route}", None)
    for p in model.personas:
        for s in p.transitions.states:
            seen.setdefault(s, None)
        for e in p.endpoint_mix:
            seen.setdefault(f"{e.method.upper()} {e.route}", None)
    return list(seen)


def route_table(model: TrafficModel, *, seed: int | None = None) -> RouteTable:
    """The stand-in's routes for `model` (ValueError when it names none)."""
    rng = random.Random(seed)
    stats_by_state: dict[str, RouteStats] = {}
    for r in model.routes:
        key = OTHER_STATE if r.method == POOLED_METHOD else f"{r.method.upper()} {r.route}"
        stats_by_state.setdefault(key, r)
    mix = request_mix(model)
    routes: list[StandInRoute] = []
    served: set[tuple[str, str]] = set()
    for state in model_states(model):
        method, template = split_state(state)
        if (method, template) in served:
            continue
        served.add((method, template))
        key = OTHER_STATE if state == OTHER_STATE else state
        routes.append(
            _stand_in_route(method, template, stats_by_state.get(key), mix.get(key, 0.0), rng)
        )
    if not routes:
        raise ValueError("the model names no routes; profile a log with requests in it")
    return RouteTable(routes)


def summarise(routes: Iterable[StandInRoute]) -> dict[str, float]:
    """Mean latency (ms) per timed route, for `/_stats`."""
    return {r.state: round(m, 3) for r in routes if (m := r.mean_ms()) is not None}


def lognormal_ms(rng: random.Random, median_ms: float, sigma: float) -> float:
    """A base service time draw, as the demo's capacity model makes them."""
    if sigma <= 0:
        return median_ms
    return rng.lognormvariate(math.log(median_ms), sigma)
