"""The wizard's advise step answers to `a` at once: n from the forecast step opens the Advisor
on the wizard's last run, and the first key after the answer appears accepts the first edit
(the tmux pass once pressed Tab first, for fear nothing had focus when the answer arrived)."""

from __future__ import annotations

from pathlib import Path

import pytest
from advisor_fixtures import finished_run, write_plan
from tui_scenes import wizard_app
from tui_screen import screen_text
from tui_waits import wait_for

from loadtui.tui.screens.advisor import AdvisorScreen
from loadtui.tui.wizard_app import WizardApp

pytestmark = pytest.mark.timeout(120)
TARGET = "http://127.0.0.1:9"  # a URL target: nothing is started, nothing is sent


def at_forecast_step(folder: Path) -> WizardApp:
    """`loadtui` in `folder` on a project at its forecast step with every step before it done:
    the hand-built model, the wizard's plan file and a finished run of that plan."""
    (folder / ".loadtui").mkdir()
    plan_file = write_plan(folder / ".loadtui" / "plan.yaml", TARGET)
    run = finished_run(folder / "runs", plan_file)
    app = wizard_app(
        folder,
        "dark",
        step="forecast",
        plan_path=".loadtui/plan.yaml",
        plan={"target_kind": "url", "target_url": TARGET},
        last_run_dir=str(run.relative_to(folder)),
        last_run_state="complete",
        forecast_runs=[str(run.relative_to(folder))],
        forecast_done=True,
    )
    assert isinstance(app, WizardApp) and app.has_advisor
    return app


async def test_a_right_after_the_answer_at_the_advise_step_accepts_the_first_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = at_forecast_step(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.project.step == "forecast"
        await pilot.press("n")  # the wizard's own key: on to the advise step
        await pilot.pause()
        assert app.project.step == "advise" and isinstance(app.screen, AdvisorScreen)
        panel = app.screen.panel
        assert await wait_for(lambda: panel.session is not None, 60), panel.status.plain
        await pilot.pause()
        session = panel.session
        assert session is not None and session.advice.source == "offline"
        assert session.edits, "the offline advisor proposed no edit for this run"
        assert "0 accepted" in screen_text(app, "#advisor-head")
        first = session.edits[0].id

        await pilot.press("a")  # no Tab first
        await pilot.pause()
        assert session.mark_of(first) == "accepted"
        assert session.counts()["accepted"] == 1
        assert "1 accepted" in screen_text(app, "#advisor-head")
