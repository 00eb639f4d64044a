"""The TUI's export (Run pane, e) and import (History, i) actions write what the CLI writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input
from tui_plans import make_shop_plan
from tui_waits import wait_for

from loadtui.contracts import RunOptions
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.export_choice import check_export, default_export, parse_export
from loadtui.tui.import_choice import check_import, parse_import
from loadtui.tui.screens.history import HistoryScreen
from loadtui.tui.workspace import Workspace

SHARED_K6 = Path(__file__).resolve().parents[3] / "shared" / "data" / "k6"


def test_the_export_line_names_a_format_and_a_file(tmp_path: Path) -> None:
    plan = make_shop_plan("http://127.0.0.1:9").model_copy(update={"name": "shop load/v2"})
    assert default_export(plan) == "k6 shop-load-v2.js"
    assert default_export(plan, "locust") == "locust shop-load-v2.py"
    assert check_export("jmeter x.jmx") == "start with a format: k6, locust, artillery"
    assert check_export("k6") == "then the file to write, e.g. k6 load.js"
    assert check_export(f"k6 {tmp_path}") == f"{tmp_path} is a folder; name the file"
    assert check_export(f"k6 {tmp_path}/nope/x.js") == f"folder {tmp_path}/nope does not exist"
    assert check_export(f"Artillery {tmp_path}/a.yml") is None
    assert parse_export(f"Artillery {tmp_path}/a.yml") == ("artillery", tmp_path / "a.yml")


def test_the_import_line_names_a_tool_and_existing_files(tmp_path: Path) -> None:
    f = tmp_path / "my results.json"
    f.write_text("{}")
    assert check_import("jmeter x") == "start with the tool: k6 or locust"
    assert check_import("k6") == "then the result file(s)"
    assert check_import(f"k6 {tmp_path}/none.json") == f"no file at {tmp_path}/none.json"
    assert check_import(f"k6 '{f}'") is None
    assert parse_import(f"K6 '{f}'") == ("k6", [f])


async def test_e_on_the_run_pane_writes_the_plan_as_a_k6_script(tmp_path: Path) -> None:
    plan = make_shop_plan("http://127.0.0.1:9")
    app = LoadtuiApp(Workspace(plan=plan, runs_dir=tmp_path / "runs"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(Input).value = f"k6 {tmp_path}/shop.js"
        await pilot.press("enter")
        await pilot.pause()
    script = (tmp_path / "shop.js").read_text()
    assert "export const options" in script and "ramping-arrival-rate" in script
    assert (tmp_path / "shop.data.json").is_file()


@pytest.mark.skipif(not SHARED_K6.is_dir(), reason="../shared/data is not beside the checkout")
async def test_i_on_history_imports_a_k6_summary_as_a_run(tmp_path: Path) -> None:
    summary = next(SHARED_K6.rglob("summary.json"))
    runs = tmp_path / "runs"
    ws = Workspace(plan=make_shop_plan("http://127.0.0.1:9"), runs_dir=runs)
    app = LoadtuiApp(ws, run_options=RunOptions(out_dir=runs))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one(Input).value = f"k6 {summary}"
        await pilot.press("enter")
        assert await wait_for(lambda: len(screen.rows) == 1, 30)
        (row,) = screen.rows.values()
        assert row.source == "k6" and row.requests > 0
        table = screen.query_one(DataTable)
        assert table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value == row.run_id
