"""A scenario as the plain data tables an exported script walks: steps, entry weights, Markov
rows with their exit weight, the think-time sampler's parameters. One place, so every exporter
walks a scenario exactly as the native engine does (loadtui/engine/sessions.py): entry draw,
row + exit draw after each step, the `max_requests` cap, no matrix → each step once in order,
no think time before an embedded step, login before a step that needs a token."""

from __future__ import annotations

import math
from typing import Any

from loadtui.contracts import Distribution, Scenario, Step, TestPlan
from loadtui.plan.build import DEFAULT_RESPONSE_S, expected_visits

TOKEN_KEYS = ("token", "access_token", "accessToken", "jwt")  # the engine's extract_token


def think_table(d: Distribution) -> dict[str, Any]:
    """What a sampler needs: kind, mu/sigma, median, and sorted empirical (level, value)s."""
    points = sorted((float(k), float(v)) for k, v in d.quantiles.items())
    kind = d.kind
    if kind == "empirical" and not points:
        kind = "lognormal"
    if kind == "lognormal" and d.sigma <= 0 and d.mu == 0:
        kind = "constant"
    return {
        "kind": kind,
        "mu": d.mu,
        "sigma": d.sigma,
        "median": d.median,
        "levels": [p for p, _ in points] if kind == "empirical" else [],
        "values": [v for _, v in points] if kind == "empirical" else [],
    }


def step_table(step: Step) -> dict[str, Any]:
    return {
        "method": step.method.upper(),
        "route": step.route,
        "params": {k: list(v) for k, v in step.params.items()},
        "query": list(step.query),
        "body": step.body,
        "headers": dict(step.headers),
        "captures_token": step.captures_token,
        "needs_token": step.needs_token,
        "embedded": step.embedded,
    }


def has_chain(sc: Scenario) -> bool:
    """The engine walks a matrix only when it has one row per step."""
    return bool(sc.steps) and len(sc.matrix) == len(sc.steps)


def scenario_table(sc: Scenario) -> dict[str, Any]:
    n = len(sc.steps)
    chain = has_chain(sc)
    rows = []
    if chain:
        for i, row in enumerate(sc.matrix):
            padded = [float(x) for x in (list(row[:n]) + [0.0] * (n - len(row)))]
            rows.append([*padded, float(sc.exit[i]) if i < len(sc.exit) else 0.0])
    login = next((i for i, s in enumerate(sc.steps) if s.captures_token), -1)
    return {
        "name": sc.name,
        "persona": sc.persona,
        "steps": [step_table(s) for s in sc.steps],
        "entry": [float(x) for x in sc.entry] if chain and len(sc.entry) == n else [],
        "rows": rows,  # matrix row i, then the weight of leaving after step i
        "max_requests": max(1, sc.max_requests),
        "login": login,
        "think": think_table(sc.think_time),
    }


def mean_session_s(sc: Scenario, response_s: float = DEFAULT_RESPONSE_S) -> float:
    """Expected session length: requests × response time + pages × mean think time."""
    if has_chain(sc):
        entry = sc.entry if len(sc.entry) == len(sc.steps) else [1.0] + [0.0] * (len(sc.steps) - 1)
        visits = expected_visits(entry, sc.matrix, sc.max_requests)
    else:
        visits = [1.0] * min(len(sc.steps), max(1, sc.max_requests))
    pages = sum(v for v, s in zip(visits, sc.steps, strict=False) if not s.embedded)
    think = sc.think_time.mean or sc.think_time.median
    return sum(visits) * response_s + max(0.0, pages - 1) * max(0.0, think)


def stage_seconds(plan: TestPlan) -> list[tuple[float, float, float]]:
    """(seconds, start target, end target) per stage; the first starts from 0, as in k6."""
    from loadtui.durations import parse_duration

    out, prev = [], 0.0
    for st in plan.stages:
        out.append((parse_duration(st.duration), prev, float(st.target)))
        prev = float(st.target)
    return out


def finite(x: float) -> float:
    if not math.isfinite(x):
        raise ValueError(f"{x} is not a finite number")
    return x
