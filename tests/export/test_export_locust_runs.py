"""Every exported locustfile runs for real: Locust headless against the demo target, and each
persona's requests reach its routes in the plan's proportions (±20 %)."""

from __future__ import annotations

import ast
import csv
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from loadtui.contracts import Distribution, Scenario, Stage, TestPlan, Workload
from loadtui.engine.sessions import CompiledScenario
from loadtui.export.locust import mean_session_seconds, render_locustfile, shape_stages
from loadtui.plan import load_plan
from loadtui.target.process import TargetProcess

REPO = Path(__file__).resolve().parents[2]
LOCUST = Path(sys.executable).with_name("locust")
pytestmark = pytest.mark.skipif(not LOCUST.exists(), reason="locust extra not installed")


@pytest.fixture(scope="module")
def sample_plan(tmp_path_factory: pytest.TempPathFactory) -> TestPlan:
    """The plan `loadtui plan` makes from the shipped sample log (3 personas, logins)."""
    out = tmp_path_factory.mktemp("plan")
    loadtui = Path(sys.executable).with_name("loadtui")
    model, plan = out / "model.json", out / "plan.yaml"
    log = REPO / "sample_data" / "shop_access.log"
    subprocess.run([loadtui, "profile", log, "-o", model], check=True, capture_output=True)
    subprocess.run(
        [loadtui, "plan", model, "-o", plan, "--type", "smoke"], check=True, capture_output=True
    )
    return load_plan(plan)


def expected_mix(sc: Scenario, sessions: int = 20_000, seed: int = 1) -> dict[str, float]:
    """Share of each `METHOD route` in a session walk of the chain, logins as the engine does
    them (before the first step that needs a token in a session without one)."""
    cs = CompiledScenario.from_scenario(sc, fuse=False)
    rng = random.Random(seed)
    counts: Counter[str] = Counter()
    for _ in range(sessions):
        token = False
        for i in cs.walk(rng):
            step = cs.steps[i]
            if step.needs_token and not token and cs.login is not None:
                counts[cs.login.key] += 1
                token = True
            counts[step.key] += 1
            token = token or step.captures_token
    total = sum(counts.values())
    return {k: v / total for k, v in counts.items()}


def run_locust(locustfile: Path, url: str, prefix: Path, *classes: str) -> dict[str, int]:
    """`locust --headless` for a few seconds; request counts by `METHOD route` from its CSV."""
    cmd = [str(LOCUST), "-f", str(locustfile), "--headless", "-H", url, "-t", "5s"]
    cmd += ["--csv", str(prefix), "--only-summary", "--stop-timeout", "2", *classes]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _, err = proc.communicate(timeout=45)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    assert proc.returncode == 0, err[-2000:]
    counts: dict[str, int] = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] != "Aggregated":
                counts[f"{row['Type']} {row['Name']}"] = int(row["Request Count"])
    return counts


def quick(plan: TestPlan, users: int) -> TestPlan:
    """The same personas and chains with millisecond think times and one 5 s stage of VUs,
    so a few seconds hold thousands of requests."""
    fast = Distribution(kind="constant", median=0.002)
    return plan.model_copy(
        update={
            "scenarios": [s.model_copy(update={"think_time": fast}) for s in plan.scenarios],
            "workload": Workload(model="closed", rate_unit="vus"),
            "stages": [Stage(duration="5s", target=users)],
        }
    )


def test_locustfile_parses_and_carries_the_stages_by_littles_law(sample_plan: TestPlan) -> None:
    text = render_locustfile(sample_plan)
    ast.parse(text)
    w = mean_session_seconds(sample_plan)
    assert 20 < w < 200  # the sample personas think for tens of seconds, ~16 requests a session
    stages = shape_stages(sample_plan)
    assert [s["end"] for s in stages] == [5.0, 60.0]
    peak = sample_plan.stages[-1].target
    assert stages[-1]["users"] == pytest.approx(peak * w, rel=1e-3)
    for sc in sample_plan.scenarios:
        assert sc.name in text


@pytest.mark.e2e
@pytest.mark.timeout(240)
def test_each_persona_hits_its_routes_in_the_plans_proportions(
    sample_plan: TestPlan, tmp_path: Path
) -> None:
    plan = quick(sample_plan, users=8)
    locustfile = tmp_path / "locustfile.py"
    locustfile.write_text(render_locustfile(plan))
    classes = [
        line.split("(")[0].removeprefix("class ")
        for line in locustfile.read_text().splitlines()
        if line.startswith("class ") and "(PersonaUser)" in line
    ]
    assert len(classes) == len(plan.scenarios)
    with TargetProcess(capacity=64, service_ms=1.0) as target:
        for sc, cls in zip(plan.scenarios, classes, strict=True):
            counts = run_locust(locustfile, target.url, tmp_path / cls, cls)
            total = sum(counts.values())
            assert total > 500, (cls, total)
            want = expected_mix(sc)
            got = {k: v / total for k, v in counts.items()}
            assert set(got) <= set(want), set(got) - set(want)
            tvd = 0.5 * sum(abs(got.get(k, 0.0) - want.get(k, 0.0)) for k in set(want) | set(got))
            assert tvd < 0.08, (cls, tvd)
            for key, share in want.items():
                # ±20 % is a fair test from ~300 expected requests: requests come in sessions,
                # so a route's count varies more than Poisson (2.7 % vs 2.25 % seen at ~110)
                if share * total >= 300:
                    assert got.get(key, 0.0) == pytest.approx(share, rel=0.2), (cls, key)
