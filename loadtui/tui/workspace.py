"""What the user is working on across panes: the source, the model and their edits to it.

Screens share one `Workspace` held by the app. Renames, exclusions and the bot toggle are kept
as edits next to the model the profiler produced, so re-clustering or reloading can re-apply
them, and `planned_model()` hands the planner exactly the personas the user kept. Bot personas
are shown but left out of the plan unless the user keeps one (`x`), as `loadtui plan` leaves
them out unless `--include-bots`: a crawler's traffic is rarely the load one means to test.
A ready-made `plan` (e.g. a `--url`-style plan) bypasses the model: the Run pane runs it as
given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loadtui.contracts import Persona, TestPlan, TrafficModel

DEMO_TARGET = "http://127.0.0.1:8080"


@dataclass
class Workspace:
    log_paths: list[Path] = field(default_factory=list)
    model_path: Path | None = None
    model: TrafficModel | None = None
    target: str | None = None  # None: the built-in demo target, started when needed
    plan: TestPlan | None = None  # run as given (its own target); no planning from the model
    renames: dict[str, str] = field(default_factory=dict)  # original name → display name
    excluded: set[str] = field(default_factory=set)  # original names left out of the plan
    kept_bots: set[str] = field(default_factory=set)  # bot personas the user chose to plan
    show_bots: bool = True
    runs_dir: Path = Path("runs")
    revision: int = 0  # bumped on every edit, so the Run pane knows to re-plan

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

    def rename(self, original: str, new: str) -> None:
        new = new.strip()
        if not new or new == original:
            self.renames.pop(original, None)
        else:
            self.renames[original] = new

    def is_excluded(self, persona: Persona) -> bool:
        """Left out of the plan: excluded by the user, or a bot the user did not keep."""
        if persona.is_bot:
            return persona.name not in self.kept_bots
        return persona.name in self.excluded

    def toggle_excluded(self, persona: Persona) -> bool:
        """Flip the persona's exclusion; returns True when it is now excluded."""
        chosen = self.kept_bots if persona.is_bot else self.excluded
        if persona.name in chosen:
            chosen.discard(persona.name)
        else:
            chosen.add(persona.name)
        return self.is_excluded(persona)

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
