"""A TestPlan's load shape and pass/fail criteria in k6's `options` vocabulary.

One k6 scenario per persona, named after the plan's scenario (so `{scenario:NAME}` thresholds
keep meaning the same persona): open plans become `ramping-arrival-rate` (one iteration = one
session), closed plans `ramping-vus`. Pure data here; k6.py lays it out as JS.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from loadtui.contracts import TestPlan
from loadtui.durations import format_duration, parse_duration
from loadtui.export.tables import mean_session_s, stage_seconds
from loadtui.plan.thresholds import DEFAULT_UNTIL, Threshold, parse_metric_key, parse_threshold

# k6 time units tried in turn for an arrival rate: k6 stage targets are whole iterations per
# unit, so a persona at 0.013 sessions/s needs "1h" (47/h) to keep 1 % precision
_UNITS = (("1s", 1.0), ("1m", 60.0), ("1h", 3600.0))
MIN_TARGET = 100  # the peak target per unit that keeps rounding under 0.5 %
# engine metrics and their k6 counterparts: k6's http_req_duration is timed from the send, as
# the engine's http_req_service is (the engine's own http_req_duration counts from the intended
# start); a k6 iteration of these scenarios is one session
METRIC_MAP = {
    "http_req_service": "http_req_duration",
    "sessions": "iterations",
}
DROPPED_METRICS = ("http_req_send_lag",)  # no k6 counterpart: left out, with a comment
_FLIP = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "===": "!=", "!=": "=="}
_K6_SCENARIO = re.compile(r"[^A-Za-z0-9_-]+")


def k6_scenario_name(name: str) -> str:
    """A plan scenario name as k6 accepts one (letters, digits, `_`, `-`): `casual browser` →
    `casual_browser`. The exporter names scenarios and tags thresholds with it, and `heal`
    matches a plan's `{scenario:NAME}` key in an exported script with it, so both agree."""
    return _K6_SCENARIO.sub("_", name).strip("_") or "persona"


