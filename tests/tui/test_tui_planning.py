"""The Run pane's plan comes from the real planner with the user's edits applied."""

from __future__ import annotations

from loadtui.contracts import TrafficModel
from loadtui.engine.runner import validate_plan
from loadtui.engine.schedule import parse_duration
from loadtui.tui.planning import PlanChoice, make_plan
from loadtui.tui.workspace import Workspace


def test_plan_keeps_only_the_personas_the_user_kept(shop_model: TrafficModel) -> None:
    ws = Workspace(model=shop_model)
    ws.toggle_excluded("power_user")
    ws.rename("api_consumer", "partners")
    plan = make_plan(ws.planned_model(), PlanChoice(type="smoke", duration="20s"), "http://h:1")
    personas = {s.persona for s in plan.scenarios}
    assert "power_user" not in personas
    assert "partners" in personas
    assert "bot_crawler" in personas  # shown bots are planned
    assert plan.type == "smoke" and plan.target == "http://h:1"
    assert sum(parse_duration(s.duration) for s in plan.stages) == 20
    validate_plan(plan)  # the engine accepts it


def test_hidden_bots_are_not_planned(shop_model: TrafficModel) -> None:
    ws = Workspace(model=shop_model, show_bots=False)
    plan = make_plan(ws.planned_model(), PlanChoice(), "http://h:1")
    assert all(not s.is_bot for s in plan.scenarios)
    assert plan.type == "load"


def test_plan_type_key_cycles_load_and_smoke() -> None:
    assert PlanChoice().type == "load"
    assert PlanChoice().next_type().type == "smoke"
    assert PlanChoice().next_type().next_type().type == "load"
