"""The collect step's `/`: the path field opens with what was typed before selected, so the
next path replaces it (as fzf's or k9s' `/` does); enter and escape hand the keys back to the
list. Found walking the wizard at 80×24: a second `/` after a missing path typed a slash into
the old text (`bad.log/nope/missing.log`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList
from tui_scenes import wizard_app
from tui_screen import screen_text

from loadtui.tui.screens.collect import CollectScreen
from loadtui.tui.wizard_app import WizardApp

pytestmark = pytest.mark.timeout(60)


def path_field(app: WizardApp) -> Input:
    return app.screen.query_one("#collect-path", Input)


async def test_slash_after_a_pick_replaces_the_typed_path_and_escape_returns_to_the_list(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = wizard_app(tmp_path, "dark")
    assert isinstance(app, WizardApp)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CollectScreen)
        await pilot.press("slash", *"bad.log", "enter")  # a pick of a file that is not there
        await pilot.pause()
        assert app.project.step == "collect" and not app.project.log_paths
        assert "no such file: bad.log" in screen_text(app, "#collect-error")
        assert isinstance(app.focused, OptionList)  # enter hands the keys back to the list
        assert path_field(app).value == "bad.log"  # still shown, with why it failed

        await pilot.press("slash")
        await pilot.pause()
        field = path_field(app)
        assert app.focused is field and field.selected_text == "bad.log"  # typing replaces it
        await pilot.press(*"nope/missing.log")
        await pilot.pause()
        assert app.focused is field
        assert field.value == "nope/missing.log"

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.focused, OptionList)
        await pilot.press("n")  # a key for the wizard again, not a letter in the field
        await pilot.pause()
        assert field.value == "nope/missing.log" and app.project.step == "collect"
