"""The Run pane's plan: the kept personas → `loadtui.plan` → a TestPlan for one target."""

from __future__ import annotations

from dataclasses import dataclass

from loadtui.contracts import TestPlan, TrafficModel

PLAN_TYPES = ("load", "smoke")
DEFAULT_RUN_DURATION = "1m"  # short enough to watch, long enough for a few stages


@dataclass(frozen=True)
class PlanChoice:
    """What the user picked on the Run pane (the rest comes from the model)."""

    type: str = "load"
    duration: str | None = DEFAULT_RUN_DURATION
    peak_rps: float | None = None

    def next_type(self) -> PlanChoice:
        i = PLAN_TYPES.index(self.type) if self.type in PLAN_TYPES else -1
        return PlanChoice(PLAN_TYPES[(i + 1) % len(PLAN_TYPES)], self.duration, self.peak_rps)


def make_plan(model: TrafficModel, choice: PlanChoice, target: str) -> TestPlan:
    from loadtui.plan.build import build_plan

    # the workspace already dropped the bots the user hid, so keep whatever is left
    return build_plan(
        model,
        type=choice.type,
        duration=choice.duration,
        peak_rps=choice.peak_rps,
        target=target,
        include_bots=True,
        name=f"tui-{choice.type}",
    )
