"""The guided wizard's rules, without a screen: its steps, what completes each, next and back,
and the project file that lets a user quit and come back to the same step.

collect › profile › plan › run › forecast › advise › export. A step is done when its service
result exists (a log with at least one line that reads, which `check_logs` finds before a pick
counts; a model, a plan, a finished run, a forecast, accepted advice, an exported file); `next`
is refused with a one-line reason otherwise, `back` always works.
The Textual side (`wizard_driver`, `wizard_app`) only records results here and shows them.

The project file is `.loadtui/project.json` in the project folder (where `loadtui` was started,
or beside the log), written atomically (temp file + `os.replace`) on every change, so a crash
or a kill mid-write leaves the previous version. Paths inside the folder are kept relative, so
the folder can be moved or checked in.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from loadtui.errors import UserError

Step = Literal["collect", "profile", "plan", "run", "forecast", "advise", "export"]
STEPS: tuple[Step, ...] = get_args(Step)
TargetKind = Literal["demo", "stand_in", "url"]
Workload = Literal["open", "closed"]

PROJECT_DIR = ".loadtui"
PROJECT_FILE = "project.json"
MODEL_FILE = "model.json"
PLAN_FILE = "plan.yaml"
# a new user's first pass against the demo target: a stress run (many load levels, so the
# forecast has a curve to fit) short enough to watch, at a peak the demo holds comfortably
DEMO_PLAN_TYPE = "stress"
DEMO_DURATION = "40s"
DEMO_PEAK_RPS = 200.0


class PlanStep(BaseModel):
    """What the plan step chose; the Run pane's plan view shows and changes the same choice."""

    model_config = ConfigDict(extra="ignore")

    type: str = DEMO_PLAN_TYPE
    workload: Workload = "open"
    peak_rps: float | None = DEMO_PEAK_RPS  # None: the log's own peak (at least 50 req/s)
    duration: str = DEMO_DURATION
    target_kind: TargetKind = "demo"
    target_url: str | None = None  # for target_kind "url"


class Project(BaseModel):
    """Everything the wizard needs to resume: choices and the results they led to."""

    model_config = ConfigDict(extra="ignore")

    version: int = 1
    step: Step = "collect"
    log_paths: list[str] = Field(default_factory=list)
    model_path: str | None = None
    k: int | None = None
    renames: dict[str, str] = Field(default_factory=dict)
    excluded: list[str] = Field(default_factory=list)
    kept_bots: list[str] = Field(default_factory=list)
    plan: PlanStep = Field(default_factory=PlanStep)
    plan_path: str | None = None  # the plan the plan step built, saved for the record
    last_run_dir: str | None = None
    last_run_state: str | None = None
    forecast_runs: list[str] = Field(default_factory=list)
    forecast_done: bool = False
    plan_digest: str | None = None  # sha256 of the plan file as the wizard last wrote it
    # the plan file's digest after the Advisor wrote accepted edits into it (one per apply)
    advice_accepted: list[str] = Field(default_factory=list)
    advice_skipped: bool = False  # no advisor available: the step was passed without one
    exported: list[str] = Field(default_factory=list)
    theme: str | None = None


# -- the project file ----------------------------------------------------------------------------
def project_path(folder: Path) -> Path:
    return Path(folder) / PROJECT_DIR / PROJECT_FILE


def has_project(folder: Path) -> bool:
    return project_path(folder).is_file()


def load_project(folder: Path) -> Project | None:
    """The project kept in `folder`, or None when there is none; a file that does not parse
    is a UserError naming it (better than silently starting over on someone's choices)."""
    path = project_path(folder)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return Project.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise UserError(
            f"{path} is not a loadtui project ({where}: {first['msg']}); fix or delete it"
        ) from exc


