"""What the user is working on across panes: the source, the model and their edits to it.

Screens share one `Workspace` held by the app. Renames, exclusions and the bot toggle are kept
as edits next to the model the profiler produced, so re-clustering or reloading can re-apply
them, and `planned_model()` hands the planner exactly the personas the user kept. Bot personas
are shown but left out of the plan unless the user keeps one (`x`), as `loadtui plan` leaves
them out unless `--include-bots`: a crawler's traffic is rarely the load one means to test.
A ready-made `plan` (a plan file, a `--url`-style plan) bypasses the model: the Run pane runs
it as given.

Screens change the workspace only through its intents (`open_logs`, `set_model`, `rename`,
`toggle_excluded`, `toggle_bots`, `set_target`, `set_plan`, `forecast`, `advise`); each edits
and then announces one `WorkspaceChange` to the listeners (the app turns it into a Textual
signal), so no screen keeps a counter or polls for edits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from loadtui.contracts import Persona, SuggestionSet, TestPlan, TrafficModel
from loadtui.target.reach import DEMO_TARGET

ChangeKind = Literal["source", "model", "personas", "target", "plan", "forecast", "advise"]


@dataclass(frozen=True, slots=True)
class WorkspaceChange:
    """What changed: `source` (new logs: the model is gone), `model`, `personas` (renames,
    exclusions, bots shown), `target`, `plan` (a prepared plan set or cleared)."""

    kind: ChangeKind
    detail: str = ""

    @property
    def replans(self) -> bool:
        """Whether a plan made before this change is stale (not after a target change, which
        only re-points the same plan, nor after choosing runs to forecast)."""
        return self.kind not in ("target", "forecast", "advise")


@dataclass
class Workspace:
    log_paths: list[Path] = field(default_factory=list)
    model_path: Path | None = None
    model: TrafficModel | None = None
    target: str | None = None  # None: the built-in demo target, started when needed
    plan: TestPlan | None = None  # run as given (its own target); no planning from the model
    plan_source: Path | None = None  # the file `plan` came from, copied into its run folders
    renames: dict[str, str] = field(default_factory=dict)  # original name → display name
    excluded: set[str] = field(default_factory=set)  # original names left out of the plan
    kept_bots: set[str] = field(default_factory=set)  # bot personas the user chose to plan
    show_bots: bool = True
    runs_dir: Path = Path("runs")
    forecast_runs: list[Path] = field(default_factory=list)  # run folders the Forecast pane fits
    advise_run: Path | None = None  # the run folder the Advisor pane advises on
    advise_file: Path | None = None  # the plan or k6 script it edits (None: the run's plan)
    advice: SuggestionSet | None = None  # an answer already at hand (None: ask the advisor)
    listeners: list[Callable[[WorkspaceChange], None]] = field(
        default_factory=list, repr=False, compare=False
    )

    # -- intents: every edit goes through one of these and is announced once -------------------
    def _announce(self, kind: ChangeKind, detail: str = "") -> None:
        change = WorkspaceChange(kind, detail)
        for listener in list(self.listeners):
            listener(change)

    def open_logs(self, paths: Sequence[Path | str]) -> None:
        """New logs: the old model and every edit to it go (a new profile will follow)."""
        self.log_paths = [Path(p) for p in paths]
        self.model = None
        self.model_path = None
        self.renames.clear()
        self.excluded.clear()
        self.kept_bots.clear()
        self._announce("source", self.source_name)

    def set_model(self, model: TrafficModel, path: Path | None = None) -> None:
        self.model = model
        if path is not None:
            self.model_path = path
        self._announce("model", f"{len(model.personas)} personas")

    def rename(self, original: str, new: str) -> None:
        new = new.strip()
        if not new or new == original:
            self.renames.pop(original, None)
        else:
            self.renames[original] = new
        self._announce("personas", f"renamed {original}")

    def toggle_excluded(self, persona: Persona) -> bool:
        """Flip the persona's exclusion; returns True when it is now excluded."""
        chosen = self.kept_bots if persona.is_bot else self.excluded
        if persona.name in chosen:
            chosen.discard(persona.name)
        else:
            chosen.add(persona.name)
        excluded = self.is_excluded(persona)
        self._announce("personas", f"{persona.name} {'excluded' if excluded else 'kept'}")
        return excluded

    def toggle_bots(self) -> bool:
        """Show or hide bot personas (hidden ones are left out of the plan); returns shown."""
        self.show_bots = not self.show_bots
        self._announce("personas", "bots shown" if self.show_bots else "bots hidden")
        return self.show_bots

    def set_target(self, url: str | None) -> None:
        """None: the built-in demo target, started when needed."""
        self.target = url.strip().rstrip("/") if url else None
        if self.plan is not None and self.target is not None:
            self.plan = self.plan.model_copy(update={"target": self.target})
        self._announce("target", self.target or DEMO_TARGET)

    def forecast(self, run_dirs: Sequence[Path]) -> None:
        """The runs the Forecast pane should fit (a stress or breakpoint run, or several)."""
        self.forecast_runs = [Path(p) for p in run_dirs]
        self._announce("forecast", ", ".join(p.name for p in self.forecast_runs))

    def advise(
        self,
        run_dir: Path,
        file: Path | None = None,
        advice: SuggestionSet | None = None,
    ) -> None:
        """The run the Advisor pane should advise on, the file its edits go to (None: the plan
        file the run came from, else a copy of the run's plan) and, optionally, an answer already
        given (`loadtui advise --json`, a test); without one the pane asks the advisor."""
        self.advise_run = Path(run_dir)
        self.advise_file = Path(file) if file is not None else None
        self.advice = advice
        self._announce("advise", self.advise_run.name)

    def set_plan(self, plan: TestPlan | None, source: Path | None = None) -> None:
        """A plan to run as given (None: plan from the model again)."""
        self.plan = plan
        self.plan_source = source if plan is not None else None
        if plan is not None:
            self.target = plan.target
        self._announce("plan", plan.name if plan is not None else "")

    @property
    def source_name(self) -> str:
        """Short name for the header: the first log (and how many more) or the model file."""
        if self.log_paths:
            extra = len(self.log_paths) - 1
            name = self.log_paths[0].name
            return f"{name} +{extra}" if extra else name
        if self.model_path is not None:
            return self.model_path.name
        if self.plan is not None:
            return f"plan {self.plan.name}"
        return "no source"

    def display_name(self, persona: Persona) -> str:
        return self.renames.get(persona.name, persona.name)

    def visible_personas(self) -> list[Persona]:
        """Personas the table shows, in the model's order (largest share first)."""
        if self.model is None:
            return []
        return [p for p in self.model.personas if self.show_bots or not p.is_bot]

    def is_excluded(self, persona: Persona) -> bool:
        """Left out of the plan: excluded by the user, or a bot the user did not keep."""
        if persona.is_bot:
            return persona.name not in self.kept_bots
        return persona.name in self.excluded

    def planned_model(self) -> TrafficModel:
        """The model with the user's edits applied: kept personas, renamed, shares renormalised.

        Raises ValueError when nothing is left to plan, so the screen can say so.
        """
        if self.model is None:
            raise ValueError("no traffic model loaded yet")
        kept = [
            p
            for p in self.model.personas
            if not self.is_excluded(p) and (self.show_bots or not p.is_bot)
        ]
        if not kept:
            raise ValueError("every persona is excluded or hidden; press x to keep one")
        total = sum(p.share for p in kept) or 1.0
        personas = [
            p.model_copy(update={"name": self.display_name(p), "share": p.share / total})
            for p in kept
        ]
        return self.model.model_copy(update={"personas": personas})
