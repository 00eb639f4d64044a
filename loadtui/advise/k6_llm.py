"""`loadtui export k6 --llm`: the model rewrites the deterministic export into idiomatic k6.

The deterministic script is the starting point and the judge: the model may rename functions,
add comments, `check()`s, groups and custom metrics for the plan's personas, but the result is
used only if `k6_verify.problem` finds nothing (it parses, imports only k6 modules, and its
evaluated `options` still hold every scenario, stage and threshold). The script is redacted
before it is sent (the target URL, header values) and the placeholders restored in the answer.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from loadtui.advise.k6_verify import problem
from loadtui.advise.llm_client import LlmError, chat_json, parse_json_object
from loadtui.advise.redact import Redactor
from loadtui.advise.settings import LlmSettings
from loadtui.contracts import TestPlan

SYSTEM_PROMPT = """\
You are a k6 expert. You get a k6 load-test script generated from a test plan whose scenarios
are user personas found in production logs. Rewrite it as idiomatic k6 code a team would commit:
descriptive function names per persona, short comments saying why, `check()`s on responses,
`group()`s for journeys, and custom metrics (Trend, Counter, Rate from "k6/metrics") where they
help. Hard rules:
- `export const options` must stay semantically identical: the same scenarios with the same
  executors, stages, rates, VUs, time units and tags, and the same thresholds. You may only
  change a scenario's `exec` to the new name of its function, and add thresholds for your own
  custom metrics.
- Import only k6's built-in modules: k6, k6/http, k6/data, k6/metrics, k6/execution,
  k6/encoding. No remote modules, no Node.js APIs, no fetch, eval or dynamic import().
- Keep reading the data file with `open()` and `SharedArray` exactly as the script does.
- Values such as [ip-1] or [secret-2] are redacted placeholders: keep them verbatim.
Answer with one JSON object: {"script": "<the whole script>", "summary": "<one line>"}.
"""


class K6Rewrite(BaseModel):
    model_config = ConfigDict(extra="ignore")

    script: str = Field(min_length=1)
    summary: str = ""


def rewrite_k6(
    script: str, plan: TestPlan, data_file: Path | None, settings: LlmSettings
) -> tuple[str, str]:
    """(the model's script, its one-line summary); LlmError when it is unusable."""
    redactor = Redactor()
    user = (
        f"Plan {plan.name!r}: {len(plan.scenarios)} persona scenario(s), "
        f"{len(plan.stages)} stage(s), {plan.workload.model} model.\n\n"
        f"Script:\n{script}"
    )
    content = chat_json(
        settings,
        SYSTEM_PROMPT,
        redactor.text(user),
        schema_name="k6_rewrite",
        schema=K6Rewrite.model_json_schema(),
    )
    data = parse_json_object(content)
    try:
        answer = K6Rewrite.model_validate(data)
    except ValueError:
        raise LlmError('the answer is not {"script": "...", "summary": "..."}') from None
    candidate = redactor.restore(answer.script)
    if not candidate.endswith("\n"):
        candidate += "\n"
    why = problem(script, candidate, data_file)
    if why is not None:
        raise LlmError(f"the model's script was rejected: {why}")
    return candidate, " ".join(redactor.restore(answer.summary).split())[:200]
