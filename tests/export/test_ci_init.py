"""`loadtui ci init`: a valid GitHub Actions workflow with the three tiers, each step a
loadtui command that exists, never overwriting a file without --force."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from export_plans import sample_model
from ruamel.yaml import YAML

from loadtui.cli import build_parser, main
from loadtui.plan import load_plan


def _workflow(root: Path) -> dict:
    data: dict = YAML(typ="safe").load((root / ".github/workflows/loadtui.yml").read_text())
    return data


def test_workflow_has_smoke_on_prs_load_nightly_and_stress_weekly(tmp_path: Path) -> None:
    assert main(["ci", "init", "--dir", str(tmp_path)]) == 0
    wf = _workflow(tmp_path)
    on = wf["on"]
    assert "pull_request" in on
    crons = [c["cron"] for c in on["schedule"]]
    assert len(crons) == 2
    jobs = wf["jobs"]
    assert set(jobs) == {"smoke", "load", "stress"}
    assert "pull_request" in jobs["smoke"]["if"]
    assert crons[0] in jobs["load"]["if"] and crons[1] in jobs["stress"]["if"]
    nightly, weekly = (c.split() for c in crons)
    assert nightly[2:] == ["*", "*", "*"]  # every day
    assert weekly[2:4] == ["*", "*"] and weekly[4] != "*"  # one day of the week
    for name, job in jobs.items():
        runs = [s["run"] for s in job["steps"] if "run" in s]
        assert any("pip install loadtui" in r for r in runs)
        assert any(r.startswith(f"loadtui run loadtest/{name}.yaml --headless") for r in runs)
        upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload"))
        assert upload["if"] == "always()"
    smoke_runs = [s["run"] for s in jobs["smoke"]["steps"] if "run" in s]
    assert any(
        r.startswith("loadtui analyze") and "--baseline loadtest/baseline/" in r for r in smoke_runs
    )


def test_every_loadtui_step_parses_with_the_real_cli(tmp_path: Path) -> None:
    main(["ci", "init", "--dir", str(tmp_path)])
    parser = build_parser()
    steps = [s for job in _workflow(tmp_path)["jobs"].values() for s in job["steps"]]
    # `loadtui heal ... || test $? -eq 3`: exit 3 (edits proposed) must not fail the job
    commands = [s["run"].split(" || ")[0] for s in steps if s.get("run", "").startswith("loadtui ")]
    assert len(commands) == 5
    for command in commands:
        args = parser.parse_args(shlex.split(command)[1:])
        assert args.command in {"run", "analyze", "heal"}
        if args.command == "run":
            assert args.headless


def test_smoke_heals_after_the_run_into_the_job_summary_and_never_applies(
    tmp_path: Path,
) -> None:
    main(["ci", "init", "--dir", str(tmp_path)])
    steps = _workflow(tmp_path)["jobs"]["smoke"]["steps"]
    names = [s.get("run", "").split(" ")[:2] for s in steps]
    heal_at = names.index(["loadtui", "heal"])
    assert names.index(["loadtui", "analyze"]) < heal_at
    heal, post = steps[heal_at], steps[heal_at + 1]
    assert heal["if"] == "always()" and post["if"] == "always()"
    assert heal["run"].endswith("|| test $? -eq 3")
    args = build_parser().parse_args(shlex.split(heal["run"].split(" || ")[0])[1:])
    assert args.plan == "loadtest/smoke.yaml" and not args.apply
    assert args.markdown == "ci-runs/heal.md" and args.baseline == ["loadtest/baseline/*/"]
    assert '>> "$GITHUB_STEP_SUMMARY"' in post["run"] and "ci-runs/heal.md" in post["run"]


def test_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / ".github/workflows/loadtui.yml"
    target.parent.mkdir(parents=True)
    target.write_text("mine\n")
    assert main(["ci", "init", "--dir", str(tmp_path)]) == 2
    assert "--force" in capsys.readouterr().err
    assert target.read_text() == "mine\n"
    assert main(["ci", "init", "--dir", str(tmp_path), "--force"]) == 0
    assert "jobs" in _workflow(tmp_path)


def test_with_a_model_it_writes_the_three_plans(tmp_path: Path) -> None:
    model = tmp_path / "model.json"
    model.write_text(sample_model().model_dump_json())
    assert main(["ci", "init", "--dir", str(tmp_path), "--model", str(model)]) == 0
    smoke = load_plan(tmp_path / "loadtest/smoke.yaml")
    assert smoke.type == "smoke"
    assert sum(int(s.duration.rstrip("s")) for s in smoke.stages if s.duration.endswith("s")) == 30
    assert load_plan(tmp_path / "loadtest/load.yaml").type == "load"
    assert load_plan(tmp_path / "loadtest/stress.yaml").type == "stress"
