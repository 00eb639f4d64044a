"""TrafficModel → TestPlan: one scenario per persona, stages per test type, k6 thresholds.

What a scenario holds:
- steps: the persona's Markov states (`METHOD route`), with entry/matrix/exit copied (rows
  renormalised so each row plus exit sums to 1);
- `Step.params`: observed path-parameter values per placeholder (repetition kept, so hot
  products stay hot), falling back to other personas' values for the same route; `{email}`
  and `{ip}` always get reserved stand-ins (`loadtui.plan.stand_ins`), never observed values;
- `Step.query`: observed query strings for the route;
- login steps (`POST` on a route naming login/signin/auth/token/session) capture the `token`
  from the JSON answer; steps on checkout/account/me/orders/profile routes are marked
  `needs_token` when the persona logs in, cart/basket routes only when it logs in in most of
  its sessions (anonymous carts are common; a rare login must not gate every cart);
- steps on static-asset routes (the profile's asset test) are `embedded`: fetched right after
  the page without a think time, since the persona's think time is measured page to page;
- bodies for POST/PUT/PATCH: JSON templates whose `{name}` placeholders the engine fills,
  JSON-escaped, with a value drawn from `Step.params[name]` (the same syntax as path
  placeholders). Login: `{"user": "{user}", "password": "{password}"}`; cart items:
  `{"product_id": {product_id}, "qty": {qty}}`; anything else: `{"title": "{title}",
  "body": "{text}"}`.

Rates: `peak_rps` is peak *requests* per second. The open model's stage targets are session
arrivals per second, so the peak is divided by the mix's mean requests per session — the
expected length of each scenario's Markov walk (capped at `max_requests`), weighted by share,
which is what the engine will actually send. The closed model's targets are VUs, from Little's
law: sessions/s × mean session time (requests × response time + page requests × think time).

A breakpoint test (`type="breakpoint"`, open model only) ramps from 0 to ×10 the peak and
carries stop conditions (`breakpoint.until`, default: errors over 5 % or p95 over 1 s) instead
of pass/fail thresholds: it is meant to end at its breaking point, which is its result, not a
failure. `as_breakpoint` turns any open plan (a `--url` plan too) into one.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import reduce
from math import gcd
from typing import Literal

from loadtui import __version__
from loadtui.contracts import (
    Breakpoint,
    Distribution,
    Limits,
    Persona,
    Scenario,
    Step,
    TestPlan,
    TrafficModel,
    Transitions,
    Workload,
)
from loadtui.errors import UserError
from loadtui.plan.stages import (
    DEFAULT_DURATION_S,
    PLAN_TYPES,
    RAMPS,
    format_duration,
    make_stages,
    parse_duration,
    total_seconds,
)
from loadtui.plan.stand_ins import STAND_INS
from loadtui.plan.thresholds import DEFAULT_UNTIL, default_thresholds, until_spec
from loadtui.profile.features import is_asset_route

DEFAULT_TARGET = "http://127.0.0.1:8080"
DEFAULT_PEAK_RPS = 10.0  # when the model saw no rate at all (a tiny or timeless log)
DEFAULT_RESPONSE_S = 0.05
MAX_PARAM_VALUES = 200

LOGIN_ROUTE = re.compile(r"(?i)(log-?in|sign-?in|auth|token|session)")
# Always behind a login in a shop-like app; carts are often anonymous, so they only need the
# token for personas that log in in most of their sessions.
TOKEN_ROUTE = re.compile(r"(?i)(checkout|account|/me(?:/|$)|profile|orders?(?:/|$)|settings)")
MEMBER_ROUTE = re.compile(r"(?i)(cart|basket|wishlist)")
MOSTLY_LOGGED_IN = 0.5  # logins per session above which member routes need the token
PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})

LOGIN_BODY = '{"user": "{user}", "password": "{password}"}'
CART_BODY = '{"product_id": {product_id}, "qty": {qty}}'
CHECKOUT_BODY = '{"payment_method": "{payment_method}"}'
NOTE_BODY = '{"title": "{title}", "body": "{text}"}'
_WORDS = (
    "alpha", "budget", "draft", "ideas", "meeting", "notes", "plan", "release", "review",
    "shopping", "summary", "todo", "travel", "weekly",
)  # fmt: skip

PlanType = Literal["smoke", "load", "stress", "spike", "soak", "breakpoint"]


def split_state(state: str) -> tuple[str, str]:
    """`"GET /products/{id}"` → ("GET", "/products/{id}"); a bare route means GET."""
    method, sep, route = state.strip().partition(" ")
    if not sep:
        return "GET", safe_route(method)
    return method.upper(), safe_route(route.strip())


def safe_route(route: str) -> str:
    """A route the engine will send to *its* target: a path, with no raw control characters.

    Logs hold whatever clients sent (absolute URLs from proxies, spaces, CR/LF): those are
    percent-encoded, and a route not starting with `/` becomes a path, never another host.
    """
    clean = _CONTROL.sub(lambda m: f"%{ord(m.group()):02X}", route)
    return clean if clean.startswith("/") else "/" + clean


def _normalised(t: Transitions, n: int) -> tuple[list[float], list[list[float]], list[float]]:
    """entry, matrix, exit with the Markov invariants restored (each row + exit = 1)."""
    entry = [max(0.0, float(x)) for x in (t.entry + [0.0] * n)[:n]]
    total = sum(entry)
    entry = [x / total for x in entry] if total > 0 else [1.0 / n] * n
    matrix: list[list[float]] = []
    exits: list[float] = []
    for i in range(n):
        row = t.matrix[i] if i < len(t.matrix) else []
        row = [max(0.0, float(x)) for x in (row + [0.0] * n)[:n]]
        ex = max(0.0, float(t.exit[i])) if i < len(t.exit) else 0.0
        s = sum(row) + ex
        if s <= 0:
            row, ex, s = [0.0] * n, 1.0, 1.0
        matrix.append([round(x / s, 6) for x in row])
        exits.append(round(ex / s, 6))
    return [round(x, 6) for x in entry], matrix, exits


def _from_mix(p: Persona) -> Transitions:
    """A memoryless chain from the endpoint mix, for personas profiled without transitions."""
    mix = [e for e in p.endpoint_mix if e.share > 0]
    shares = [e.share for e in mix]
    total = sum(shares) or 1.0
    shares = [s / total for s in shares]
    mean_len = p.requests_per_session.mean or (p.requests / p.sessions if p.sessions else 5.0)
    q = 1.0 / max(1.0, mean_len)
    return Transitions(
        states=[f"{e.method} {e.route}" for e in mix],
        entry=shares,
        matrix=[[s * (1 - q) for s in shares] for _ in mix],
        exit=[q] * len(mix),
    )


def expected_visits(
    entry: Sequence[float], matrix: Sequence[Sequence[float]], cap: int
) -> list[float]:
    """Expected visits to each state in a walk capped at `cap` steps: Σₖ entry·Qᵏ."""
    import numpy as np

    if not entry:
        return []
    q = np.asarray(matrix, dtype=float)
    v = np.asarray(entry, dtype=float)
    total = np.zeros_like(v)
    for _ in range(max(1, cap)):
        if float(v.sum()) < 1e-12:
            break
        total += v
        v = v @ q
    return [float(x) for x in total]


def expected_requests(entry: Sequence[float], matrix: Sequence[Sequence[float]], cap: int) -> float:
    """E[min(walk length, cap)] for a chain with exits: Σₖ P(length > k) = Σₖ entry·Qᵏ·1."""
    return sum(expected_visits(entry, matrix, cap))


def compact_values(values: list[str]) -> list[str]:
    """Divide every value's count by their common divisor: same distribution, shorter list.

    Observed values are kept with repetition so hot ids stay hot; 200 × "style" says no more
    than one "style", and {a: 4, b: 2} no more than [a, a, b]. Order of first appearance stays.
    """
    counts = Counter(values)
    step = reduce(gcd, counts.values(), 0)
    if step <= 1:
        return values
    out: list[str] = []
    for value, n in counts.items():
        out.extend([value] * (n // step))
    return out


def _observed_values(model: TrafficModel, persona: Persona, route: str) -> list[list[str]]:
    values = persona.param_values.get(route)
    if values:
        return values
    for other in model.personas:
        if other.param_values.get(route):
            return other.param_values[route]
    return []


def _product_ids(model: TrafficModel, persona: Persona) -> list[str]:
    """Numeric product ids this persona (else anyone) viewed: what it would put in a cart."""
    for source in (persona, *model.personas):
        ids = [
            vals[0]
            for route, rows in source.param_values.items()
            if "product" in route.lower()
            for vals in rows
            if vals and vals[0].isdigit()
        ]
        if ids:
            return ids[:MAX_PARAM_VALUES]
    return [str(i) for i in range(1, 101)]


def _step(model: TrafficModel, persona: Persona, state: str, share: float) -> Step:
    method, route = split_state(state)
    params: dict[str, list[str]] = {}
    names = PLACEHOLDER.findall(route)
    rows = _observed_values(model, persona, route)
    for i, name in enumerate(names):
        if name in STAND_INS:  # personal data: a model from elsewhere may still hold some
            params[name] = list(STAND_INS[name])
            continue
        vals = [r[i] for r in rows if i < len(r)][:MAX_PARAM_VALUES]
        if vals:
            params[name] = compact_values(vals)
    body: str | None = None
    captures = method == "POST" and bool(LOGIN_ROUTE.search(route))
    if method in WRITE_METHODS:
        if captures:
            body = LOGIN_BODY
            params["user"] = [f"loadtest-{i:03d}" for i in range(1, 21)]
            params["password"] = ["loadtest-password"]
        elif "cart" in route.lower():
            body = CART_BODY
            params["product_id"] = compact_values(_product_ids(model, persona))
            params["qty"] = ["1", "1", "1", "2", "3"]
        elif "checkout" in route.lower():
            body = CHECKOUT_BODY
            params["payment_method"] = ["card", "card", "paypal"]
        else:
            body = NOTE_BODY
            params["title"] = [f"{a} {b}" for a, b in zip(_WORDS[:7], _WORDS[7:], strict=True)]
            params["text"] = [f"load test {w} entry" for w in _WORDS]
    headers = {"Content-Type": "application/json"} if body is not None else {}
    return Step(
        method=method,
        route=route,
        weight=round(share, 6),
        params=params,
        query=compact_values(list(persona.query_values.get(route, []))[:MAX_PARAM_VALUES]),
        body=body,
        headers=headers,
        captures_token=captures,
        embedded=method in ("GET", "HEAD") and is_asset_route(route),
    )


def _sig6(x: float) -> float:
    return float(f"{x:.6g}")


def _think_time(d: Distribution) -> Distribution:
    """The persona's think time (6 significant digits: plans are read by people); a degenerate
    fit (all zero) becomes a constant 1 s pause."""
    if d.kind == "constant" and d.median <= 0 and d.mean <= 0:
        return Distribution(kind="constant", median=1.0, mean=1.0, p10=1.0, p50=1.0, p90=1.0)
    if d.kind == "lognormal" and d.sigma <= 0 and d.mu == 0 and d.median <= 0:
        return Distribution(kind="constant", median=1.0, mean=1.0, p10=1.0, p50=1.0, p90=1.0)
    return d.model_copy(
        update={
            **{k: _sig6(v) for k, v in d.model_dump().items() if isinstance(v, float)},
            "quantiles": {k: _sig6(v) for k, v in d.quantiles.items()},
        }
    )


def _max_requests(p: Persona) -> int:
    p99 = p.requests_per_session.p99 or p.requests_per_session.quantiles.get("0.99", 0.0)
    if p99 <= 0:
        return 200
    return int(min(2000, max(20, math.ceil(p99 * 1.5))))


def build_scenario(model: TrafficModel, persona: Persona, weight: float) -> Scenario | None:
    """One persona's scenario; None when the persona has neither transitions nor a mix."""
    t = persona.transitions if persona.transitions.states else _from_mix(persona)
    n = len(t.states)
    if n == 0:
        return None
    entry, matrix, exits = _normalised(t, n)
    shares = {f"{e.method.upper()} {safe_route(e.route)}": e.share for e in persona.endpoint_mix}
    steps = [_step(model, persona, s, shares.get(" ".join(split_state(s)), 1.0)) for s in t.states]
    if any(s.captures_token for s in steps):
        login_share = sum(
            shares.get(f"{s.method} {s.route}", 0.0) for s in steps if s.captures_token
        )
        member = login_share * persona.requests / max(persona.sessions, 1) >= MOSTLY_LOGGED_IN
        steps = [
            s.model_copy(update={"needs_token": True})
            if not s.captures_token
            and (TOKEN_ROUTE.search(s.route) or (member and MEMBER_ROUTE.search(s.route)))
            else s
            for s in steps
        ]
    return Scenario(
        name=_scenario_name(persona.name),
        persona=persona.name,
        weight=weight,
        steps=steps,
        entry=entry,
        matrix=matrix,
        exit=exits,
        think_time=_think_time(persona.think_time_s),
        max_requests=_max_requests(persona),
        is_bot=persona.is_bot,
    )


