"""Inputs of the Advisor tests: a plan file on disk, a finished run of it, a hand-built answer.

The advice is written by hand (not asked of an advisor) so the tests pin exactly which edits
exist: two thresholds and a ramp, with the evidence numbers a reviewer would see.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui_plans import make_shop_plan, make_window

from loadtui.contracts import (
    Evidence,
    Finding,
    RunRecord,
    Stage,
    StageAdjustment,
    SuggestionSet,
    ThresholdChange,
)
from loadtui.plan.yaml_io import dumps_plan
from loadtui.store.sink import RunSink

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PLAN_HEADER = "# the shop's nightly load test (reviewed by hand)\n"


def write_plan(path: Path, target: str, *, steady: str = "2s", rate: float = 6.0) -> Path:
    """The shop plan as a YAML file with a comment on top (comments must survive edits)."""
    plan = make_shop_plan(target, duration=steady, rate=rate)
    path.write_text(PLAN_HEADER + dumps_plan(plan, file_name=path.name), encoding="utf-8")
    return path


def finished_run(runs: Path, plan_file: Path, run_id: str = "r-advised") -> Path:
    """A complete 3 s run of the plan in `plan_file` (deterministic windows) in `runs/`."""
    from loadtui.plan.yaml_io import load_plan

    plan = load_plan(plan_file)
    sink = RunSink.open(runs, plan, source=plan_file, run_id=run_id)
    for i in range(12):
        w = make_window(0.25 * (i + 1), p95=180.0 + i, rps=6.0, errors=0, interval_s=0.25)
        sink.window(w.model_copy(update={"ts": T0 + timedelta(seconds=0.25 * (i + 1))}))
    sink.close(
        RunRecord(
            run_id=run_id,
            state="complete",
            plan_name=plan.name,
            target=plan.target,
            started=T0,
            duration_s=3.0,
        )
    )
    return runs / run_id


def three_edits(*, finding: bool = True) -> SuggestionSet:
    """p95 500 → 650 ms, errors 1 % → 2 %, the 1 s ramp → 2 s; a note-worthy finding."""
    return SuggestionSet(
        reason="thresholds sit at the baseline's noise; the ramp is too steep",
        confidence=0.82,
        run_id="r-advised",
        baseline_runs=["b1", "b2", "b3", "b4", "b5"],
        new_thresholds=[
            ThresholdChange(
                id="threshold:http_req_duration",
                metric="http_req_duration",
                old=["p(95)<500"],
                new=["p(95)<650"],
                reason="baseline p95 spread 410-560 ms: 500 fails one run in five on noise",
                evidence=[
                    Evidence(name="baseline p95, 95th pct of 5 runs", value=561, unit="ms"),
                    Evidence(name="runs", value=5),
                ],
                confidence=0.9,
            ),
            ThresholdChange(
                id="threshold:http_req_failed",
                metric="http_req_failed",
                old=["rate<0.01"],
                new=["rate<0.02"],
                reason="errors 0.4-1.3 % across the baseline",
                evidence=[Evidence(name="max baseline error rate", value=0.013, unit="ratio")],
                confidence=0.6,
            ),
        ],
        stage_adjustments=[
            StageAdjustment(
                id="stage:0",
                type="lengthen_ramp",
                stage=0,
                change="ramp to 6 over 2s instead of 1s",
                new_stages=[Stage(duration="2s", target=6.0, name="ramp")],
                reason="p95 doubles in the first second: the ramp outruns the warm-up",
                evidence=[Evidence(name="p95 in the ramp / steady", value=2.1, unit="x")],
                confidence=0.75,
            )
        ],
        findings=(
            [
                Finding(
                    kind="broken_test",
                    message="404 on routes the target does not have",
                    routes=["GET /old-cart"],
                )
            ]
            if finding
            else []
        ),
    )
