"""wizard_flow without a screen: what completes each step, next/back, resume, the project file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from wizard_logs import JUNK, combined_lines, write_log

from loadtui.errors import UserError
from loadtui.tui.wizard_flow import (
    STEPS,
    Project,
    back_step,
    blocker,
    check_logs,
    done_steps,
    forget_after,
    load_project,
    next_step,
    project_path,
    resume_step,
    save_project,
    step_bar_parts,
    stored,
)


def full_project(folder: Path) -> Project:
    """A project whose every step has its result on disk."""
    (folder / "access.log").write_text("x\n")
    (folder / ".loadtui").mkdir()
    (folder / ".loadtui" / "model.json").write_text("{}")
    (folder / ".loadtui" / "plan.yaml").write_text("name: x\n")
    (folder / "runs" / "r1").mkdir(parents=True)
    (folder / "load.js").write_text("export default function () {}\n")
    return Project(
        step="export",
        log_paths=["access.log"],
        model_path=".loadtui/model.json",
        plan_path=".loadtui/plan.yaml",
        last_run_dir="runs/r1",
        last_run_state="complete",
        forecast_runs=["runs/r1"],
        forecast_done=True,
        advice_accepted=["t1"],
        exported=["load.js"],
    )


def test_each_step_is_refused_until_its_result_exists(tmp_path: Path) -> None:
    project = Project()
    reasons = [blocker(project, tmp_path, s) for s in STEPS]
    assert all(r is not None for r in reasons)
    assert reasons[0] == "pick an access log first (enter on a file)"
    assert all("\n" not in r for r in reasons if r)  # one line each
    full = full_project(tmp_path)
    assert done_steps(full, tmp_path) == set(STEPS)


def test_next_moves_one_step_only_when_done(tmp_path: Path) -> None:
    project = Project(step="collect")
    assert next_step(project, tmp_path) == ("collect", "pick an access log first (enter on a file)")
    (tmp_path / "a.log").write_text("x\n")
    project = project.model_copy(update={"log_paths": ["a.log"]})
    assert next_step(project, tmp_path) == ("profile", "")
    gone = project.model_copy(update={"log_paths": ["missing.log"]})
    step, why = next_step(gone, tmp_path)
    assert step == "collect" and why.startswith("the log is gone: missing.log")


def test_advise_passes_without_an_advisor_and_last_step_stays(tmp_path: Path) -> None:
    project = Project(step="advise")
    assert next_step(project, tmp_path, has_advisor=False) == ("export", "")
    assert next_step(project, tmp_path, has_advisor=True)[0] == "advise"
    skipped = project.model_copy(update={"advice_skipped": True})
    assert next_step(skipped, tmp_path, has_advisor=True) == ("export", "")
    last = full_project(tmp_path)
    assert next_step(last, tmp_path) == ("export", "that was the last step: the wizard is complete")


def test_back_goes_one_step_and_stops_at_the_first() -> None:
    assert back_step(Project(step="forecast")) == "run"
    assert back_step(Project(step="collect")) == "collect"


def test_resume_goes_back_to_the_first_step_whose_result_is_gone(tmp_path: Path) -> None:
    project = full_project(tmp_path).model_copy(update={"step": "forecast"})
    assert resume_step(project, tmp_path) == "forecast"
    (tmp_path / ".loadtui" / "plan.yaml").unlink()
    assert resume_step(project, tmp_path) == "plan"
    (tmp_path / "access.log").unlink()
    assert resume_step(project, tmp_path) == "collect"


def test_a_new_result_clears_the_later_ones_but_keeps_choices(tmp_path: Path) -> None:
    project = full_project(tmp_path).model_copy(update={"renames": {"a": "b"}, "theme": "light"})
    after_run = forget_after(project, "run")
    assert after_run.last_run_dir == "runs/r1" and after_run.plan_path == ".loadtui/plan.yaml"
    assert not after_run.forecast_done and after_run.exported == []
    assert after_run.advice_accepted == []
    new_log = forget_after(project, "collect")
    assert new_log.model_path is None and new_log.renames == {} and new_log.plan_path is None
    assert new_log.log_paths == ["access.log"] and new_log.theme == "light"
    assert new_log.plan == project.plan


def test_project_file_round_trip_with_relative_paths(tmp_path: Path) -> None:
    project = full_project(tmp_path).model_copy(
        update={"renames": {"casual_browser": "browsers"}, "excluded": ["bots"], "theme": "light"}
    )
    path = save_project(tmp_path, project)
    assert path == project_path(tmp_path) == tmp_path / ".loadtui" / "project.json"
    assert load_project(tmp_path) == project
    data = json.loads(path.read_text())
    assert data["step"] == "export" and data["log_paths"] == ["access.log"]
    assert data["plan"]["type"] == "stress" and data["plan"]["duration"] == "40s"
    assert stored(tmp_path, tmp_path / "runs" / "r1") == "runs/r1"
    assert stored(tmp_path, "/elsewhere/x.log") == "/elsewhere/x.log"
    assert load_project(tmp_path / "nothing-here") is None


def test_save_is_atomic_and_leaves_no_temp_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_project(tmp_path, Project(step="plan"))
    before = project_path(tmp_path).read_bytes()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        save_project(tmp_path, Project(step="export"))
    monkeypatch.undo()
    assert project_path(tmp_path).read_bytes() == before  # the old version, whole
    assert sorted(p.name for p in (tmp_path / ".loadtui").iterdir()) == ["project.json"]


def test_a_broken_project_file_is_a_user_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / ".loadtui").mkdir()
    project_path(tmp_path).write_text('{"step": "nowhere"}')
    with pytest.raises(UserError, match=r"project.json is not a loadtui project \(step"):
        load_project(tmp_path)


def test_step_bar_marks_the_current_step_in_capitals() -> None:
    parts = step_bar_parts("plan", {"collect", "profile"})
    assert parts[:3] == [("collect", "done"), ("profile", "done"), ("PLAN", "current")]
    assert parts[3] == ("run", "todo")
    text = " › ".join(t for t, _ in parts)
    assert text == "collect › profile › PLAN › run › forecast › advise › export"
    assert len(text) + len("n next  ⌫ back ") + 2 <= 80


def test_check_logs_refuses_junk_binary_and_empty_files_and_counts_bad_lines(
    tmp_path: Path,
) -> None:
    junk = tmp_path / "junk.log"
    junk.write_bytes(JUNK)
    check = check_logs([junk])
    assert not check.usable and check.error is not None
    assert check.error.startswith("no line matched any known log format (3 lines read, 3 rej")

    empty = tmp_path / "empty.log"
    empty.write_bytes(b"\n\n")
    check = check_logs([empty])
    assert check.error == f"no log lines in {empty}: the file is empty; pick another"

    mixed = write_log(tmp_path / "mixed.log", [*combined_lines(30), "garbage", *combined_lines(5)])
    check = check_logs([mixed])
    assert check.usable and (check.lines_total, check.lines_bad) == (36, 1)
    assert check.summary([mixed]) == (
        "mixed.log: 36 lines read, 1 rejected (malformed: left out of the profile)"
    )
