"""A TestPlan as a Locust locustfile: one `FastHttpUser` class per persona and a `LoadTestShape`.

The file stands alone (only `locust` and the standard library), so a team can commit it and run
it anywhere, a Locust cluster included; `loadtui run --engine locust` runs the very same text.

How the plan maps onto Locust's model:
- A user's task is one *page view*: the page request and the embedded assets that follow it
  (fetched at once, as a browser does). `wait_time` between tasks is a draw from the persona's
  fitted think-time distribution, so think time is page to page, as in the native engine.
- A session is the Markov walk over those tasks: entry weights, then matrix row + exit, capped
  at `max_requests`; when it ends the next task starts a fresh session (new visitor, no token).
- A step that needs a token in a session without one runs the persona's login step first, and
  every later request of the session carries `Authorization: Bearer <token>`: per session, like
  the native engine, so the login route keeps the plan's share of requests.
- Every request is named `name=<route template>` (method in Locust's Type column), so stats
  group by route: the same keys as loadtui's own `by_route`.
- Locust is a closed model. Closed plans map VUs to users one to one; open plans (stage targets
  in sessions/s) become users by Little's law, L = λ·W, with W the mean session duration of the
  persona mix (pages × mean think time; response times are not known in advance and left out).

Everything that came from a log (routes, parameter values, query strings, bodies, headers) is
in module-level JSON constants, written with `json_text` and read back with `json.loads` of a
`py_string` literal: data, never code.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from loadtui.contracts import Distribution, Scenario, TestPlan
from loadtui.durations import parse_duration
from loadtui.export.escape import comment_text, identifier, json_text, py_string
from loadtui.think import MAX_THINK_S

# names the generated module defines itself; persona classes must not take them
_RESERVED = {"PersonaUser", "PlanShape", "PLAN", "SCENARIOS", "STAGES"}


def mean_think_s(dist: Distribution) -> float:
    """The mean of what `sample_distribution` draws (the cap ignored except for lognormal)."""
    if dist.kind == "constant":
        return max(dist.median, 0.0)
    if dist.kind == "empirical" and dist.quantiles:
        points = sorted((float(k), v) for k, v in dist.quantiles.items())
        total = points[0][0] * points[0][1] + (1.0 - points[-1][0]) * points[-1][1]
        for (p0, v0), (p1, v1) in itertools.pairwise(points):
            total += (p1 - p0) * (v0 + v1) / 2
        return max(total, 0.0)
    if dist.sigma > 0 or dist.mu != 0:
        return min(math.exp(dist.mu + dist.sigma**2 / 2), MAX_THINK_S)
    return max(dist.median, 0.0)


def expected_visits(sc: Scenario) -> np.ndarray:
    """Expected number of visits to each step in one session: Σ_{k<cap} entry·P^k, exact for
    the `max_requests` cap (a truncated absorbing chain). Without a matrix: each step once."""
    n = len(sc.steps)
    if n == 0:
        return np.zeros(0)
    if len(sc.matrix) != n:
        visits = np.zeros(n)
        visits[: min(n, max(1, sc.max_requests))] = 1.0
        return visits
    p = np.zeros((n, n))
    for i, row in enumerate(sc.matrix):
        r = np.clip(np.asarray(row[:n], dtype=float), 0.0, None)
        exit_p = max(sc.exit[i], 0.0) if i < len(sc.exit) else 0.0
        total = r.sum() + exit_p
        if total > 0:
            p[i, : len(r)] = r / total
    if len(sc.entry) == n and sum(max(e, 0.0) for e in sc.entry) > 0:
        state = np.clip(np.asarray(sc.entry, dtype=float), 0.0, None)
        state /= state.sum()
    else:
        state = np.zeros(n)
        state[0] = 1.0
    visits = np.zeros(n)
    for _ in range(max(1, sc.max_requests)):
        visits += state
        state = state @ p
        if state.sum() < 1e-9:
            break
    return visits


def session_seconds(sc: Scenario) -> float:
    """Mean session length as the locustfile plays it: one think time per page view."""
    visits = expected_visits(sc)
    pages = sum(v for v, st in zip(visits, sc.steps, strict=True) if not st.embedded)
    return float(pages) * mean_think_s(sc.think_time)


def mean_session_seconds(plan: TestPlan) -> float:
    """W in Little's law: the arrival-weighted mean session duration of the plan's personas."""
    weights = [max(sc.weight, 0.0) for sc in plan.scenarios]
    total = sum(weights)
    if total <= 0:
        return 0.0
    return sum(w * session_seconds(sc) for w, sc in zip(weights, plan.scenarios, strict=True)) / (
        total
    )


def shape_stages(plan: TestPlan) -> list[dict[str, float | str]]:
    """The plan's stages as users: `end` (seconds since start), `users` at that end (stages
    ramp linearly from the previous target, as in k6), and the stage's name."""
    factor = 1.0
    if plan.workload.model == "open":
        factor = max(mean_session_seconds(plan), 1e-3)
    out: list[dict[str, float | str]] = []
    end = 0.0
    for i, stage in enumerate(plan.stages):
        end += parse_duration(stage.duration)
        out.append(
            {
                "end": round(end, 3),
                "users": round(max(stage.target, 0.0) * factor, 3),
                "name": stage.name or f"stage {i + 1}",
            }
        )
    return out


