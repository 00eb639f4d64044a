"""Pixel-level regressions of the panes at 80×24 (regenerate with `--snapshot-update`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from loadtui.contracts import TrafficModel
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.workspace import Workspace

SnapCompare = Callable[..., bool]


def make_app(model: TrafficModel) -> LoadtuiApp:
    return LoadtuiApp(Workspace(model=model, log_paths=[Path("sample.log")]), theme_name="dark")


def test_personas_pane_at_80x24(snap_compare: SnapCompare, shop_model: TrafficModel) -> None:
    assert snap_compare(make_app(shop_model), press=["down"], terminal_size=(80, 24))


def test_help_screen_at_80x24(snap_compare: SnapCompare, shop_model: TrafficModel) -> None:
    assert snap_compare(make_app(shop_model), press=["question_mark"], terminal_size=(80, 24))
