"""The Personas pane on the shipped sample log, profiled by the real pipeline (once a session)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import DataTable

from loadtui.contracts import TrafficModel
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.workspace import Workspace

SAMPLE_LOG = Path(__file__).resolve().parents[2] / "sample_data" / "shop_access.log"

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="session")
def sample_model() -> TrafficModel:
    if not SAMPLE_LOG.is_file():
        pytest.skip(f"{SAMPLE_LOG} not generated yet (`loadtui synth -o {SAMPLE_LOG}`)")
    from loadtui.profile.pipeline import build_model

    model, _assignments = build_model([SAMPLE_LOG])
    return model


async def test_sample_personas_are_listed_and_detail_follows_cursor(
    sample_model: TrafficModel, shown: Callable[..., str]
) -> None:
    app = LoadtuiApp(Workspace(model=sample_model, log_paths=[SAMPLE_LOG]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        names = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert names == [p.name for p in sample_model.personas]
        assert "bot_crawler" in names
        assert "api_consumer" in names
        screen_text = shown(app)
        assert "bot_crawler" in screen_text
        assert f"{sample_model.source.sessions:,} sessions" in screen_text
        before = shown(app, "#detail-pane")
        await pilot.press("down")
        await pilot.pause()
        after = shown(app, "#detail-pane")
        assert after != before
        assert names[1] in after.splitlines()[0]  # the panel's title names the persona
