"""Each pane of the app in a pinned state, for snapshot tests and the README's screenshots.

A `Scene` builds the app from hand-made data (no engine, no clock, no machine-dependent
number) inside a folder it is given and says which keys bring the pane up. The same scenes
feed `tests/tui/test_tui_snapshots.py` (every scene in every theme at 80×24) and
`scripts/screenshots.py` (`make screenshots`: docs/screens/*.svg), so the README shows what the
tests pin. Run from the folder the scene was built in (paths are shown relative to it) with
TZ=UTC (History shows local times).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from textual.pilot import Pilot
from tui_plans import make_shop_model, make_shop_plan, make_window
from tui_waits import wait_for

from loadtui.contracts import (
    AnomalyFlag,
    RunOptions,
    RunRecord,
    TestPlan,
    ThresholdVerdict,
)
from loadtui.live import RunFinished, WindowDone
from loadtui.store.sink import RunSink
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.messages import LiveUpdate
from loadtui.tui.screens.run import RunScreen
from loadtui.tui.theme_choice import MemoryStore
from loadtui.tui.workspace import Workspace

THEMES = ("dark", "light", "high-contrast")
# the plan view names the workers: fixed, so a picture does not depend on the machine's cores
OPTIONS = RunOptions(workers=2, interval_s=0.25, out_dir=Path("runs"))
T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

RunBefore = Callable[[Pilot[int]], Awaitable[None]]


@dataclass(frozen=True)
class Scene:
    name: str
    caption: str  # what the README says under its screenshot
    build: Callable[[Path, str], tuple[LoadtuiApp, RunBefore]]  # (folder, theme)
    size: tuple[int, int] = (80, 24)

    def prepared(self, folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
        """The app and the keys that bring the pane up, then no toast left on screen (their
        timeouts run on the wall clock: a busy machine would keep one in the picture)."""
        app, run_before = self.build(folder, theme)

        async def settled(pilot: Pilot[int]) -> None:
            await run_before(pilot)
            pilot.app.clear_notifications()
            await pilot.pause()

        return app, settled


def app_with(ws: Workspace, theme: str, runs: Path = Path("runs")) -> LoadtuiApp:
    """The app as `loadtui` builds it, with a theme store that never touches the user's."""
    return LoadtuiApp(
        ws,
        theme_name=theme,
        run_options=OPTIONS.model_copy(update={"out_dir": runs}),
        theme_store=MemoryStore(),
    )


def presses(*keys: str, settle: float = 0.0) -> RunBefore:
    async def run_before(pilot: Pilot[int]) -> None:
        await pilot.press(*keys)
        await pilot.pause()
        if settle:
            await pilot.pause(settle)

    return run_before


