"""Workspace intents: each edit is announced once, and a pane that is not on screen hears it
(the Run pane drops a plan made before an edit on the Personas pane)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from loadtui.contracts import TrafficModel
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.screens.run import RunScreen
from loadtui.tui.workspace import Workspace, WorkspaceChange


def test_every_intent_announces_exactly_one_change(shop_model: TrafficModel) -> None:
    ws = Workspace()
    heard: list[WorkspaceChange] = []
    ws.listeners.append(heard.append)
    ws.open_logs([Path("a.log")])
    ws.set_model(shop_model)
    casual = shop_model.personas[0]
    ws.rename(casual.name, "browsers")
    assert ws.toggle_excluded(casual) is True
    ws.toggle_bots()
    ws.set_target("http://127.0.0.1:9/")
    ws.set_plan(None)
    assert [c.kind for c in heard] == [
        "source",
        "model",
        "personas",
        "personas",
        "personas",
        "target",
        "plan",
    ]
    assert ws.target == "http://127.0.0.1:9"
    assert [c.replans for c in heard] == [True] * 5 + [False, True]


def test_opening_logs_forgets_the_old_model_and_its_edits(shop_model: TrafficModel) -> None:
    ws = Workspace(model=shop_model)
    ws.rename(shop_model.personas[0].name, "x")
    ws.toggle_excluded(shop_model.personas[1])
    ws.open_logs(["b.log"])
    assert ws.model is None and not ws.renames and not ws.excluded
    assert ws.source_name == "b.log"


async def test_an_edit_on_the_personas_pane_reaches_the_run_pane_off_screen(
    shop_model: TrafficModel, tmp_path: Path, shown: Callable[..., str]
) -> None:
    ws = Workspace(model=shop_model, target="http://127.0.0.1:9", runs_dir=tmp_path)
    app = LoadtuiApp(ws)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        run = app.screen
        assert isinstance(run, RunScreen)
        assert "3 personas" in shown(app, "#plan-pane")  # the bot is left out by default
        run.plan = run.next_plan()[0]  # a plan made before the edit
        await pilot.press("1")
        await pilot.pause()
        await pilot.press("x")  # exclude the first persona, with the Run pane off screen
        await pilot.pause()
        assert run.plan is None, "the Run pane kept a stale plan"
        await pilot.press("2")
        await pilot.pause()
        assert "2 personas" in shown(app, "#plan-pane")
        assert app.source_label == ws.source_name
