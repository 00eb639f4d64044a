"""Acceptance (issue 11, item 8): a run from the sample-log model against the demo target
validates on endpoint mix and think times at 15 %; a uniform mix with fixed sleeps does not.

60 req/s for 20 s (the demo's knee is ~1550 req/s): ~1200 requests, enough that the route mix
is not noise (a 30 req/s run measured 0.12 of TVD, this one 0.06).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtui.analyze.validate import validate
from loadtui.cli import main
from loadtui.contracts import Distribution, RunOptions, TestPlan, TrafficModel
from loadtui.live import LiveRun
from loadtui.plan.build import build_plan
from loadtui.profile.pipeline import build_model, load_model, save_model
from loadtui.resources import sample_log
from loadtui.store.runs import load_run
from loadtui.target.process import TargetProcess

pytestmark = pytest.mark.e2e
FIXED_SLEEP = Distribution(kind="constant", median=1.0, mean=1.0, p50=1.0)


def _uniform(plan: TestPlan) -> TestPlan:
    """Every step equally likely, sessions of 8 requests on average, 1 s sleeps."""
    scenarios = []
    for sc in plan.scenarios:
        n, q = len(sc.steps), 1.0 / 8
        scenarios.append(
            sc.model_copy(
                update={
                    "entry": [1 / n] * n,
                    "matrix": [[(1 - q) / n] * n for _ in range(n)],
                    "exit": [q] * n,
                    "think_time": FIXED_SLEEP,
                }
            )
        )
    return plan.model_copy(update={"scenarios": scenarios})


def _run(plan: TestPlan, out: Path) -> Path:
    live = LiveRun(plan, RunOptions(out_dir=out, workers=1, seed=1, index=False))
    live.run()
    assert live.run_dir is not None
    return live.run_dir


def test_a_faithful_run_validates_and_a_uniform_fixed_sleep_run_does_not(tmp_path: Path) -> None:
    model, _ = build_model([sample_log()])
    with TargetProcess() as target:
        plan = build_plan(model, type="load", peak_rps=60, duration="20s", target=target.url)
        good_dir = _run(plan, tmp_path / "good")
        wrong = _uniform(plan)
        wrong_dir = _run(wrong, tmp_path / "wrong")
    good = validate(model, *load_run(good_dir), plan, tolerance=0.15)
    bad = validate(model, *load_run(wrong_dir), wrong, tolerance=0.15)
    g = {c.name: c for c in good.checks}
    b = {c.name: c for c in bad.checks}
    assert g["endpoint_mix"].passed and g["think_time"].passed, good.as_dict()
    assert b["endpoint_mix"].passed is False and b["think_time"].passed is False, bad.as_dict()
    assert not bad.passed

    # the command reads the plan copy from the run folder and says the same
    model_path = tmp_path / "model.json"
    save_model(model, model_path)
    assert main(["validate", str(model_path), str(wrong_dir), "--json"]) == 99
    code = main(["validate", str(model_path), str(good_dir), "--save"])
    assert code == (0 if good.passed else 99)
    saved = load_model(model_path)
    assert saved.validation is not None
    assert saved.validation.checks["endpoint_mix"] == pytest.approx(
        g["endpoint_mix"].deviation, abs=1e-6
    )
    assert main(["validate", str(model_path), str(tmp_path / "nope")]) == 2


def test_json_is_one_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = TrafficModel()
    path = tmp_path / "m.json"
    save_model(model, path)
    assert main(["validate", str(path), str(tmp_path), "--json"]) == 2  # no windows
    assert capsys.readouterr().out == ""
