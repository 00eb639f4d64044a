"""`loadtui export artillery`: a TestPlan as an Artillery test script (YAML).

Artillery has no Markov chains: each persona's most common journeys (sampled from its chain
with a fixed seed, see journeys.py) become weighted scenarios with concrete URLs and `think`
steps drawn from the fitted distribution; the file says how much of each persona's traffic
they cover. Artillery runs an open model only: a closed plan's VUs become arrivals by Little's
law (VUs / mean session length).

Artillery evaluates `{{ ... }}` in every string of a flow, so text from a log is made inert
before it lands: URLs percent-encode `{` and `}` (they are not valid raw in a URL anyway),
JSON bodies write them as `\\u007b`/`\\u007d` inside strings (the server decodes the same
text), and other strings break `{{` as `{ {`. The YAML itself comes from ruamel's emitter.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from loadtui import __version__
from loadtui.contracts import Scenario, TestPlan
from loadtui.export.escape import comment_text, yaml_dump
from loadtui.export.journeys import fill_path, representative_journeys
from loadtui.export.tables import mean_session_s, stage_seconds
from loadtui.think import sample_distribution as sample_think

SAMPLED_JOURNEYS = 20  # per persona, for the sessions outside its common journeys
WEIGHT_SCALE = 10000  # Artillery weights are whole numbers: shares to 0.01 %


def inert_url(url: str) -> str:
    return url.replace("{", "%7B").replace("}", "%7D")


def inert_text(s: str) -> str:
    """A header value or name with no `{{` left for Artillery's templates."""
    while "{{" in s or "}}" in s:
        s = s.replace("{{", "{ {").replace("}}", "} }")
    return s


def _json_inert(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value).replace("{", "\\u007b").replace("}", "\\u007d")
    if isinstance(value, dict):
        items = (f"{_json_inert(str(k))}:{_json_inert(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json_inert(v) for v in value) + "]"
    return json.dumps(value)


def inert_body(text: str) -> str:
    """A request body with no `{{`: JSON re-encoded with braces escaped inside strings (same
    document for the server); anything else with `{{` broken up."""
    try:
        return _json_inert(json.loads(text))
    except ValueError:
        return inert_text(text)


