"""The app shell: panes by key, themes from files, launch arguments checked up front."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from loadtui.contracts import TrafficModel
from loadtui.errors import UserError
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.launch import check_theme, workspace_from_args
from loadtui.tui.screens.help import HelpScreen
from loadtui.tui.screens.personas import PersonasScreen
from loadtui.tui.screens.run import RunScreen
from loadtui.tui.screens.wizard import WizardScreen
from loadtui.tui.themes import load_themes
from loadtui.tui.widgets.navbar import NavBar
from loadtui.tui.workspace import Workspace


def args(**values: object) -> argparse.Namespace:
    base: dict[str, object] = {"theme": None, "log": None, "model": None, "target": None}
    base.update(values)
    return argparse.Namespace(**base)


def test_project_ships_dark_light_and_high_contrast_themes() -> None:
    assert {"dark", "light", "high-contrast"} <= set(load_themes())


@pytest.mark.parametrize("name", ["dark", "light", "high-contrast"])
async def test_theme_from_the_command_line_is_applied(name: str) -> None:
    app = LoadtuiApp(Workspace(), theme_name=name)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == name


def test_unknown_theme_is_a_user_error_naming_the_choices() -> None:
    with pytest.raises(UserError, match="high-contrast"):
        check_theme("solarized-neon")


def test_missing_log_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found"):
        workspace_from_args(args(log=[str(tmp_path / "nope.log")]))


def test_target_must_be_an_http_url() -> None:
    with pytest.raises(UserError, match="http"):
        workspace_from_args(args(target="127.0.0.1:8080"))


def test_args_fill_the_workspace(tmp_path: Path) -> None:
    log = tmp_path / "a.log"
    log.write_text("")
    ws = workspace_from_args(args(log=[str(log)], target="http://127.0.0.1:9000/"))
    assert ws.log_paths == [log]
    assert ws.target == "http://127.0.0.1:9000"
    assert ws.source_name == "a.log"


async def test_number_keys_switch_panes_and_the_nav_bar_shows_them(
    shop_model: TrafficModel,
) -> None:
    app = LoadtuiApp(Workspace(model=shop_model))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PersonasScreen)
        bar = app.screen.query_one(NavBar).bar_content().plain
        assert "1 Personas" in bar and "2 Run" in bar
        assert "3 Forecast" in bar and "4 Advisor" in bar and "5 History" in bar
        await pilot.press("2")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        # the bot persona is shown on the Personas pane but not planned unless kept
        assert "3 personas" in str(app.screen.query_one("#plan-pane").border_title)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = {k.description for k in app.screen.keys}
        assert any("stop the run" in d for d in keys)
        await pilot.press("escape", "1")
        await pilot.pause()
        assert isinstance(app.screen, PersonasScreen)


async def test_nothing_loaded_opens_the_wizard() -> None:
    app = LoadtuiApp(Workspace())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, WizardScreen)
        app.screen.query_one("Input").value = "/definitely/not/here.log"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await pilot.pause()
        assert "no such file" in str(app.screen.query_one("#wizard-error").render())


def test_demo_target_runs_get_a_visible_load_and_flags_win() -> None:
    from loadtui.tui.launch import DEMO_PEAK_RPS, plan_choice_from_args
    from loadtui.tui.planning import PlanChoice

    demo = plan_choice_from_args(argparse.Namespace(target=None, peak_rps=None, duration=None))
    assert demo == PlanChoice(peak_rps=DEMO_PEAK_RPS, duration="2m", peak_source="demo")
    own = plan_choice_from_args(
        argparse.Namespace(target="http://127.0.0.1:9", peak_rps=None, duration=None)
    )
    assert own == PlanChoice()  # a real target gets the log's own peak (at least the floor)
    explicit = plan_choice_from_args(
        argparse.Namespace(target="http://127.0.0.1:9", peak_rps=50.0, duration="30s")
    )
    assert explicit == PlanChoice(peak_rps=50.0, duration="30s", peak_source="flag")


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        ("5min", "--duration: '5min' is not a duration; use k6 style like 30s, 5m, 1h30m"),
        ("5s", "--duration: '5s' is too short: at least 10s"),
        ("2d", "--duration: '2d' is too long: at most 24h"),
    ],
)
def test_a_bad_duration_is_refused_at_launch_in_one_line(duration: str, message: str) -> None:
    from loadtui.tui.launch import plan_choice_from_args

    with pytest.raises(UserError) as caught:
        plan_choice_from_args(argparse.Namespace(target=None, peak_rps=None, duration=duration))
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_a_bad_duration_exits_2_before_the_tui_opens(capsys: pytest.CaptureFixture[str]) -> None:
    from loadtui.cli import main

    assert main(["--duration", "5min", "--log", "/no/such.log"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "loadtui: error: --duration: '5min' is not a duration; use k6 style like 30s, 5m, 1h30m"
    ]


async def test_the_run_status_always_fits_the_nav_bar_at_80_columns(
    shop_model: TrafficModel,
) -> None:
    """With five tabs and a log name, "● running 00:05" fell off the right edge at 80×24."""
    app = LoadtuiApp(Workspace(model=shop_model, log_paths=[Path("shop_access.log")]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(NavBar)
        idle = bar.bar_content().plain
        assert "1 Personas" in idle and "5 History" in idle and "shop_access.log" in idle
        app.run_status = "● running 00:05"
        await pilot.pause()
        busy = bar.bar_content().plain
        assert len(busy) <= 80 and busy.rstrip().endswith("● running 00:05")
        assert "1 Personas" in busy  # the pane shown keeps its name; the others their keys
        assert " 2 " in busy and " 5 " in busy and "History" not in busy