# -- Personas, help, the plan -----------------------------------------------------------------
def personas(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    ws = Workspace(model=make_shop_model(), log_paths=[Path("shop_access.log")])
    return app_with(ws, theme), presses("down")


def help_keys(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    app, _ = personas(folder, theme)
    return app, presses("2", "question_mark")


def run_plan(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    """enter on Personas: the plan that would run, switched to a stress test."""
    app, _ = personas(folder, theme)
    return app, presses("enter", "l")


# -- the Run pane live and at its end ---------------------------------------------------------
def feed(count: int, *, errors_from: int | None = None, verdicts: bool = True) -> RunBefore:
    """Open the Run pane and post `count` deterministic windows as the run's consumer would."""

    async def run_before(pilot: Pilot[int]) -> None:
        await pilot.press("2")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, RunScreen)
        screen.plan = screen.workspace.plan
        screen.state = "running"
        live = [
            ThresholdVerdict(metric="http_req_duration", expression="p(95)<500", ok=True, value=1),
            ThresholdVerdict(metric="http_req_failed", expression="rate<0.01", ok=False, value=0),
            ThresholdVerdict(  # too long for the panel: ellipsis; no value yet: a dim dot
                metric="http_req_duration{scenario:a_rather_long_name}",
                expression="p(99)<900",
                ok=True,
            ),
        ]
        for i in range(count):
            errors = 3 + i % 4 if errors_from is not None and i >= errors_from else 0
            window = make_window(
                0.25 * (i + 1),
                p95=40 + 30 * math.sin(i / 5) + (60 if i > count // 2 else 0),
                rps=1400 + 10 * (i % 7) + 4 * i,
                errors=errors,
                cpu=0.5 + 0.01 * (i % 10),
            )
            live[0] = live[0].model_copy(update={"value": window.latency.p95})
            flags = (
                [AnomalyFlag(t=window.t, kind="latency_jump", metric="p95", message="p95 jumped")]
                if i == count // 2 + 2
                else []
            )
            screen.post_message(
                LiveUpdate(WindowDone(window, list(live) if verdicts else [], flags))
            )
        await pilot.pause()
        await pilot.pause(0.3)  # the last redraw, held back by the 4/s limit

    return run_before


def plan_app(plan: TestPlan, theme: str) -> LoadtuiApp:
    return app_with(Workspace(plan=plan, runs_dir=Path("runs")), theme)


def run_live(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    app = plan_app(make_shop_plan("http://127.0.0.1:9"), theme)
    return app, feed(90, errors_from=70)


def results_record() -> RunRecord:
    trend = {"avg": 31.2, "min": 2.1, "med": 24.0, "p(90)": 61.5, "p(95)": 84.2, "p(99)": 210.0}
    return RunRecord(
        run_id="20260101-120000-tui-test",
        state="complete",
        started=datetime(2026, 1, 1, tzinfo=UTC),
        duration_s=10.0,
        metrics={
            "http_reqs": {"count": 14321.0, "rate": 1432.1},
            "http_req_duration": {**trend, "max": 912.0},
            "http_req_service": {**trend, "max": 640.0},
            "http_req_failed": {"rate": 0.0036, "passes": 52.0, "fails": 14269.0},
            "data_received": {"count": 18_345_678.0, "rate": 1_834_567.0},
            "sessions": {"count": 3580.0, "rate": 358.0},
            "vus_max": {"value": 61.0},
        },
        thresholds=[
            ThresholdVerdict(metric="http_req_duration", expression="p(95)<500", ok=True, value=84),
            ThresholdVerdict(metric="http_req_failed", expression="rate<0.01", ok=True, value=0),
        ],
        errors_by_class={"http_5xx": 52},
        notes=["http_5xx e.g.: 503 Service Unavailable on GET /products/{id}"],
        flags=1,
    )


def run_results(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    """The end of a run: k6's summary, the verdicts, the flags and notes, the run folder."""
    fed = feed(40, errors_from=30)

    async def run_before(pilot: Pilot[int]) -> None:
        await fed(pilot)
        run_dir = Path("runs/20260101-120000-tui-test")
        pilot.app.screen.post_message(LiveUpdate(RunFinished(results_record(), run_dir)))
        await pilot.pause()

    return plan_app(make_shop_plan("http://127.0.0.1:9"), theme), run_before


# -- Forecast and History: run folders written by the store's own sink --------------------------
KNEE = 600.0


def stress_run(out: Path, run_id: str = "r-stress") -> Path:
    """A 60-window ramp from 50 to 900 req/s against a system with its knee at 600 req/s."""
    sink = RunSink.open(
        out,
        TestPlan(name="stress", type="stress", thresholds={"http_req_duration": ["p(95)<200"]}),
        run_id=run_id,
    )
    for i in range(60):
        load = 50 + (900 - 50) * i / 59
        served = min(load, KNEE * 1.02)
        rho = min(load / KNEE, 0.995)
        p95 = 20.0 / (1.0 - rho) ** 0.5 if load < KNEE else 100.0 * (1 + 20 * (load / KNEE - 1))
        errors = 0 if load < KNEE else int(0.2 * served * 0.5 * (load - KNEE) / 300)
        w = make_window(
            0.5 * (i + 1), p95=p95, rps=served, errors=errors, target_rate=load, interval_s=0.5
        )
        sink.window(w.model_copy(update={"ts": T0 + timedelta(seconds=0.5 * (i + 1))}))
    sink.close(
        RunRecord(run_id=run_id, state="complete", plan_name="stress", started=T0, duration_s=30)
    )
    return out / run_id


def forecast(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    runs = Path("runs")
    ws = Workspace(plan=make_shop_plan("http://127.0.0.1:9"), runs_dir=runs)
    ws.forecast([stress_run(runs)])
    app = app_with(ws, theme, runs)

    async def run_before(pilot: Pilot[int]) -> None:
        await pilot.press("3")
        screen = pilot.app.screen
        assert await wait_for(lambda: getattr(screen, "forecast", None) is not None, 60)
        await pilot.pause()

    return app, run_before


def history_run(out: Path, run_id: str, *, p95: float, start: datetime, state: str) -> None:
    """A finished run of 24 windows whose p95 wobbles ±3 ms around `p95`."""
    sink = RunSink.open(out, TestPlan(name="shop"), run_id=run_id)
    for i in range(24):
        w = make_window(0.5 * (i + 1), p95=p95 + 3 * math.sin(i * 1.7), rps=200, interval_s=0.5)
        sink.window(w.model_copy(update={"ts": start + timedelta(seconds=0.5 * (i + 1))}))
    failed = p95 > 50
    sink.close(
        RunRecord(
            run_id=run_id,
            state=state,  # type: ignore[arg-type]
            plan_name="shop",
            target="http://127.0.0.1:9",
            started=start,
            ended=start + timedelta(seconds=12),
            duration_s=12.0,
            metrics={
                "http_reqs": {"count": 2400.0, "rate": 200.0},
                "http_req_duration": {"p(95)": p95},
                "http_req_failed": {"rate": 0.004 if failed else 0.0},
            },
            thresholds=[
                ThresholdVerdict(
                    metric="http_req_duration", expression="p(95)<50", ok=not failed, value=p95
                )
            ],
        )
    )


def history(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    runs = Path("runs")
    history_run(runs, "r-old", p95=40.0, start=T0, state="complete")
    history_run(runs, "r-same", p95=40.5, start=T0 + timedelta(hours=1), state="interrupted")
    history_run(runs, "r-slow", p95=60.0, start=T0 + timedelta(hours=2), state="complete")
    app = app_with(Workspace(plan=make_shop_plan("http://127.0.0.1:9"), runs_dir=runs), theme)

    async def run_before(pilot: Pilot[int]) -> None:
        await pilot.press("5")
        await pilot.pause()
        await pilot.press("space", "down", "down", "space", "c")  # compare r-slow with r-old
        screen = pilot.app.screen
        assert await wait_for(lambda: getattr(screen, "report", None) is not None, 30)
        await pilot.pause()

    return app, run_before


def advisor(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    """A finished run's advice (hand-written: two thresholds and a ramp), the first accepted."""
    from advisor_fixtures import finished_run, three_edits, write_plan

    from loadtui.plan.yaml_io import load_plan

    plan_file = write_plan(Path("shop.yaml"), "http://127.0.0.1:9")
    runs = Path("runs")
    ws = Workspace(runs_dir=runs)
    ws.set_plan(load_plan(plan_file), plan_file)
    ws.advise(run_dir=finished_run(runs, plan_file), advice=three_edits())
    app = app_with(ws, theme, runs)

    async def run_before(pilot: Pilot[int]) -> None:
        await pilot.press("4")
        await pilot.pause()
        panel = getattr(pilot.app.screen, "panel", None)
        assert await wait_for(lambda: getattr(panel, "session", None) is not None, 30)
        await pilot.pause()
        await pilot.press("a")  # accept the first edit: the marks column shows ✓
        await pilot.pause()
        await pilot.pause(0.2)  # the diff scrolls to its first change after a refresh

    return app, run_before


# -- the wizard: a project file in the scene's folder, opened as `loadtui` opens it ----------------
def wizard_app(folder: Path, theme: str, **project: object) -> LoadtuiApp:
    """`loadtui` in `folder`; with `project` fields, a project resumed at its step whose model
    is the hand-built one (saved beside a one-line log) rather than a fresh profile."""
    import argparse

    from loadtui.profile.pipeline import save_model
    from loadtui.tui.launch import build_app
    from loadtui.tui.wizard_flow import Project, save_project

    if project:
        (folder / "shop_access.log").write_text(
            '127.0.0.1 - - [01/Dec/2026:09:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "curl"\n'
        )
        save_model(make_shop_model(), folder / "model.json")
        fields = {"log_paths": ["shop_access.log"], "model_path": "model.json", **project}
        save_project(folder, Project.model_validate(fields))
    given = {"log": None, "model": None, "target": None, "peak_rps": None, "duration": None}
    args = argparse.Namespace(theme=theme, **given)
    return build_app(args, theme_store=MemoryStore(), workers=2)


def wizard_collect(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    return wizard_app(folder, theme), presses()


def wizard_profile(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    return wizard_app(folder, theme, step="profile"), presses("down")


def wizard_plan_form(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    return wizard_app(folder, theme, step="plan"), presses("w")


def _planned(folder: Path) -> dict[str, object]:
    """A project whose plan step is done: the wizard's plan file in `.loadtui/`."""
    from loadtui.plan.yaml_io import save_plan

    (folder / ".loadtui").mkdir(exist_ok=True)
    save_plan(make_shop_plan("http://127.0.0.1:9"), folder / ".loadtui" / "plan.yaml")
    url = {"target_kind": "url", "target_url": "http://127.0.0.1:9"}  # no demo target started
    return {"plan_path": ".loadtui/plan.yaml", "plan": url}


def wizard_run(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    return wizard_app(folder, theme, step="run", **_planned(folder)), presses()


def wizard_export(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    (folder / "runs" / "r-1").mkdir(parents=True)
    done = {"last_run_dir": "runs/r-1", "forecast_done": True, "advice_skipped": True}
    return wizard_app(folder, theme, step="export", **_planned(folder), **done), presses()


def too_small_terminal(folder: Path, theme: str) -> tuple[LoadtuiApp, RunBefore]:
    app, _ = personas(folder, theme)
    return app, presses()


SCENES: dict[str, Scene] = {
    s.name: s
    for s in (
        Scene("personas", "Personas: who uses the system, clustered from the log", personas),
        Scene("run-plan", "Run pane before the start: the plan enter would run", run_plan),
        Scene("run-live", "Run pane live: latency, rate and errors 4× a second", run_live),
        Scene("run-results", "Run pane at the end: k6's summary and verdicts", run_results),
        Scene("forecast", "Forecast: the digital twin, its capacity and band", forecast),
        Scene("advisor", "Advisor: tuned thresholds and stages as diffs to accept", advisor),
        Scene("history", "History: runs, a comparison, the baseline set", history),
        Scene("help", "? on any pane: every key of the pane and of the app", help_keys),
        Scene("wizard-collect", "Wizard, collect: pick a log (the sample offered)", wizard_collect),
        Scene(
            "wizard-profile", "Wizard, profile: the step bar over the Personas pane", wizard_profile
        ),
        Scene("wizard-plan", "Wizard, plan: workload, peak, duration, target", wizard_plan_form),
        Scene("wizard-run", "Wizard, run: the plan the wizard wrote, one key away", wizard_run),
        Scene("wizard-export", "Wizard, export: k6, Locust, Artillery or CI", wizard_export),
    )
}
TOO_SMALL = Scene(
    "too-small", "Below 80×24: one sentence instead of a mess", too_small_terminal, (70, 20)
)