def _scenario_name(name: str) -> str:
    """A tag-safe name (k6 tags and metric keys use it: no braces, commas or colons)."""
    clean = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")
    return clean or "persona"


def _mean_session_s(sc: Scenario, response_s: float) -> float:
    """requests × response time + page requests × think time (embedded steps do not pause)."""
    think = sc.think_time.mean or sc.think_time.median
    visits = expected_visits(sc.entry, sc.matrix, sc.max_requests)
    pages = sum(v for v, step in zip(visits, sc.steps, strict=False) if not step.embedded)
    return sum(visits) * response_s + pages * max(0.0, think)


def mean_session_seconds(plan: TestPlan, response_s: float = DEFAULT_RESPONSE_S) -> float:
    """How long the mix's sessions last on average: requests × response time + page requests ×
    think time (embedded assets follow their page without a pause).

    An open-model hold shorter than this never reaches its full request rate (Little's law:
    requests in flight = arrivals × session time), which the CLI points out.
    """
    return sum(sc.weight * _mean_session_s(sc, response_s) for sc in plan.scenarios)


def observed_peak_rps(model: TrafficModel, kept: Sequence[Persona]) -> float | None:
    """Peak requests/s seen in the log, scaled to the personas kept (bots out by default)."""
    a = model.arrivals
    peak = a.peak_requests_per_s or (a.mean_requests_per_s * max(1.0, a.peak_factor))
    if peak <= 0:
        return None
    total = sum(p.requests for p in model.personas)
    kept_requests = sum(p.requests for p in kept)
    if total > 0:
        peak *= kept_requests / total
    return peak if peak > 0 else None