def k6_scenario_names(plan: TestPlan) -> dict[str, str]:
    """Plan scenario name → a unique k6 scenario name (k6_scenario_name, then `_2`, `_3` for
    names that clean to one already taken)."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for sc in plan.scenarios:
        base = k6_scenario_name(sc.name)
        name, n = base, 2
        while name in taken:
            name, n = f"{base}_{n}", n + 1
        taken.add(name)
        out.setdefault(sc.name, name)
    return out


def time_unit(peak_per_s: float) -> tuple[str, float]:
    for unit, seconds in _UNITS:
        if peak_per_s * seconds >= MIN_TARGET:
            return unit, seconds
    return _UNITS[-1]


def _vus_split(total: float, weights: list[float]) -> list[int]:
    """Whole VUs per persona summing to round(total), by largest remainder."""
    n = round(total)
    wsum = sum(max(w, 0.0) for w in weights) or 1.0
    exact = [n * max(w, 0.0) / wsum for w in weights]
    base = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - base[i], reverse=True)
    for i in order[: n - sum(base)]:
        base[i] += 1
    return base


def k6_scenarios(plan: TestPlan, execs: dict[str, str]) -> dict[str, dict[str, Any]]:
    """`options.scenarios`: `execs` maps plan scenario name → exported function name."""
    names = k6_scenario_names(plan)
    stages = stage_seconds(plan)
    wsum = sum(max(sc.weight, 0.0) for sc in plan.scenarios) or 1.0
    out: dict[str, dict[str, Any]] = {}
    if plan.workload.model == "closed":
        splits = [_vus_split(end, [sc.weight for sc in plan.scenarios]) for _, _, end in stages]
        for i, sc in enumerate(plan.scenarios):
            out[names[sc.name]] = {
                "executor": "ramping-vus",
                "exec": execs[sc.name],
                "startVUs": 0,
                "stages": [
                    {"duration": format_duration(sec), "target": split[i]}
                    for (sec, _, _), split in zip(stages, splits, strict=True)
                ],
                "gracefulRampDown": "30s",
                "tags": {"persona": sc.persona},
            }
        return out
    for sc in plan.scenarios:
        share = max(sc.weight, 0.0) / wsum
        peak = max((end * share for _, _, end in stages), default=0.0)
        unit, unit_s = time_unit(peak)
        # Little's law: sessions in progress = arrival rate × session length; ×1.5 headroom
        # for responses slower than the plan's 50 ms guess, and maxVUs 4× that before k6
        # starts dropping iterations (it reports them as dropped_iterations)
        busy = peak * mean_session_s(sc)
        pre = max(1, math.ceil(busy * 1.5))
        out[names[sc.name]] = {
            "executor": "ramping-arrival-rate",
            "exec": execs[sc.name],
            "startRate": 0,
            "timeUnit": unit,
            "preAllocatedVUs": pre,
            "maxVUs": max(pre * 4, pre + 10),
            "stages": [
                {"duration": format_duration(sec), "target": round(end * share * unit_s)}
                for sec, _, end in stages
            ],
            "tags": {"persona": sc.persona},
        }
    return out


def k6_metric_key(key: str, scenario: Callable[[str], str]) -> str | None:
    """A plan metric key in k6's names, its `scenario` tag's value passed through `scenario`
    (None: k6 has no such metric). ValueError for a key that does not parse."""
    name, tags = parse_metric_key(key)
    if name in DROPPED_METRICS:
        return None
    name = METRIC_MAP.get(name, name)
    if "scenario" in tags:
        tags["scenario"] = scenario(tags["scenario"])
    if not tags:
        return name
    return name + "{" + ",".join(f"{k}:{v}" for k, v in tags.items()) + "}"


def _k6_key(key: str, names: dict[str, str]) -> str | None:
    return k6_metric_key(key, lambda sc: names.get(sc, sc))


def k6_thresholds(plan: TestPlan) -> tuple[dict[str, list[Any]], list[str]]:
    """`options.thresholds` and notes on what changed on the way (for a comment)."""
    names = k6_scenario_names(plan)
    out: dict[str, list[Any]] = {}
    notes: list[str] = []
    for key, exprs in plan.thresholds.items():
        k6_key = _k6_key(key, names)
        if k6_key is None:
            notes.append(f"left out {key}: k6 has no such metric")
            continue
        if k6_key != key:
            notes.append(f"{key} is {k6_key} in k6")
        entries = out.setdefault(k6_key, [])
        for expr in exprs:
            entry = parse_threshold(expr).to_k6()
            if entry not in entries:
                entries.append(entry)
    if plan.breakpoint is not None:
        bp = plan.breakpoint
        delay = parse_duration(bp.window) + parse_duration(bp.hold)
        for key, exprs in (bp.until or DEFAULT_UNTIL).items():
            k6_key = _k6_key(key, names)
            if k6_key is None:
                continue
            entries = out.setdefault(k6_key, [])
            for expr in exprs:
                th = parse_threshold(expr)
                flipped = Threshold(
                    th.aggregation,
                    _FLIP[th.op],
                    th.value,
                    th.percentile,
                    abort_on_fail=True,
                    delay_abort_eval_s=delay,
                )
                entries.append(flipped.to_k6())
        notes.append(
            "breakpoint: each stop condition is a threshold with the comparison flipped and "
            "abortOnFail; k6 judges it over the whole run so far (loadtui judges the last "
            f"{bp.window}), so k6 stops later than loadtui would, and exits 99 when it does"
        )
    return out, notes


def k6_options(plan: TestPlan, execs: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    thresholds, notes = k6_thresholds(plan)
    options: dict[str, Any] = {
        "scenarios": k6_scenarios(plan, execs),
        "thresholds": thresholds,
        # bodies are read only where needed (a login's token): saves k6 memory and CPU
        "discardResponseBodies": True,
    }
    if plan.limits.max_rps is not None:
        options["rps"] = math.floor(plan.limits.max_rps)
    return options, notes
