"""Issue 15, TUI half: log data never controls the screen. A log in each format whose paths,
query values and user agents hold Rich markup, ESC/CSI/OSC sequences, C1 controls, NUL and
bidi overrides is profiled; its model, a plan and fixture run folders (stage names, flags, the
target's error answers, plan names and thresholds quoting the same text) are shown on every
pane with the pilot. Every pane must render without a crash, hold no raw control character
and no link or click action that came from the data, show the text escaped, and clicking
where `[@click=app.quit]` is written must fire nothing."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest
from hostile_logs import FORMATS, write_log
from hostile_runs import window, write_hostile_run
from hostile_text import raw_controls, shown, unclean_lines, value
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from rich.segment import Segment
from textual.geometry import Region
from textual.widgets import Input
from tui_screen import screen_lines
from tui_waits import wait_for

from loadtui.contracts import (
    AnomalyFlag,
    Evidence,
    Finding,
    RunOptions,
    SuggestionSet,
    ThresholdChange,
)
from loadtui.live import RunFinished, WindowDone
from loadtui.plan.build import build_plan
from loadtui.profile.pipeline import build_model
from loadtui.safe_text import clean
from loadtui.store.runs import load_run
from loadtui.tui import app as app_module
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.launch import build_app
from loadtui.tui.messages import LiveUpdate
from loadtui.tui.screens.help import HelpScreen
from loadtui.tui.widgets.navbar import NavBar
from loadtui.tui.wizard_app import WizardApp
from loadtui.tui.wizard_messages import LogPicked
from loadtui.tui.workspace import Workspace

SIZE = (160, 48)  # wide enough that no pane cuts the text it is asked to show
SETTINGS = settings(
    max_examples=6,  # ~10 s an app: the suite keeps its 120 s timeout on a busy box
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: an app a try
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class WatchedApp(LoadtuiApp):
    """The app, noting every action it runs (a click on `@click` markup runs one)."""

    CSS_PATH = str(Path(app_module.__file__).parent / "app.tcss")  # relative to the subclass

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actions: list[str] = []

    async def run_action(self, action: Any, default_namespace: Any = None) -> bool:
        self.actions.append(str(action))
        return await super().run_action(action, default_namespace)


def injected_styles(app: LoadtuiApp) -> list[str]:
    """Links and click actions drawn anywhere but the nav bar (whose tabs are the app's own
    `@click=app.pane(...)`): any other came from data parsed as markup."""
    found = []
    for widget in app.screen.walk_children(with_self=True):
        if isinstance(widget, NavBar) or not widget.display or not widget.size.area:
            continue
        region = Region(0, 0, widget.size.width, widget.size.height)
        for strip in widget.render_lines(region):
            for segment in strip:
                style = Segment(*segment).style
                if style is not None and (style.link or "@click" in style.meta):
                    found.append(f"{type(widget).__name__}: {segment.text!r} {style}")
    return found


async def look(app: WatchedApp, pane: str) -> str:
    """The pane as the terminal shows it, after checking it is clean; also clicks every cell
    where data wrote `[@click`, which must fire nothing."""
    lines = screen_lines(app)
    text = "\n".join(lines)
    assert unclean_lines(text) == [], (pane, unclean_lines(text))
    assert raw_controls(app.export_screenshot()) == [], pane
    assert injected_styles(app) == [], pane
    before = len(app.actions)
    pilot_clicks = [(x, y) for y, line in enumerate(lines) for x in _all(line, "[@click") if y > 0]
    for x, y in pilot_clicks[:3]:
        await app._pilot.click(offset=(x + 1, y))  # type: ignore[attr-defined]
    fired = app.actions[before:]
    assert not fired, (pane, fired)
    assert app.return_code is None and app.title == "loadtui", pane
    return text


def hostile_advice(text: str, route: str) -> SuggestionSet:
    """An advisor's answer (an LLM's, say) whose reason, finding and edit quote `text`."""
    evidence = [Evidence(name=f"p95 on {text}", value=90.0, unit="ms")]
    change = ThresholdChange(
        id="threshold:http_req_duration",
        metric="http_req_duration",
        new=["p(95)<900"],
        reason=f"the target answered {text}",
        evidence=evidence,
        confidence=0.9,
    )
    finding = Finding(kind="note", message=f"{text} seen", routes=[route], evidence=evidence)
    return SuggestionSet(
        reason=f"{text} slowed down",
        confidence=0.8,
        new_thresholds=[change],
        findings=[finding],
        source="llm",
        model=f"model {text}",
    )


def _all(line: str, needle: str) -> list[int]:
    out, i = [], line.find(needle)
    while i >= 0:
        out.append(i)
        i = line.find(needle, i + 1)
    return out


async def show_every_pane(tmp: Path, text: str, kind: str, *, forecast: bool) -> None:
    """Profile a hostile log of format `kind`, write fixture runs, and look at every pane
    (the Forecast pane fits a twin for seconds: only when `forecast`)."""
    log = write_log(tmp, kind, text)
    model, _ = build_model([str(log)], k=2)
    routes = {e.route for p in model.personas for e in p.endpoint_mix}
    (route,) = [r for r in routes if r.startswith("/shop/")]
    plan = build_plan(model, target="http://127.0.0.1:9", peak_rps=50, include_bots=True)
    runs = tmp / "runs"
    write_hostile_run(runs, "r-base", plan, text)
    slow = write_hostile_run(runs, "r-slow", plan, text, slowdown=1.6, hours=1)
    record, windows = load_run(slow)
    assert windows
    mark = shown(text)

    ws = Workspace(model=model, log_paths=[Path(log)], runs_dir=runs)
    app = WatchedApp(ws, run_options=RunOptions(out_dir=runs))
    async with app.run_test(size=SIZE) as pilot:
        app._pilot = pilot  # type: ignore[attr-defined]
        await pilot.pause()
        personas = await look(app, "personas")
        assert clean(route)[:14] in personas, personas  # the endpoint mix of the persona

        for mode in app.MODES:
            if mode == "forecast":
                if not forecast:
                    continue
                ws.forecast([slow])
            if mode == "advisor":  # an LLM's answer quoting the text
                ws.advise(slow, advice=hostile_advice(text, route))
            await app.switch_mode(mode)
            await pilot.pause()
            if mode == "forecast":
                await wait_for(lambda: not app.screen.query_one("#forecast-pane").loading, 40)
                await pilot.pause()
            shown_text = await look(app, mode)
            if mode == "advisor":
                assert mark in shown_text, shown_text
            if mode == "history":
                assert mark in shown_text, shown_text  # the plan name, in the run's detail
            if mode == "run":  # a run's windows, flags and end, from the fixture folder
                flag = AnomalyFlag(t=2.0, kind="other", metric="p95", message=f"odd {text}")
                done = WindowDone(window(3, plan, text, 1.0), [], [flag])
                app.screen.post_message(LiveUpdate(done))
                await pilot.pause()
                await look(app, "run live")
                error = f"503 from target: {text}"
                app.screen.post_message(LiveUpdate(RunFinished(record, slow, error)))
                await pilot.pause()
                results = await look(app, "run results")
                assert mark in results, results
        if forecast:
            return

        await app.switch_mode("personas")
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await look(app, "help")
        await pilot.press("escape")
        await pilot.pause()

        await pilot.press("o")  # the open-a-log wizard, told a path that holds the text
        await pilot.pause()
        field = app.screen.query(Input).first()
        field.value = f"/nonexistent/{text}"
        await pilot.press("enter")
        await pilot.pause()
        field.value = ""  # what the user typed is theirs; the error line quoting it is ours
        await pilot.pause()
        wizard = await look(app, "wizard")
        assert mark[:4] in wizard or "no such file" not in wizard, wizard
        assert app.return_code is None


@SETTINGS
@given(text=value, kind=st.sampled_from(FORMATS))
@example(text="\x07[/x]Z\x9b31m[link=https://evil.example]y[/link]", kind="combined")  # BEL:
# rich.text.Text drops it on construction, so a value must be cleaned before it becomes Text
async def test_every_pane_shows_hostile_log_text_escaped_and_inert(
    tmp_path_factory: pytest.TempPathFactory, text: str, kind: str
) -> None:
    await show_every_pane(tmp_path_factory.mktemp("tui"), text, kind, forecast=False)


@settings(SETTINGS, max_examples=3)  # the twin's fit takes seconds
@given(text=value, kind=st.sampled_from(FORMATS))
async def test_forecast_pane_of_hostile_runs_is_escaped_and_inert(
    tmp_path_factory: pytest.TempPathFactory, text: str, kind: str
) -> None:
    await show_every_pane(tmp_path_factory.mktemp("tui"), text, kind, forecast=True)


class NoThemeKept:
    def load(self) -> str | None:
        return None

    def save(self, name: str) -> None:
        return None


@settings(SETTINGS, max_examples=3)  # the guided wizard's panes: collect, plan form, steps
@given(text=value, kind=st.sampled_from(FORMATS))
async def test_wizard_panes_show_a_hostile_log_and_its_file_name_escaped(
    tmp_path_factory: pytest.TempPathFactory, text: str, kind: str
) -> None:
    folder = tmp_path_factory.mktemp("wizard")
    log = write_log(folder / "logs", kind, text)
    name = "".join(c for c in text if c not in "/\x00")
    hostile = log.rename(folder / f"{name}{log.suffix}")  # the picker lists file names
    with pytest.MonkeyPatch.context() as env:
        env.chdir(folder)
        app = build_app(
            argparse.Namespace(
                theme=None, log=None, model=None, target=None, peak_rps=None, duration=None
            ),
            theme_store=NoThemeKept(),
            workers=1,
        )
    assert isinstance(app, WizardApp)
    actions: list[str] = []
    original = app.run_action

    async def noting(action: Any, default_namespace: Any = None) -> bool:
        actions.append(str(action))
        return await original(action, default_namespace)

    app.run_action = noting  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        collect = await look_plain(app, "collect")
        assert clean(name)[:6] in collect, collect
        app.screen.post_message(LogPicked([hostile]))
        assert await wait_for(lambda: app.workspace.model is not None, 30)
        await pilot.pause()
        for mode in app.MODES:
            if mode == "forecast":
                continue
            await app.switch_mode(mode)
            await pilot.pause()
            await look_plain(app, mode)
        await app.switch_mode("run")
        await pilot.press("w")  # the plan form
        await pilot.pause()
        await look_plain(app, "plan form")
        await pilot.press("escape")
        await pilot.pause()
        assert app.return_code is None and app.title == "loadtui"
    assert not any("quit" in a for a in actions), actions


async def look_plain(app: LoadtuiApp, pane: str) -> str:
    """`look` for an app that does not note its actions: clean lines, screenshot, styles."""
    text = "\n".join(screen_lines(app))
    assert unclean_lines(text) == [], (pane, unclean_lines(text))
    assert raw_controls(app.export_screenshot()) == [], pane
    assert injected_styles(app) == [], pane
    return text