def _fill_body(body: str, params: dict[str, list[str]], rng: random.Random) -> str:
    import re

    def sub(m: re.Match[str]) -> str:
        values = params.get(m.group(1))
        return json.dumps(str(rng.choice(values)))[1:-1] if values else m.group(0)

    return re.sub(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", sub, body)


def _phases(plan: TestPlan) -> list[dict[str, Any]]:
    """One phase per stage: arrivalRate → rampTo in whole users/s where rounding keeps the rate
    (whole numbers, or 10/s and more), else arrivalCount (the stage's mean rate × its
    length: the same users, spread evenly over the stage)."""
    closed = plan.workload.model == "closed"
    per_vu = 1.0
    if closed:
        wsum = sum(max(sc.weight, 0.0) for sc in plan.scenarios) or 1.0
        session = sum(max(sc.weight, 0.0) / wsum * mean_session_s(sc) for sc in plan.scenarios)
        per_vu = 1.0 / max(session, 1e-3)
    out: list[dict[str, Any]] = []
    for (seconds, start, end), stage in zip(stage_seconds(plan), plan.stages, strict=True):
        a, b = start * per_vu, end * per_vu
        duration = max(1, round(seconds))
        phase: dict[str, Any] = {"duration": duration}
        exact = all(abs(x - round(x)) <= 0.01 * max(x, 1.0) for x in (a, b))
        if (exact and max(a, b) >= 1) or min(a, b) >= 10:
            phase["arrivalRate"] = round(a)
            if round(b) != round(a):
                phase["rampTo"] = round(b)
        else:
            phase["arrivalCount"] = max(0, round((a + b) / 2 * seconds))
        if stage.name:
            phase["name"] = inert_text(stage.name)
        out.append(phase)
    return out


def _flow(sc: Scenario, steps: tuple[int, ...], rng: random.Random) -> CommentedSeq:
    flow = CommentedSeq()
    logged_in = False
    login = next((i for i, s in enumerate(sc.steps) if s.captures_token), None)
    order: list[int] = []
    for i in steps:  # the engine logs in before a step that needs a token
        if sc.steps[i].needs_token and not logged_in and login is not None:
            order.append(login)
            logged_in = True
        logged_in = logged_in or sc.steps[i].captures_token
        order.append(i)
    has_token = False
    for n, i in enumerate(order):
        step = sc.steps[i]
        if n and not step.embedded and not (n > 0 and order[n - 1] == login and i != login):
            flow.append({"think": round(sample_think(sc.think_time, rng), 3)})
        request: dict[str, Any] = {"url": inert_url(fill_path(step, rng))}
        headers = {inert_text(k): inert_text(v) for k, v in step.headers.items()}
        if has_token:
            headers["Authorization"] = "Bearer {{ token }}"
        if step.body is not None:
            request["body"] = inert_body(_fill_body(step.body, step.params, rng))
            if not any(k.lower() == "content-type" for k in headers):
                headers["Content-Type"] = "application/json"
        if headers:
            request["headers"] = headers
        if step.captures_token:
            request["capture"] = [{"json": "$.token", "as": "token", "strict": False}]
            has_token = True
        flow.append({step.method.lower(): request})
    return flow


def render_artillery(plan: TestPlan, *, source: str = "plan.yaml", seed: int = 0) -> str:
    rng = random.Random(seed)
    config = CommentedMap()
    config["target"] = plan.target
    config["phases"] = _phases(plan)
    http: dict[str, Any] = {"timeout": max(1, math.ceil(plan.limits.request_timeout_s))}
    if plan.headers:
        http["defaults"] = {
            "headers": {inert_text(k): inert_text(v) for k, v in plan.headers.items()}
        }
    config["http"] = http
    scenarios = CommentedSeq()
    wsum = sum(max(sc.weight, 0.0) for sc in plan.scenarios) or 1.0
    coverage: list[str] = []
    for sc in plan.scenarios:
        journeys, covered = representative_journeys(sc, sampled=SAMPLED_JOURNEYS, seed=seed)
        coverage.append(f"{comment_text(sc.persona, limit=40)} {covered:.0%}")
        for j, journey in enumerate(journeys):
            share = max(sc.weight, 0.0) / wsum * journey.share
            item = CommentedMap()
            item["name"] = inert_text(f"{sc.name} journey {j + 1}")
            item["weight"] = max(1, round(share * WEIGHT_SCALE))
            item["flow"] = _flow(sc, journey.steps, rng)
            scenarios.append(item)
    doc = CommentedMap()
    doc["config"] = config
    doc["scenarios"] = scenarios
    unit = "VUs turned into arrivals by Little's law" if plan.workload.model == "closed" else ""
    header = [
        f"Generated by loadtui {__version__} from {comment_text(source, limit=60)} "
        f"(plan {comment_text(plan.name, limit=40)}, type {plan.type}).",
        "Artillery has no Markov chains: each persona's journeys are unrolled from its chain "
        f"(seed {seed}) into",
        "weighted scenarios with concrete URLs and think times drawn from its fitted "
        "distribution: the journeys",
        f"taken by >= 2 % of sessions at their own weight, the long tail as {SAMPLED_JOURNEYS} "
        "journeys sampled from it.",
        "Sessions on the common journeys, per persona: " + ", ".join(coverage),
        f"Phases: the plan's stages in arriving users/s{'; ' + unit if unit else ''}; "
        "arrivalCount where rounding a rate would change it.",
        "Run: artillery run FILE   (--target https://staging.example.com to retarget)",
    ]
    doc.yaml_set_start_comment("\n".join(header))
    return yaml_dump(doc)


def export_artillery(plan: TestPlan, out: Path, *, source: str = "plan.yaml") -> list[Path]:
    out.write_text(render_artillery(plan, source=source), encoding="utf-8")
    return [out]
