"""The Personas pane drives the real app: table rows, detail following the cursor, edits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable

from loadtui.contracts import TrafficModel
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.screens.help import HelpScreen
from loadtui.tui.screens.modals import PromptScreen
from loadtui.tui.workspace import Workspace

Shown = Callable[..., str]


def table_names(app: LoadtuiApp) -> list[str]:
    table = app.screen.query_one(DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_table_lists_personas_with_share_and_bot_marker(shop_model: TrafficModel) -> None:
    app = LoadtuiApp(Workspace(model=shop_model, log_paths=[Path("sample.log")]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert table_names(app) == ["casual_browser", "power_user", "api_consumer", "bot_crawler"]
        table = app.screen.query_one(DataTable)
        assert str(table.get_row_at(3)[-1]).strip() == "excl"  # bots are left out by default
        assert str(table.get_row_at(0)[1]) == "55%"
        title = app.screen.query_one("#personas-pane").border_title
        assert title == "Personas (k=4, silhouette 0.61)"


async def test_detail_follows_the_cursor(shop_model: TrafficModel, shown: Shown) -> None:
    app = LoadtuiApp(Workspace(model=shop_model))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first = shown(app, "#detail-pane")
        assert "/search" in first and "POST /cart/items" not in first
        await pilot.press("down")
        await pilot.pause()
        second = shown(app, "#detail-pane")
        assert second != first
        assert "POST /cart/items" in second
        assert app.screen.query_one("#detail-pane").border_title == "power_user"


async def test_bots_toggle_hides_bot_personas_and_leaves_them_out_of_the_plan(
    shop_model: TrafficModel,
) -> None:
    app = LoadtuiApp(Workspace(model=shop_model))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("b")
        await pilot.pause()
        assert "bot_crawler" not in table_names(app)
        planned = app.workspace.planned_model()
        assert [p.name for p in planned.personas] == [
            "casual_browser",
            "power_user",
            "api_consumer",
        ]
        assert sum(p.share for p in planned.personas) == pytest.approx(1.0)


async def test_exclude_and_rename_reach_the_planned_model(shop_model: TrafficModel) -> None:
    app = LoadtuiApp(Workspace(model=shop_model))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("x")  # casual_browser out
        await pilot.press("down", "r")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        inp = app.screen.query_one("Input")
        inp.value = ""  # type: ignore[attr-defined]
        await pilot.press(*"shoppers", "enter")
        await pilot.pause()
        assert "shoppers" in table_names(app)
        names = [p.name for p in app.workspace.planned_model().personas]
        assert names == ["shoppers", "api_consumer"]


async def test_bots_are_shown_excluded_until_x_keeps_one(shop_model: TrafficModel) -> None:
    app = LoadtuiApp(Workspace(model=shop_model))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "bot_crawler" in table_names(app)
        assert "bot_crawler" not in [p.name for p in app.workspace.planned_model().personas]
        await pilot.press("down", "down", "down", "x")
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        assert str(table.get_row_at(3)[-1]).strip() == "bot"
        planned = app.workspace.planned_model()
        assert [p.name for p in planned.personas][-1] == "bot_crawler"
        assert sum(p.share for p in planned.personas) == pytest.approx(1.0)
        await pilot.press("x")  # and out again
        await pilot.pause()
        assert "bot_crawler" not in [p.name for p in app.workspace.planned_model().personas]


async def test_recluster_rejects_a_bad_k(shop_model: TrafficModel) -> None:
    app = LoadtuiApp(Workspace(model=shop_model, log_paths=[Path("sample.log")]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("k")
        await pilot.pause()
        app.screen.query_one("Input").value = "99"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        assert "from 2 to 12" in str(app.screen.query_one("#prompt-error").render())
        await pilot.press("escape")


async def test_help_lists_pane_and_app_keys(shop_model: TrafficModel) -> None:
    app = LoadtuiApp(Workspace(model=shop_model))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        described = {k.key: k.description for k in app.screen.keys}
        for key in ("k", "r", "x", "b", "⏎", "?", "q", "1"):
            assert key in described, key
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
