"""When `loadtui` opens the wizard, and with which project: new, or resumed from the file.

- `loadtui` with no log and no model: the wizard in the current folder, resumed from its
  `.loadtui/project.json` when there is one, else at the collect step.
- `loadtui --log LOG`: resumes the project kept beside the log (or in the current folder) when
  it is about that log; without one, the panes open as before (no wizard).
- `loadtui demo`: the wizard on the sample log with the demo target it started (a project in
  the current folder about the sample log resumes).
Flags given on the command line (--target, --peak-rps, --duration) win over the project's.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from loadtui.errors import UserError
from loadtui.tui.wizard_flow import (
    Project,
    load_project,
    resolved,
    resume_step,
    stored,
)
from loadtui.tui.workspace import Workspace


def same_logs(project: Project, folder: Path, logs: list[str]) -> bool:
    mine = {resolved(folder, p).resolve() for p in project.log_paths}
    return bool(mine) and mine == {Path(p).resolve() for p in logs}


def wizard_project(args: argparse.Namespace, cwd: Path) -> tuple[Project, Path] | None:
    """(the project and its folder) when `args` open the wizard, else None."""
    if getattr(args, "model", None):
        return None
    logs = [str(p) for p in (getattr(args, "log", None) or [])]
    demo = getattr(args, "wizard", None) == "demo"
    if not logs:
        return (load_project(cwd) or Project(step="collect")), cwd
    folders = [cwd] if demo else [Path(logs[0]).resolve().parent, cwd]
    for folder in folders:
        project = load_project(folder)
        if project is not None and same_logs(project, folder, logs):
            return project, folder
    if not demo:
        return None
    project = Project(step="profile", log_paths=[stored(cwd, p) for p in logs])
    return project, cwd


def with_flags(project: Project, args: argparse.Namespace) -> Project:
    """The project with what the command line says (explicit flags win)."""
    plan = project.plan
    changes: dict[str, Any] = {}
    peak = getattr(args, "peak_rps", None)
    if peak is not None and getattr(args, "peak_source", "flag") == "flag":
        if not peak > 0:
            raise UserError(f"--peak-rps must be positive (got {peak:g})")
        changes["peak_rps"] = float(peak)
    duration = getattr(args, "duration_flag", getattr(args, "duration", None))
    if duration is not None:
        from loadtui.tui.planning import check_duration

        problem = check_duration(str(duration))
        if problem:
            raise UserError(f"--duration: {problem}")
        changes["duration"] = str(duration)
    target = getattr(args, "target", None)
    if getattr(args, "wizard", None) == "demo":
        changes |= {"target_kind": "demo", "target_url": None}
    elif target is not None:
        if not str(target).startswith(("http://", "https://")):
            raise UserError(
                f"--target {target!r} is not an http(s) URL; e.g. http://127.0.0.1:8080"
            )
        changes |= {"target_kind": "url", "target_url": str(target).rstrip("/")}
    return project.model_copy(update={"plan": plan.model_copy(update=changes)})


def wizard_workspace(
    project: Project, folder: Path, runs_dir: Path, demo_url: str | None = None
) -> Workspace:
    """The workspace as the project left it: logs, the saved model, renames and exclusions;
    the target when it is known now (a URL, or the demo `loadtui demo` started)."""
    ws = Workspace(runs_dir=runs_dir)
    ws.log_paths = [resolved(folder, p) for p in project.log_paths if resolved(folder, p).is_file()]
    if project.model_path and resolved(folder, project.model_path).is_file():
        from loadtui.profile.pipeline import load_model

        ws.model_path = resolved(folder, project.model_path)
        ws.model = load_model(ws.model_path)
    ws.renames = dict(project.renames)
    ws.excluded = set(project.excluded)
    ws.kept_bots = set(project.kept_bots)
    if project.plan.target_kind == "url":
        ws.target = project.plan.target_url
    elif project.plan.target_kind == "demo":
        ws.target = demo_url
    return ws


def resumed(project: Project, folder: Path, has_advisor: bool) -> Project:
    return project.model_copy(
        update={"step": resume_step(project, folder, has_advisor=has_advisor)}
    )