def _scenario_data(plan: TestPlan, sc: Scenario) -> dict[str, object]:
    n = len(sc.steps)
    has_matrix = len(sc.matrix) == n and n > 0
    return {
        "name": sc.name,
        "persona": sc.persona,
        "max_requests": max(1, sc.max_requests),
        "think": sc.think_time.model_dump(),
        "entry": list(sc.entry) if len(sc.entry) == n else [],
        "matrix": [list(r) for r in sc.matrix] if has_matrix else [],
        "exit": list(sc.exit) if has_matrix else [],
        "steps": [
            {
                "method": st.method.upper(),
                "route": st.route,
                "params": st.params,
                "query": st.query,
                "body": st.body,
                "headers": st.headers,
                "captures_token": st.captures_token,
                "needs_token": st.needs_token,
                "embedded": st.embedded,
            }
            for st in sc.steps
        ],
    }


def _class_name(name: str, taken: set[str]) -> str:
    snake = identifier(name, prefix="persona")
    base = "".join(part[:1].upper() + part[1:] for part in snake.split("_") if part) + "User"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}{n}", n + 1
    taken.add(out)
    return out


def _constant(name: str, data: object) -> str:
    return f"{name} = json.loads({py_string(json_text(data, indent=None))})\n"


def render_locustfile(plan: TestPlan) -> str:
    """The locustfile's text for `plan` (raises ValueError for a plan with nothing to run)."""
    scenarios = [sc for sc in plan.scenarios if sc.steps]
    if not scenarios:
        raise ValueError("the plan has no scenario with steps")
    if not plan.stages:
        raise ValueError("the plan has no stages")
    stages = shape_stages(plan)
    w = mean_session_seconds(plan)
    taken = set(_RESERVED)
    parts: list[str] = [_HEADER.format(plan=comment_text(plan.name, limit=60))]
    parts.append(
        _constant(
            "PLAN",
            {
                "name": plan.name,
                "type": plan.type,
                "workload": plan.workload.model,
                "headers": plan.headers,
                "request_timeout_s": plan.limits.request_timeout_s,
                "connect_timeout_s": plan.limits.connect_timeout_s,
            },
        )
    )
    if plan.workload.model == "open":
        parts.append(
            "# Open model → users by Little's law (L = λ·W): stage targets were sessions/s;\n"
            f"# W = {w:.1f} s, the mean session (pages × mean think time) over the persona mix.\n"
        )
    else:
        parts.append("# Closed model: stage targets are virtual users, one Locust user each.\n")
    parts.append(_constant("STAGES", stages))
    names: list[tuple[str, Scenario]] = []
    for sc in scenarios:
        const = identifier(sc.name, prefix="scenario", taken=taken).upper()
        parts.append(f"# {comment_text(sc.name, limit=80)}: {len(sc.steps)} steps\n")
        parts.append(_constant(const, _scenario_data(plan, sc)))
        names.append((const, sc))
    parts.append(_RUNTIME)
    for const, sc in names:
        cls = _class_name(sc.name, taken)
        parts.append(
            _PERSONA.format(
                cls=cls,
                title=comment_text(sc.name, limit=80),
                weight=_weight(sc.weight, [s.weight for s in scenarios]),
                const=const,
                mean_think=mean_think_s(sc.think_time),
                session=session_seconds(sc),
            )
        )
    parts.append(_SHAPE)
    return "".join(parts)