def build_plan(
    model: TrafficModel,
    *,
    type: str = "load",
    workload: str = "open",
    peak_rps: float | None = None,
    peak_vus: int | None = None,
    duration: str | float | None = None,
    target: str | None = DEFAULT_TARGET,
    peak_factor: float = 1.0,
    replay_hours: bool = False,
    include_bots: bool = False,
    name: str | None = None,
    source_model: str | None = None,
    until: Sequence[str] | None = None,
    ramp: str = "linear",
) -> TestPlan:
    """The TestPlan for `model`; UserError for options that cannot make a plan.

    `until` (stop conditions, `--until` syntax) and `ramp` go with `type="breakpoint"`."""
    if type not in PLAN_TYPES:
        raise UserError(f"--type {type!r} is not one of {', '.join(PLAN_TYPES)}")
    if workload not in ("open", "closed"):
        raise UserError(f"--workload {workload!r} must be open or closed")
    if type == "breakpoint" and workload != "open":
        raise UserError(
            "a breakpoint test ramps the arrival rate until the target breaks; use --workload "
            "open (a closed model slows down with the target and hides its breaking point)"
        )
    if type != "breakpoint" and until:
        raise UserError("--until goes with --type breakpoint (it says when that test stops)")
    if type != "breakpoint" and ramp != "linear":
        raise UserError("--ramp goes with --type breakpoint")
    if ramp not in RAMPS:
        raise UserError(f"--ramp {ramp!r} must be one of {', '.join(RAMPS)}")
    stop = _stop_conditions(until) if type == "breakpoint" else None
    if peak_rps is not None and peak_vus is not None:
        raise UserError("give --peak-rps or --peak-vus, not both")
    if peak_vus is not None and workload == "open":
        raise UserError(
            "--peak-vus sets VUs for --workload closed; the open model takes --peak-rps"
        )
    if peak_rps is not None and not peak_rps > 0:
        raise UserError(f"--peak-rps must be > 0 requests per second (got {peak_rps:g})")
    if peak_vus is not None and peak_vus < 1:
        raise UserError(f"--peak-vus must be at least 1 (got {peak_vus})")
    if not peak_factor > 0:
        raise UserError(f"--peak-factor must be > 0 (got {peak_factor:g})")
    try:
        total_s = (
            parse_duration(duration) if duration is not None else float(DEFAULT_DURATION_S[type])
        )
    except ValueError as exc:
        raise UserError(f"--duration: {exc}") from exc

    kept = [p for p in model.personas if include_bots or not p.is_bot]
    if not kept:
        hint = "" if include_bots else " (all are bots: add --include-bots to test with them)"
        raise UserError(f"the model has no personas to build scenarios from{hint}")
    total_share = sum(max(0.0, p.share) for p in kept) or float(len(kept))
    scenarios: list[Scenario] = []
    for p in kept:
        weight = (max(0.0, p.share) if total_share else 1.0) / total_share
        sc = build_scenario(model, p, weight)
        if sc is not None:
            scenarios.append(sc)
    if not scenarios:
        raise UserError("no persona in the model has any requests to replay; re-run the profile")
    _dedupe_names(scenarios)
    weight_sum = sum(s.weight for s in scenarios) or 1.0
    scenarios = [
        s.model_copy(update={"weight": round(s.weight / weight_sum, 6)}) for s in scenarios
    ]

    lengths = [expected_requests(s.entry, s.matrix, s.max_requests) for s in scenarios]
    mean_requests = sum(s.weight * n for s, n in zip(scenarios, lengths, strict=True)) or 1.0
    response_s = (model.source.response_ms_p50 or DEFAULT_RESPONSE_S * 1000) / 1000.0
    mean_session_s = sum(s.weight * _mean_session_s(s, response_s) for s in scenarios)

    rps = peak_rps if peak_rps is not None else observed_peak_rps(model, kept)
    rps = (rps or DEFAULT_PEAK_RPS) * peak_factor
    sessions_per_s = rps / mean_requests
    if workload == "open":
        peak = sessions_per_s
    elif peak_vus is not None:
        peak = peak_vus * peak_factor
    else:
        peak = max(1.0, sessions_per_s * mean_session_s)

    hourly = model.arrivals.sessions_per_hour if replay_hours else None
    if replay_hours and (not hourly or max(hourly, default=0) <= 0):
        raise UserError("the model has no hour-of-day profile; profile a log with timestamps")
    try:
        stages = make_stages(
            type, peak, total_s, closed=workload == "closed", hourly=hourly, ramp=ramp
        )
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    run_s = total_seconds(stages)
    model_name = source_model or "model"
    return TestPlan(
        name=name or f"{type}-{_scenario_name(model_name.rsplit('/', 1)[-1].split('.')[0])}",
        type=type,  # type: ignore[arg-type]
        target=(target or DEFAULT_TARGET).rstrip("/"),
        workload=Workload(
            model=workload,  # type: ignore[arg-type]
            mean_requests_per_session=round(mean_requests, 4),
            rate_unit="sessions/s" if workload == "open" else "vus",
        ),
        scenarios=scenarios,
        stages=stages,
        # a breakpoint test judges its stop conditions, not pass/fail thresholds (see as_breakpoint)
        thresholds={} if stop else default_thresholds(model.source.response_ms_p50),
        limits=Limits(max_duration=format_duration(max(3600.0, math.ceil(run_s * 1.2)))),
        headers={"User-Agent": f"loadtui/{__version__} (load test)"},
        source_model=source_model,
        breakpoint=stop,
    )


