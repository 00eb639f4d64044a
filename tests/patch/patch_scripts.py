"""k6 scripts in the styles people write, plans to patch, and checks used by the patch tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from loadtui.contracts import (
    Scenario,
    Stage,
    StageAdjustment,
    StageRemoval,
    Step,
    TestPlan,
    ThresholdChange,
    Workload,
)
from loadtui.patch.js_tree import first_problem, parse

NODE = shutil.which("node")

# The seeds' before/after example: a spike of 2000 VUs in 5 s, one latency threshold.
SEEDS = """\
import http from 'k6/http';
import { sleep } from 'k6';

export const options = {
  stages: [{duration:'5s', target: 2000}, {duration:'1m', target: 2000}, {duration:'10s', target: 0}],
  thresholds: {http_req_duration: ['p(95)<500']},
};

export default function () {
  http.get('https://test.k6.io');
  sleep(1);
}
"""  # noqa: E501 (the seeds' one-line stages)

# Spread over lines, comments inside, trailing commas, tagged keys, the object form.
SPREAD = """\
import http from "k6/http";

// load shape agreed with the SRE team
export let options = {
  /* ramp, hold, down */
  stages: [
    { duration: "30s", target: 50 }, // warm-up
    // the plateau
    { duration: "2m", target: 50 },
    { duration: "30s", target: 0 },
  ],
  thresholds: {
    // latency SLO
    http_req_duration: ["p(95)<400", "p(99)<900"],
    "http_req_duration{scenario:browser}": [
      "p(95)<600",
    ],
    'http_req_failed{status:500}': [{ threshold: "rate<0.05", abortOnFail: true, delayAbortEval: "10s" }],
    http_req_failed: [{ threshold: "rate<0.01", abortOnFail: true }],
  },
  noConnectionReuse: false, // keep-alive
};

export default function () {
  http.get(`${__ENV.BASE_URL}/`);
}
"""  # noqa: E501 (a long threshold line, as people write them)

# Options built from variables, a scenario with stages, and `export { options }`.
VARIABLES = """\
import http from 'k6/http';

const PEAK = 100;
const thresholds = {
  http_req_duration: ['p(95)<300'],
};
const rampStages = [
  { duration: '10s', target: 20 },
  { duration: '20s', target: 20 },
  { duration: '5s', target: 0 },
];
const browse = {
  executor: 'ramping-vus',
  startVUs: 0,
  stages: rampStages,
  exec: 'browsePages',
};
const options = { thresholds, scenarios: { browse }, tags: { team: 'shop' } };
export { options };

export function browsePages() {
  http.get('http://127.0.0.1:8080/');
}
"""

STYLES = {"seeds": SEEDS, "spread": SPREAD, "variables": VARIABLES}


def node_check(tmp_path: Path, text: str, name: str = "patched") -> None:
    """`node --check` accepts `text` as an ES module (imports are not resolved by --check)."""
    assert NODE is not None
    path = tmp_path / f"{name}.mjs"
    path.write_text(text, encoding="utf-8")
    done = subprocess.run([NODE, "--check", str(path)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def parses(text: str) -> bool:
    return first_problem(parse(text.encode("utf-8"))) is None


def same_outside(old: str, new: str, first: str, last: str) -> None:
    """Every byte before `first` and after `last` (each found once in `old`) is unchanged."""
    start = old.index(first)
    end = old.rindex(last) + len(last)
    assert new[:start] == old[:start]
    tail = len(old) - end
    assert new[len(new) - tail :] == old[end:]


def threshold(metric: str, *new: str, id_: str | None = None, conf: float = 0.9) -> ThresholdChange:
    return ThresholdChange(
        id=id_ or f"threshold:{metric}",
        metric=metric,
        new=list(new),
        reason="test",
        confidence=conf,
    )


def adjust(stage: int, *new: tuple[str, float], conf: float = 0.9) -> StageAdjustment:
    return StageAdjustment(
        id=f"stage:{stage}",
        type="lengthen_ramp",
        stage=stage,
        change="test",
        new_stages=[Stage(duration=d, target=t) for d, t in new],
        reason="test",
        confidence=conf,
    )


def remove(stage: int, conf: float = 0.9) -> StageRemoval:
    return StageRemoval(id=f"remove:{stage}", stage=stage, reason="test", confidence=conf)


def small_plan(model: str = "open") -> TestPlan:
    """Two personas (3:1), three stages: what `loadtui export k6` turns into scenarios."""
    step = Step(route="/")
    return TestPlan(
        name="shop",
        workload=Workload(model=model),  # type: ignore[arg-type]
        scenarios=[
            Scenario(
                name="browser",
                persona="browser",
                weight=3.0,
                steps=[step],
                entry=[1.0],
                matrix=[[0.0]],
                exit=[1.0],
            ),
            Scenario(
                name="buyer",
                persona="buyer",
                weight=1.0,
                steps=[step],
                entry=[1.0],
                matrix=[[0.0]],
                exit=[1.0],
            ),
        ],
        stages=[
            Stage(duration="5s", target=40, name="ramp"),
            Stage(duration="20s", target=40, name="hold"),
            Stage(duration="5s", target=0, name="down"),
        ],
        thresholds={"http_req_duration": ["p(95)<300"], "http_req_failed": ["rate<0.01"]},
    )