def _weight(weight: float, all_weights: Sequence[float]) -> int:
    """Locust weights are integers: the share in thousandths (≥ 1 so no persona disappears)."""
    total = sum(max(x, 0.0) for x in all_weights) or 1.0
    return max(1, round(1000 * max(weight, 0.0) / total))


_HEADER = '''"""Locust load test generated by loadtui from the plan "{plan}".

    locust -f THIS_FILE --headless -H http://127.0.0.1:8080

One FastHttpUser per persona. A task is one page view (the page and the assets it embeds); the
wait between tasks is the persona's think time, drawn from the distribution fitted to its log; a
session walks the persona's Markov chain over routes until it exits (or hits max_requests), then
the next task starts a new session. PlanShape follows the plan's stages.
"""

import bisect
import json
import math
import random
import re
from urllib.parse import quote

from locust import FastHttpUser, LoadTestShape, task

'''

_RUNTIME = r'''

MAX_THINK_S = 600.0  # one absurd tail draw must not park a user for an hour
TOKEN_KEYS = ("token", "access_token", "accessToken", "jwt")
PATH_SAFE = "-._~!$&'()*+,;=:@%"
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
QUERY_SAFE = "=&%+-._~!$'()*,;:@/?"


def draw_think(dist, rng):
    """One think time in seconds: lognormal (mu, sigma), empirical (quantiles), constant."""
    if dist["kind"] == "constant":
        value = dist["median"]
    elif dist["kind"] == "empirical" and dist["quantiles"]:
        points = sorted((float(k), v) for k, v in dist["quantiles"].items())
        levels = [p for p, _ in points]
        u = rng.random()
        i = bisect.bisect_left(levels, u)
        if i <= 0:
            value = points[0][1]
        elif i >= len(points):
            value = points[-1][1]
        else:
            (p0, v0), (p1, v1) = points[i - 1], points[i]
            value = v0 + (v1 - v0) * (u - p0) / (p1 - p0) if p1 > p0 else v1
    elif dist["sigma"] > 0 or dist["mu"] != 0:
        value = math.exp(rng.gauss(dist["mu"], dist["sigma"]))
    else:
        value = dist["median"]
    return min(max(value, 0.0), MAX_THINK_S)


def choose(weights, rng):
    """An index drawn in proportion to `weights`; -1 when they are all zero."""
    total = sum(max(w, 0.0) for w in weights)
    if total <= 0:
        return -1
    x = rng.random() * total
    for i, w in enumerate(weights):
        x -= max(w, 0.0)
        if x < 0:
            return i
    return len(weights) - 1


def fill_path(step, rng):
    """The route with its placeholders drawn from observed values, plus a drawn query."""
    def value(match):
        values = step["params"].get(match.group(1))
        return quote(str(rng.choice(values) if values else "1"), safe=PATH_SAFE)

    path = PLACEHOLDER.sub(value, step["route"])
    if step["query"]:
        q = rng.choice(step["query"])
        if q:
            path += "?" + quote(q.lstrip("?"), safe=QUERY_SAFE)
    return path


def fill_body(step, rng):
    """A JSON body with {name} placeholders replaced by drawn values (JSON-escaped)."""
    body = step["body"]
    if body is None:
        return None

    def value(match):
        values = step["params"].get(match.group(1))
        return json.dumps(rng.choice(values))[1:-1] if values else match.group(0)

    return PLACEHOLDER.sub(value, body).encode("utf-8")


class PersonaUser(FastHttpUser):
    """Walks one scenario's Markov chain; subclasses set `scenario` (and a weight)."""

    abstract = True
    scenario = {}
    connection_timeout = PLAN["connect_timeout_s"]
    network_timeout = PLAN["request_timeout_s"]

    def wait_time(self):
        return draw_think(self.scenario["think"], self.rng)

    def on_start(self):
        self.rng = random.Random()
        self.login = next((s for s in self.scenario["steps"] if s["captures_token"]), None)
        self.new_session()

    def new_session(self):
        self.pending = None  # the next page, drawn at the end of the previous task
        self.state = -1
        self.count = 0
        self.token = None

    def next_state(self):
        """The next step of the walk, or -1 when the session ends."""
        sc = self.scenario
        if not sc["matrix"]:
            return self.count if self.count < min(len(sc["steps"]), sc["max_requests"]) else -1
        if self.count == 0:
            return max(choose(sc["entry"], self.rng), 0) if sc["entry"] else 0
        row = sc["matrix"][self.state] + [sc["exit"][self.state]]
        nxt = choose(row, self.rng)
        if nxt < 0 or nxt >= len(sc["steps"]) or self.count >= sc["max_requests"]:
            return -1
        return nxt

    @task
    def page_view(self):
        """One page and the assets that follow it with no think time before them."""
        steps = self.scenario["steps"]
        state = self.pending if self.pending is not None else self.next_state()
        self.pending = None
        if state < 0:
            self.new_session()
            state = self.next_state()
        while state >= 0:
            self.state, self.count = state, self.count + 1
            self.send(steps[state])
            state = self.next_state()
            if state < 0:  # the session ended: the next task starts a new one
                self.new_session()
            elif not steps[state]["embedded"]:  # the next page comes after a think time
                self.pending = state
                return

    def send(self, step):
        if step["needs_token"] and self.token is None and self.login is not None:
            self.request(self.login)  # log in first, once per session
        self.request(step)

    def request(self, step):
        headers = dict(PLAN["headers"])
        headers.update(step["headers"])
        if self.token is not None:
            headers["Authorization"] = "Bearer " + self.token
        body = fill_body(step, self.rng)
        if body is not None and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        with self.client.request(
            step["method"],
            fill_path(step, self.rng),
            name=step["route"],
            data=body,
            headers=headers,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if step["captures_token"] and response.status_code and response.status_code < 400:
                self.token = token_from(response.text) or self.token
            if not response.status_code or response.status_code >= 400:
                response.failure("HTTP %s" % response.status_code)
            else:
                response.success()


def token_from(text):
    try:
        data = json.loads(text or "")
    except ValueError:
        return None
    if isinstance(data, dict):
        for key in TOKEN_KEYS:
            if isinstance(data.get(key), str) and data[key]:
                return data[key]
    return None
'''

_PERSONA = '''

class {cls}(PersonaUser):
    """{title}: think time mean {mean_think:.2f} s, a session about {session:.0f} s."""

    weight = {weight}
    scenario = {const}
'''

_SHAPE = '''

class PlanShape(LoadTestShape):
    """The plan's stages: each ramps linearly from the previous target to its own."""

    def tick(self):
        t = self.get_run_time()
        start_users, start_t = 0.0, 0.0
        for stage in STAGES:
            if t < stage["end"]:
                span = max(stage["end"] - start_t, 1e-9)
                users = start_users + (stage["users"] - start_users) * (t - start_t) / span
                count = max(int(round(users)), 1 if stage["users"] > 0 else 0)
                return count, max(float(abs(count - self.get_current_user_count())), 1.0)
            start_users, start_t = stage["users"], stage["end"]
        return None
'''
