"""The wizard in Textual's pilot at 80×24: the step bar on every pane, n refused with a reason
until the step's result exists, back, the project file, resume, the demo's start, the plan form.
No load is sent here (the tmux test in tests/e2e drives a whole pass against a target)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from tui_screen import screen_text
from tui_waits import wait_for

from loadtui.contracts import TrafficModel
from loadtui.profile.pipeline import save_model
from loadtui.resources import sample_log
from loadtui.tui.launch import build_app
from loadtui.tui.screens.collect import CollectScreen
from loadtui.tui.screens.help import collect_keys
from loadtui.tui.screens.personas import PersonasScreen
from loadtui.tui.screens.plan_form import PlanFormScreen
from loadtui.tui.screens.run import RunScreen
from loadtui.tui.widgets.wizard.step_bar import StepBar
from loadtui.tui.wizard_app import WizardApp
from loadtui.tui.wizard_flow import Project, load_project, save_project


class NoThemeKept:
    def load(self) -> str | None:
        return None

    def save(self, name: str) -> None:
        return None


def args(**given: object) -> argparse.Namespace:
    base: dict[str, object] = {
        "theme": None,
        "log": None,
        "model": None,
        "target": None,
        "peak_rps": None,
        "duration": None,
    }
    return argparse.Namespace(**(base | given))


def wizard(folder: Path, monkeypatch: pytest.MonkeyPatch, **given: object) -> WizardApp:
    monkeypatch.chdir(folder)
    app = build_app(args(**given), theme_store=NoThemeKept(), workers=1)
    assert isinstance(app, WizardApp)
    return app


def bar_text(app: WizardApp) -> str:
    return app.screen.query_one(StepBar).render().plain  # type: ignore[union-attr]


def toasts(app: WizardApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_collect_refuses_next_then_a_pick_profiles_and_back_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not sample_log().is_file():
        pytest.skip("the sample log is not generated in this checkout")
    app = wizard(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CollectScreen)
        bar = bar_text(app)
        assert bar.startswith(" COLLECT › profile › plan › run › forecast › advise › export")
        assert bar.rstrip().endswith("n next  ⌫ back") and len(bar) == 80
        assert "sample_data/shop_access.log" in screen_text(app)  # offered first
        await pilot.press("n")
        await pilot.pause()
        assert app.project.step == "collect"
        assert "pick an access log first (enter on a file)" in toasts(app)

        await pilot.press("enter")  # the highlighted file: the sample log
        assert await wait_for(lambda: app.workspace.model is not None, 60), "no personas"
        await pilot.pause()
        assert isinstance(app.screen, PersonasScreen)
        assert "PROFILE" in bar_text(app) and "Personas (k=" in screen_text(app)
        saved = load_project(tmp_path)
        assert saved is not None and saved.step == "profile"
        assert saved.model_path == ".loadtui/model.json"
        assert (tmp_path / ".loadtui" / "model.json").is_file()

        await pilot.press("backspace")
        await pilot.pause()
        assert isinstance(app.screen, CollectScreen) and "COLLECT" in bar_text(app)
        assert load_project(tmp_path).step == "collect"  # type: ignore[union-attr]


async def test_reopening_resumes_at_the_saved_step_with_the_model_and_edits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop_model: TrafficModel
) -> None:
    (tmp_path / "access.log").write_text('127.0.0.1 - - [x] "GET / HTTP/1.1" 200 1\n')
    (tmp_path / ".loadtui").mkdir()
    save_model(shop_model, tmp_path / ".loadtui" / "model.json")
    save_project(
        tmp_path,
        Project(
            step="plan",
            log_paths=["access.log"],
            model_path=".loadtui/model.json",
            renames={"casual_browser": "browsers"},
            excluded=["api_consumer"],
        ),
    )
    app = wizard(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        assert "PLAN" in bar_text(app) and "profile › PLAN › run" in bar_text(app)
        assert app.workspace.renames == {"casual_browser": "browsers"}
        assert app.workspace.excluded == {"api_consumer"}
        names = [p.name for p in app.workspace.planned_model().personas]
        assert "browsers" in names and "api_consumer" not in names
        text = screen_text(app)
        assert "stress plan · 40s" in text and "peak 200 req/s (demo default)" in text
        assert bar_text(app).rstrip().endswith("w form  n next")  # the plan form's key

        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, PlanFormScreen)
        await pilot.press("down", "enter")  # workload: closed
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.plan_choice.workload == "closed"
        screen = app.screen
        assert isinstance(screen, RunScreen) and screen.upcoming is not None
        assert screen.upcoming.workload.model == "closed"
        assert load_project(tmp_path).plan.workload == "closed"  # type: ignore[union-attr]


async def test_a_project_about_another_log_is_not_resumed_for_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.log").write_text("x\n")
    (tmp_path / "b.log").write_text("x\n")
    save_project(tmp_path, Project(step="run", log_paths=["a.log"]))
    monkeypatch.chdir(tmp_path)
    other = build_app(args(log=[str(tmp_path / "b.log")]), theme_store=NoThemeKept())
    assert not isinstance(other, WizardApp)  # the panes as before
    same = build_app(args(log=[str(tmp_path / "a.log")]), theme_store=NoThemeKept())
    assert isinstance(same, WizardApp) and same.folder == tmp_path
    assert same.project.step == "profile"  # a.log is there but no model: the profile step


def test_demo_opens_the_wizard_on_the_sample_log_with_its_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loadtui.commands.demo import tui_args

    monkeypatch.chdir(tmp_path)
    demo = tui_args(argparse.Namespace(port=8080), "http://127.0.0.1:8123")
    app = build_app(demo, theme_store=NoThemeKept())
    assert isinstance(app, WizardApp)
    assert app.project.step == "profile" and app.demo_url == "http://127.0.0.1:8123"
    assert app.project.plan.target_kind == "demo"
    assert [p.resolve() for p in app.workspace.log_paths] == [sample_log().resolve()]
    assert (app.plan_choice.type, app.plan_choice.duration) == ("stress", "40s")
    assert app.plan_choice.peak_rps == 200.0


async def test_plan_form_stand_in_target_is_started_from_the_model_and_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop_model: TrafficModel
) -> None:
    """The plan step's third target: a stand-in served from the project's model (as
    `loadtui target --model`), on 127.0.0.1, stopped with the app; help lists the wizard keys."""
    (tmp_path / "access.log").write_text("x\n")
    (tmp_path / ".loadtui").mkdir()
    save_model(shop_model, tmp_path / ".loadtui" / "model.json")
    save_project(
        tmp_path,
        Project(step="plan", log_paths=["access.log"], model_path=".loadtui/model.json"),
    )
    app = wizard(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        listed = {(k.key, k.description) for k in collect_keys(app, app.screen)}  # what ? lists
        assert ("n", "wizard: the next step (once this is done)") in listed
        assert ("⌫", "wizard: the step before") in listed
        await pilot.press("w")
        await pilot.pause()
        assert isinstance(app.screen, PlanFormScreen)
        await pilot.press("tab", "down", "enter", "ctrl+s")  # target: the stand-in
        assert await wait_for(lambda: (app.workspace.target or "").startswith("http://127"), 30)
        url = app.workspace.target or ""
        assert load_project(tmp_path).plan.target_kind == "stand_in"  # type: ignore[union-attr]
        started = list(app._started.values())
        assert len(started) == 1 and started[0].url == url and started[0].alive()
        health = started[0].stats()
        assert health  # it answers its control plane
        screen = app.screen
        assert isinstance(screen, RunScreen) and screen.upcoming is not None
        assert screen.upcoming.target == url  # the plan view re-planned for it
    assert not started[0].alive()  # stopped with the app


async def test_a_panes_own_key_to_the_next_steps_pane_moves_the_wizard_only_when_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shop_model: TrafficModel
) -> None:
    """enter on Personas plans and shows the Run pane: with the profile done the wizard is at
    the plan step; pressing 2 from collect (nothing done) moves the pane, not the wizard."""
    (tmp_path / "access.log").write_text("x\n")
    (tmp_path / ".loadtui").mkdir()
    save_model(shop_model, tmp_path / ".loadtui" / "model.json")
    save_project(
        tmp_path,
        Project(step="profile", log_paths=["access.log"], model_path=".loadtui/model.json"),
    )
    app = wizard(tmp_path, monkeypatch)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, PersonasScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        assert app.project.step == "plan" and "profile › PLAN › run" in bar_text(app)
        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert app.project.step == "collect"
        await pilot.press("3")  # the Forecast pane: not the next step, the wizard stays
        await pilot.pause()
        assert app.project.step == "collect" and "COLLECT" in bar_text(app)