def save_project(folder: Path, project: Project) -> Path:
    """Write the project atomically (temp file in the same folder, fsync, os.replace)."""
    path = project_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(project.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=".project-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def stored(folder: Path, path: Path | str) -> str:
    """How a path is kept in the project: relative when it is inside `folder`."""
    p = Path(path).expanduser().resolve()
    try:
        return str(p.relative_to(Path(folder).resolve()))
    except ValueError:
        return str(p)


def resolved(folder: Path, path: str) -> Path:
    """A path read back from the project (relative ones are inside `folder`)."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else Path(folder) / p


def digest(path: Path) -> str | None:
    """sha256 of a file's bytes (None when it is gone): tells the wizard's own plan from one
    the Advisor has since written accepted edits into."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


# -- the collect step's check ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class LogCheck:
    """What reading the picked logs found: the line counts, or why none of it can be profiled
    (the reader's own one-line reason, raw: whoever shows it cleans it, it names log paths)."""

    lines_total: int = 0
    lines_bad: int = 0
    error: str | None = None

    @property
    def usable(self) -> bool:
        return self.error is None

    def summary(self, paths: Sequence[Path]) -> str:
        """One line for the user: how much was read, how much rejected (malformed lines are
        counted and skipped, as `loadtui profile` does, not fatal)."""
        names = ", ".join(Path(p).name for p in paths)
        read = f"{names}: {self.lines_total:,} lines read"
        if not self.lines_bad:
            return read
        return f"{read}, {self.lines_bad:,} rejected (malformed: left out of the profile)"


def check_logs(paths: Sequence[Path]) -> LogCheck:
    """Whether the picked logs hold at least one line the profile can use.

    Reads every line as the profile step will (a file whose first lines are junk may still
    hold good ones, so a sniff of the head would refuse logs that profile): one extra parse,
    about a fifth of a profile's time, so a file of junk, a binary or an empty file is refused
    at collect with the reader's reason instead of failing on the Personas pane."""
    from loadtui.ingest.formats import read_logs

    files = [Path(p) for p in paths]
    try:
        _frame, report = read_logs(files)
    except UserError as exc:
        return LogCheck(error=str(exc))
    except OSError as exc:
        return LogCheck(error=f"cannot read {exc.filename or files[0]}: {exc.strerror or exc}")
    except Exception as exc:  # a reader bug must not end the app: say it and stay
        return LogCheck(error=f"cannot read the log: {exc}")
    if report.lines_total - report.lines_bad <= 0:
        names = ", ".join(str(p) for p in files)
        return LogCheck(error=f"no log lines in {names}: the file is empty; pick another")
    return LogCheck(lines_total=report.lines_total, lines_bad=report.lines_bad)


# -- steps ---------------------------------------------------------------------------------------
def index(step: Step) -> int:
    return STEPS.index(step)


def blocker(
    project: Project, folder: Path, step: Step | None = None, *, has_advisor: bool = True
) -> str | None:
    """Why `step` (default: the current one) is not done yet, in one line; None when it is."""
    step = step or project.step
    if step == "collect":
        if not project.log_paths:
            return "pick an access log first (enter on a file)"
        missing = [p for p in project.log_paths if not resolved(folder, p).is_file()]
        if missing:
            return f"the log is gone: {missing[0]}; pick another"
        return None
    if step == "profile":
        if not project.model_path or not resolved(folder, project.model_path).is_file():
            return "no personas yet: wait for the profile (or press k to re-cluster)"
        return None
    if step == "plan":
        if not project.plan_path or not resolved(folder, project.plan_path).is_file():
            return "no plan yet: keep at least one persona and set the plan's keys"
        return None
    if step == "run":
        if not project.last_run_dir:
            return "no finished run yet: enter starts the run"
        if not resolved(folder, project.last_run_dir).is_dir():
            return f"the run folder is gone: {project.last_run_dir}; run again"
        return None
    if step == "forecast":
        if not project.forecast_done:
            return "no forecast yet: wait for the twin's fit (r refits)"
        return None
    if step == "advise":
        if not has_advisor or project.advice_skipped:
            return None
        if not project.advice_accepted:
            return "accept at least one suggestion first"
        return None
    if not project.exported:
        return "export a script first: enter on a format"
    return None


def next_step(project: Project, folder: Path, *, has_advisor: bool = True) -> tuple[Step, str]:
    """(the step `next` goes to, and why it stays where it is when it does: "" otherwise)."""
    why = blocker(project, folder, has_advisor=has_advisor)
    if why is not None:
        return project.step, why
    i = index(project.step)
    if i + 1 >= len(STEPS):
        return project.step, "that was the last step: the wizard is complete"
    return STEPS[i + 1], ""


def back_step(project: Project) -> Step:
    """The step before the current one (the first stays where it is)."""
    return STEPS[max(0, index(project.step) - 1)]


def resume_step(project: Project, folder: Path, *, has_advisor: bool = True) -> Step:
    """Where a reopened project starts: the saved step, unless an earlier step's result is
    gone (a log or run folder deleted meanwhile): then the first step that is not done."""
    for step in STEPS[: index(project.step)]:
        if blocker(project, folder, step, has_advisor=has_advisor) is not None:
            return step
    return project.step


def forget_after(project: Project, step: Step) -> Project:
    """A new result at `step` makes the later ones stale (a new log: a new model, plan, run…).

    Returns a copy with the results of every step after `step` cleared; choices (the plan
    step's, renames, the theme) stay."""
    later = set(STEPS[index(step) + 1 :])
    update: dict[str, object] = {}
    if "profile" in later:
        update |= {"model_path": None, "renames": {}, "excluded": [], "kept_bots": []}
    if "plan" in later:
        update |= {"plan_path": None, "plan_digest": None}
    if "run" in later:
        update |= {"last_run_dir": None, "last_run_state": None}
    if "forecast" in later:
        update |= {"forecast_runs": [], "forecast_done": False}
    if "advise" in later:
        update |= {"advice_accepted": [], "advice_skipped": False}
    if "export" in later:
        update["exported"] = []
    return project.model_copy(update=update, deep=True)


def step_bar_parts(current: Step, done: set[Step]) -> list[tuple[str, str]]:
    """The step bar as (text, state) pieces: state "current", "done" or "todo"; the current
    step in capitals so it reads without colour (NO_COLOR, a monochrome terminal)."""
    parts: list[tuple[str, str]] = []
    for step in STEPS:
        if step == current:
            parts.append((step.upper(), "current"))
        else:
            parts.append((step, "done" if step in done else "todo"))
    return parts


def done_steps(project: Project, folder: Path, *, has_advisor: bool = True) -> set[Step]:
    return {s for s in STEPS if blocker(project, folder, s, has_advisor=has_advisor) is None}