def _stop_conditions(until: Sequence[str] | None) -> Breakpoint:
    try:
        spec = until_spec(until) if until else {k: list(v) for k, v in DEFAULT_UNTIL.items()}
    except ValueError as exc:
        raise UserError(f"--until {exc}") from exc
    return Breakpoint(until=spec)


def as_breakpoint(
    plan: TestPlan,
    *,
    peak_rps: float,
    duration: str | float,
    until: Sequence[str] | None = None,
    ramp: str = "linear",
) -> TestPlan:
    """`plan` (open model: a persona plan or a `--url` plan) as a breakpoint test: its
    scenarios, a ramp from 0 to ×10 `peak_rps` over `duration`, stop conditions (`until`,
    default: errors over 5 % or p95 over 1 s) and no pass/fail thresholds.

    Why no thresholds: a breakpoint test runs until the target breaks, so an SLO judged over
    the run would fail every time and say nothing; the breaking point is the result. Thresholds
    added to the plan by hand are still judged (and can still fail the run with exit 99).
    """
    if plan.workload.model != "open":
        raise UserError(
            "a breakpoint test needs the open model (arrival rates); this plan is closed"
        )
    if not peak_rps > 0:
        raise UserError(f"the peak must be > 0 requests per second (got {peak_rps:g})")
    if ramp not in RAMPS:
        raise UserError(f"--ramp {ramp!r} must be one of {', '.join(RAMPS)}")
    try:
        total_s = parse_duration(duration)
        per_session = plan.workload.mean_requests_per_session or 1.0
        stages = make_stages("breakpoint", peak_rps / per_session, total_s, ramp=ramp)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    run_s = total_seconds(stages)
    max_duration = max(parse_duration(plan.limits.max_duration), math.ceil(run_s * 1.2))
    return plan.model_copy(
        update={
            "type": "breakpoint",
            "stages": stages,
            "thresholds": {},
            "breakpoint": _stop_conditions(until),
            "limits": plan.limits.model_copy(
                update={"max_duration": format_duration(max_duration)}
            ),
        }
    )


def _dedupe_names(scenarios: list[Scenario]) -> None:
    seen: dict[str, int] = {}
    for i, sc in enumerate(scenarios):
        n = seen.get(sc.name, 0)
        seen[sc.name] = n + 1
        if n:
            scenarios[i] = sc.model_copy(update={"name": f"{sc.name}_{n + 1}"})
