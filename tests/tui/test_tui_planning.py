"""The Run pane's plan comes from the real planner with the user's edits applied."""

from __future__ import annotations

from loadtui.contracts import TrafficModel
from loadtui.engine.runner import validate_plan
from loadtui.engine.schedule import parse_duration
from loadtui.tui.planning import PlanChoice, make_plan
from loadtui.tui.workspace import Workspace


def test_plan_keeps_only_the_personas_the_user_kept(shop_model: TrafficModel) -> None:
    ws = Workspace(model=shop_model)
    by_name = {p.name: p for p in shop_model.personas}
    ws.toggle_excluded(by_name["power_user"])
    ws.toggle_excluded(by_name["bot_crawler"])  # a bot the user keeps
    ws.rename("api_consumer", "partners")
    plan = make_plan(ws.planned_model(), PlanChoice(type="smoke", duration="20s"), "http://h:1")
    personas = {s.persona for s in plan.scenarios}
    assert "power_user" not in personas
    assert "partners" in personas
    assert "bot_crawler" in personas
    assert plan.type == "smoke" and plan.target == "http://h:1"
    assert sum(parse_duration(s.duration) for s in plan.stages) == 20
    validate_plan(plan)  # the engine accepts it


def test_bots_are_not_planned_unless_kept_and_shown(shop_model: TrafficModel) -> None:
    ws = Workspace(model=shop_model)
    plan = make_plan(ws.planned_model(), PlanChoice(), "http://h:1")
    assert all(not s.is_bot for s in plan.scenarios)  # as `loadtui plan` without --include-bots
    assert plan.type == "load"
    ws.toggle_excluded(next(p for p in shop_model.personas if p.is_bot))
    assert any(
        s.is_bot for s in make_plan(ws.planned_model(), PlanChoice(), "http://h:1").scenarios
    )
    ws.show_bots = False  # hidden bots are never planned, kept or not
    plan = make_plan(ws.planned_model(), PlanChoice(), "http://h:1")
    assert all(not s.is_bot for s in plan.scenarios)


def test_plan_type_key_cycles_through_every_type_the_planner_knows() -> None:
    from loadtui.plan.stages import PLAN_TYPES as PLANNER_TYPES

    assert PlanChoice().type == "load"
    seen = [PlanChoice().type]
    choice = PlanChoice()
    for _ in PLANNER_TYPES:
        choice = choice.next_type()
        seen.append(choice.type)
    assert seen[0] == seen[-1] == "load"
    assert sorted(seen[:-1]) == sorted(PLANNER_TYPES)  # stress, spike, soak… (breakpoint too)
    assert {"smoke", "load", "stress", "spike", "soak"} <= set(seen)
    assert PlanChoice().next_type().next_type(-1) == PlanChoice()
