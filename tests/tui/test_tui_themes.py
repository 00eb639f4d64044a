"""Themes: colour-blind-safe verdict colours, ctrl+t cycling and keeping, --theme, NO_COLOR."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.color import Color
from tui_plans import make_shop_plan

from loadtui.contracts import RunOptions, ThresholdVerdict
from loadtui.errors import UserError
from loadtui.tui import palette
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.launch import build_app
from loadtui.tui.theme_choice import MemoryStore, UserConfig, initial_theme, next_theme
from loadtui.tui.themes import load_themes
from loadtui.tui.widgets.run.panels import threshold_rows
from loadtui.tui.workspace import Workspace

THEMES = load_themes()

# Viénot, Brettel & Mollon (1999): dichromat simulation in linear RGB
CVD = {
    "protanopia": ((0.11238, 0.88762, 0.0), (0.11238, 0.88762, 0.0), (0.00401, -0.00401, 1.0)),
    "deuteranopia": ((0.29275, 0.70725, 0.0), (0.29275, 0.70725, 0.0), (-0.02234, 0.02234, 1.0)),
    "tritanopia": ((1.0, 0.14461, -0.14461), (0.0, 0.85924, 0.14076), (0.0, 0.85924, 0.14076)),
}


def linear(hex_colour: str) -> tuple[float, float, float]:
    c = Color.parse(hex_colour)

    def lin(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    return (lin(c.r), lin(c.g), lin(c.b))


def lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """CIELAB (D65) of a linear sRGB triple."""
    r, g, b = (min(max(v, 0.0), 1.0) for v in rgb)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


def seen_lab(hex_colour: str, kind: str) -> tuple[float, float, float]:
    """CIELAB of a colour as a dichromat of `kind` sees it."""
    m = CVD[kind]
    rgb = linear(hex_colour)
    return lab(tuple(sum(m[row][i] * rgb[i] for i in range(3)) for row in range(3)))  # type: ignore[arg-type]


def seen_distance(a: str, b: str, kind: str) -> float:
    """ΔE*ab between two colours as a dichromat of `kind` sees them."""
    la, lb = seen_lab(a, kind), seen_lab(b, kind)
    return float(sum((p - q) ** 2 for p, q in zip(la, lb, strict=True)) ** 0.5)


def seen_hue_distance(a: str, b: str, kind: str) -> float:
    """The a*b* (hue and chroma) part of that distance: a pair told apart by lightness alone
    fails on a dim terminal, so good and bad must differ in hue."""
    la, lb = seen_lab(a, kind), seen_lab(b, kind)
    return float(((la[1] - lb[1]) ** 2 + (la[2] - lb[2]) ** 2) ** 0.5)


def contrast(a: str, b: str) -> float:
    def luminance(hex_colour: str) -> float:
        r, g, b_ = linear(hex_colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_

    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("kind", sorted(CVD))
def test_high_contrast_good_and_bad_stay_apart_for_colour_blind_eyes(kind: str) -> None:
    hc = palette.Palette.from_theme(THEMES["high-contrast"])
    assert seen_hue_distance(hc.good, hc.bad, kind) > 90
    assert seen_distance(hc.warn, hc.bad, kind) > 30  # yellow is far lighter than orange


@pytest.mark.parametrize("kind", ["protanopia", "deuteranopia"])
def test_green_against_red_is_what_the_check_rejects(kind: str) -> None:
    """The check can fail: the dark and light themes' green/red pairs (and the high-contrast
    theme's old #00FF5F/#FF3030) lose their hue difference for protans or deutans."""
    worst = min(
        seen_hue_distance(good, bad, kind)
        for good, bad in (("#3FCF8E", "#FF5F56"), ("#1B7F4B", "#C62828"), ("#00FF5F", "#FF3030"))
    )
    assert worst < 45


def test_high_contrast_signal_colours_are_aaa_on_black() -> None:
    hc = palette.Palette.from_theme(THEMES["high-contrast"])
    background = THEMES["high-contrast"].background or "#000000"
    for colour in (hc.good, hc.bad, hc.warn):
        assert contrast(colour, background) >= 7.0, colour


def test_the_palette_follows_the_theme_and_feeds_the_verdict_rows() -> None:
    try:
        palette.use(THEMES["high-contrast"])
        rows = threshold_rows(
            [
                ThresholdVerdict(
                    metric="http_req_duration", expression="p(95)<500", ok=True, value=1
                ),
                ThresholdVerdict(
                    metric="http_req_failed", expression="rate<0.01", ok=False, value=1
                ),
            ],
            {},
        )
        assert rows[0][:2] == ("✓", "bold #3D9BFF")
        assert rows[1][:2] == ("✗", "bold #FF6A00")
        assert palette.current().rgb("bad") == (255, 106, 0)
    finally:
        palette.use(THEMES["dark"])
    assert palette.style("bad") == "#FF5F56"


def test_cycling_order_and_the_kept_choice(tmp_path: Path) -> None:
    names = list(THEMES)
    assert next_theme(names, "dark") == "light"
    assert next_theme(names, "light") == "high-contrast"
    assert next_theme(names, "high-contrast") == "dark"
    assert next_theme(names, "textual-dark") == "dark"
    store = UserConfig(tmp_path / "cfg" / "config.json")
    assert store.load() is None
    store.path.parent.mkdir()
    store.path.write_text('{"other": 1}')
    store.save("light")
    assert store.load() == "light"
    assert '"other": 1' in store.path.read_text()
    assert initial_theme(None, store.load(), names, "dark") == "light"
    assert initial_theme("dark", "light", names, "dark") == "dark"
    assert initial_theme(None, "gone", names, "dark") == "dark"


