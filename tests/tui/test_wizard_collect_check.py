"""The collect step counts a pick only once the log reads: a file with no line in any known
format (junk text, a binary, an empty file) keeps the wizard at collect with the reader's
reason under the list, the list keeping the keys for the next pick. Found walking the wizard at
80×24: such a pick moved on to the profile step, the "open a log" dialog over the Personas
pane, and it took escape then backspace to get back. A log with some bad lines among good ones
still moves on, the rejected lines counted in a toast."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.screen import ModalScreen
from textual.widgets import OptionList
from tui_scenes import wizard_app
from tui_screen import screen_text
from tui_waits import wait_for
from wizard_logs import JUNK, combined_lines, write_log

from loadtui.tui.screens.collect import CollectScreen
from loadtui.tui.screens.personas import PersonasScreen
from loadtui.tui.wizard_app import WizardApp
from loadtui.tui.wizard_flow import Project, load_project, save_project

pytestmark = pytest.mark.timeout(90)

# a name with markup and an ESC sequence: shown escaped, never parsed or sent to the terminal
JUNK_NAME = "junk[b]\x1b[2J.log"


async def pick(pilot: object, app: WizardApp, path: Path) -> None:
    """Highlight `path` in the collect list with the keys (home, then down) and press enter."""
    screen = app.screen
    assert isinstance(screen, CollectScreen)
    at = [p.resolve() for p in screen.paths].index(path.resolve())
    await pilot.press("home", *(["down"] * at), "enter")  # type: ignore[attr-defined]


def error_line(app: WizardApp) -> str:
    """The collect step's error line, its wrapping undone (whitespace dropped)."""
    return re.sub(r"\s", "", screen_text(app, "#collect-error"))


async def test_a_junk_log_stays_at_collect_with_the_reason_then_a_good_one_moves_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    junk = tmp_path / JUNK_NAME
    junk.write_bytes(JUNK)
    good = write_log(tmp_path / "good.log", combined_lines(60))
    save_project(tmp_path, Project(step="collect"))  # a project left at collect
    app = wizard_app(tmp_path, "dark")
    assert isinstance(app, WizardApp)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CollectScreen)
        await pick(pilot, app, junk)
        # until the reason shows, or the wizard leaves collect (what it did before)
        left = lambda: not isinstance(app.screen, CollectScreen)  # noqa: E731
        assert await wait_for(lambda: left() or "nolinematched" in error_line(app), 30)
        await pilot.pause()

        assert isinstance(app.screen, CollectScreen), type(app.screen).__name__
        assert not [s for s in app.screen_stack if isinstance(s, ModalScreen)]
        assert app.project.step == "collect" and not app.project.log_paths
        saved = load_project(tmp_path)
        assert saved is not None and saved.step == "collect" and not saved.log_paths
        shown = error_line(app)
        assert shown.startswith("nolinematchedanyknownlogformat(3linesread,3rejected)in")
        assert "junk[b]\\x1b[2J.log" in shown  # the path cleaned: markup and ESC visible
        assert "\x1b" not in screen_text(app)
        assert isinstance(app.focused, OptionList)  # the next pick needs no key first

        await pick(pilot, app, good)
        assert await wait_for(lambda: isinstance(app.screen, PersonasScreen), 30)
        assert await wait_for(lambda: app.workspace.model is not None, 60), "no personas"
        await pilot.pause()
        saved = load_project(tmp_path)
        assert saved is not None and saved.step == "profile" and saved.log_paths == ["good.log"]
        assert not [s for s in app.screen_stack if isinstance(s, ModalScreen)]


async def test_a_log_with_one_bad_line_moves_on_and_reports_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    mixed = write_log(
        tmp_path / "mixed.log", [*combined_lines(30), "not a log line", *combined_lines(30)]
    )
    app = wizard_app(tmp_path, "dark")
    assert isinstance(app, WizardApp)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pick(pilot, app, mixed)
        assert await wait_for(lambda: isinstance(app.screen, PersonasScreen), 30)
        toasts = [n.message for n in app._notifications]
        assert "mixed.log: 61 lines read, 1 rejected (malformed: left out of the profile)" in (
            toasts
        )
        assert await wait_for(lambda: app.workspace.model is not None, 60), "no personas"
        await pilot.pause()
        assert app.project.step == "profile" and app.project.log_paths == ["mixed.log"]
        assert "61 lines · 1 bad" in screen_text(app, "#source-line")