async def test_ctrl_t_cycles_themes_keeps_the_choice_and_recolours_verdicts() -> None:
    store = MemoryStore()
    ws = Workspace(plan=make_shop_plan("http://127.0.0.1:9"), runs_dir=Path("runs"))
    app = LoadtuiApp(ws, theme_name="dark", run_options=RunOptions(workers=2), theme_store=store)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("ctrl+t")
            await pilot.pause()
            assert (app.theme, store.name) == ("light", "light")
            assert palette.current().good == Color.parse(THEMES["light"].success or "").hex6
            await pilot.press("ctrl+t")
            await pilot.pause()
            assert (app.theme, store.name) == ("high-contrast", "high-contrast")
            assert palette.style("bad") == "#FF6A00"
    finally:
        palette.use(THEMES["dark"])


def test_theme_flag_is_checked_and_wins_over_the_kept_one(tmp_path: Path) -> None:
    store = MemoryStore("light")
    args = argparse.Namespace(theme="nope", log=None, model=None, target=None)
    with pytest.raises(UserError, match="unknown theme 'nope'; choose one of: dark, high-contrast"):
        build_app(args, theme_store=store)
    args.theme = None
    assert build_app(args, theme_store=store).theme == "light"
    args.theme = "high-contrast"
    assert build_app(args, theme_store=store).theme == "high-contrast"
    palette.use(THEMES["dark"])


async def test_no_color_renders_the_app_without_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    """https://no-color.org: Textual turns every cell grey; ✓ and ✗ still tell pass from fail."""
    monkeypatch.setenv("NO_COLOR", "1")
    ws = Workspace(plan=make_shop_plan("http://127.0.0.1:9"), runs_dir=Path("runs"))
    app = LoadtuiApp(ws, theme_name="high-contrast", run_options=RunOptions(workers=2))
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("2")
            await pilot.pause()
            assert app.no_color
            colours = set()
            for y in range(24):
                for x in range(0, 80, 3):
                    style = app.screen.get_style_at(x, y)
                    for c in (style.color, style.bgcolor):
                        if c is not None and c.triplet is not None:
                            colours.add(tuple(c.triplet))
            assert colours, "no styled cells read"
            assert all(r == g == b for r, g, b in colours), colours
    finally:
        palette.use(THEMES["dark"])


@pytest.mark.e2e
def test_no_color_strips_colour_from_the_cli(tmp_path: Path) -> None:
    """The CLI's rich Console honours NO_COLOR even when colour is forced (FORCE_COLOR)."""
    from loadtui.target.process import TargetProcess

    proc = TargetProcess(capacity=8, service_ms=2.0)
    try:
        outputs = {}
        for label, extra in (("colour", {}), ("none", {"NO_COLOR": "1"})):
            env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
            env.update({"FORCE_COLOR": "1", "COLUMNS": "100", **extra})
            done = subprocess.run(
                [
                    *(sys.executable, "-m", "loadtui", "run", "--url", f"{proc.url}/products/1"),
                    *("--rate", "20", "--duration", "1s", "--headless", "--out", str(tmp_path)),
                ],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr
            outputs[label] = done.stdout
    finally:
        proc.stop()
    assert "\x1b[32m" in outputs["colour"] or "\x1b[38;" in outputs["colour"]
    assert "http_req_duration" in outputs["none"]
    assert "\x1b[3" not in outputs["none"] and "\x1b[9" not in outputs["none"]


async def test_the_wizard_keeps_the_theme_in_its_project_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ctrl+t in the wizard writes the theme into .loadtui/project.json (and the user's
    config); reopening the project in that folder shows it, whatever the user's config says."""
    from loadtui.tui.wizard_app import WizardApp
    from loadtui.tui.wizard_flow import load_project

    monkeypatch.chdir(tmp_path)
    args = argparse.Namespace(
        theme=None, log=None, model=None, target=None, peak_rps=None, duration=None
    )
    user = MemoryStore("dark")
    app = build_app(args, theme_store=user, workers=1)
    assert isinstance(app, WizardApp)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert app.theme == "dark"
            await pilot.press("ctrl+t", "ctrl+t")
            await pilot.pause()
            assert app.theme == "high-contrast"
        project = load_project(tmp_path)
        assert project is not None and project.theme == "high-contrast"
        assert user.name == "high-contrast"
        user.name = "light"  # changed elsewhere since: this project keeps its own
        assert build_app(args, theme_store=user, workers=1).theme == "high-contrast"
        args.theme = "dark"  # the flag still wins
        assert build_app(args, theme_store=user, workers=1).theme == "dark"
    finally:
        palette.use(THEMES["dark"])


async def test_ctrl_t_recolours_the_advisors_marks_and_diff(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rich.text import Text
    from textual.widgets import DataTable
    from tui_scenes import SCENES

    monkeypatch.chdir(tmp_path)
    app, open_it = SCENES["advisor"].build(tmp_path, "dark")
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_it(pilot)  # the first edit accepted: ✓
            table = app.screen.query_one("#advisor-list", DataTable)
            before = table.get_cell_at((0, 0))
            assert isinstance(before, Text) and before.plain.startswith("✓")
            assert str(before.style) == "bold #3FCF8E"
            await pilot.press("ctrl+t", "ctrl+t")  # light, then high-contrast
            await pilot.pause(0.3)
            after = table.get_cell_at((0, 0))
            assert str(after.style) == "bold #3D9BFF"  # blue, not green
            diff = repr(app.screen.query_one("#advisor-diff-text").render())
            assert "Color(255, 106, 0)" in diff and "Color(61, 155, 255)" in diff  # -/+ lines
    finally:
        palette.use(THEMES["dark"])
