"""The Run pane's views, driven with the pilot at 80×24: the plan before the start (type, peak
and length changed by keys, checked as typed), `q` asking while a run goes on, and the results
at the end. Runs are simulated with the messages the run's consumer posts (no engine)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from textual.widgets import Input, ProgressBar
from tui_plans import make_shop_plan, make_window
from tui_screen import screen_lines

from loadtui.contracts import RunRecord, ThresholdVerdict, TrafficModel
from loadtui.live import PhaseChanged, RunFinished, WindowDone
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.messages import LiveUpdate
from loadtui.tui.planning import PlanChoice
from loadtui.tui.screens.modals import ConfirmScreen, PromptScreen
from loadtui.tui.screens.run import RunScreen
from loadtui.tui.workspace import Workspace


def model_app(model: TrafficModel, choice: PlanChoice | None = None) -> LoadtuiApp:
    ws = Workspace(model=model, target="http://127.0.0.1:9", log_paths=[Path("sample.log")])
    return LoadtuiApp(ws, theme_name="dark", plan_choice=choice)


def footer(app: LoadtuiApp) -> str:
    return screen_lines(app)[-1]


async def test_the_plan_shows_stages_rates_and_where_the_peak_came_from(
    shop_model: TrafficModel, shown: Callable[..., str]
) -> None:
    app = model_app(shop_model, PlanChoice(duration="1m").with_peak(300, "flag"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen) and screen.view == "plan"
        plan = shown(app, "#plan-pane")
        assert "load plan · 1m · 3 personas · enter starts" in plan
        assert "peak 300 req/s (from --peak-rps)" in plan
        assert "2 workers → http://127.0.0.1:9" in plan or "workers → http://127.0.0.1:9" in plan
        assert "spike ×5" in plan and "1,500" in plan  # the spike the user should see coming
        assert "hold after spike" in plan and "req/s" in plan and "sess/s" in plan
        assert "p(95)<" in shown(app, "#thresholds-pane")  # the plan's, no values yet
        keys = footer(app)
        assert "start" in keys and "type" in keys and "peak" in keys and "length" in keys
        assert "stop" not in keys  # nothing to stop yet
        assert all(len(line) == 80 for line in screen_lines(app))

        await pilot.press("l")  # load → stress
        await pilot.pause()
        plan = shown(app, "#plan-pane")
        assert "stress plan · 1m" in plan and "step ×1.5" in plan and "baseline" in plan
        assert screen.upcoming is not None and screen.upcoming.type == "stress"
        assert app.plan_choice.type == "stress"  # kept if the pane is opened again


async def test_peak_and_length_are_checked_as_typed(
    shop_model: TrafficModel, shown: Callable[..., str]
) -> None:
    app = model_app(shop_model)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert "peak 50 req/s (default: the log has no request rate)" in shown(app, "#plan-pane")

        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        await pilot.press("a", "b", "c")  # the reason shows before enter
        await pilot.pause()
        assert "a number of requests per second" in shown(app, "#prompt-error")
        await pilot.press("enter")  # refused: the prompt stays
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = "120"
        await pilot.pause()
        assert shown(app, "#prompt-error").strip() == ""
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        assert "peak 120 req/s (set with r)" in shown(app, "#plan-pane")

        await pilot.press("d")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        prompt.query_one(Input).value = "5min"
        await pilot.pause()
        assert "'5min' is not a duration" in shown(app, "#prompt-error")
        prompt.query_one(Input).value = "30s"
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunScreen)
        assert "load plan · 30s" in shown(app, "#plan-pane")
        assert app.screen.upcoming is not None
        assert app.screen.upcoming.stages[1].target * (
            app.screen.upcoming.workload.mean_requests_per_session
        ) == __import__("pytest").approx(120, rel=1e-3)


def _running(screen: RunScreen) -> None:
    """As if a run had started (no engine): the state and a few windows."""
    screen.plan = screen.workspace.plan
    screen.state = "running"
    for i in range(8):
        screen.post_message(LiveUpdate(WindowDone(make_window(0.25 * (i + 1)), [], [])))


async def test_q_during_a_run_asks_first_and_keeps_running_on_no() -> None:
    app = LoadtuiApp(Workspace(plan=make_shop_plan("http://127.0.0.1:9")), theme_name="dark")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen)
        _running(screen)
        await pilot.pause()
        assert screen.view == "live" and "stop" in footer(app)
        assert "type" not in footer(app)  # the plan does not change during a run

        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Quit while a run goes on?" in str(app.screen.question)
        await pilot.press("q")  # a second q does not stack another question
        await pilot.pause()
        assert len(app.screen_stack) == 2
        await pilot.press("n")
        await pilot.pause()
        assert app.screen is screen and app.is_running and screen.state == "running"

        await pilot.press("q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.return_value == 0  # exited on yes (not when the test closed the app)


async def test_q_quits_at_once_when_nothing_runs() -> None:
    app = LoadtuiApp(Workspace(plan=make_shop_plan("http://127.0.0.1:9")), theme_name="dark")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert app.return_value is None
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        assert app.return_value == 0  # exited, no question asked


def finished_record() -> RunRecord:
    trend = {"avg": 12.3, "min": 1, "med": 10, "p(90)": 20, "p(95)": 25, "p(99)": 40, "max": 120}
    return RunRecord(
        run_id="20260101-120000-tui-test",
        state="complete",
        started=datetime(2026, 1, 1, tzinfo=UTC),
        duration_s=7.0,
        metrics={
            "http_reqs": {"count": 1400.0, "rate": 200.0},
            "http_req_duration": trend,
            "http_req_service": trend,
            "http_req_failed": {"rate": 0.0, "passes": 0.0, "fails": 1400.0},
            "data_received": {"count": 1_234_567.0, "rate": 176_366.0},
            "sessions": {"count": 350.0, "rate": 50.0},
            "vus_max": {"value": 12.0},
        },
        thresholds=[
            ThresholdVerdict(metric="http_req_duration", expression="p(95)<500", ok=True, value=25)
        ],
        notes=["http_5xx e.g.: 503 on GET /search"],
    )


async def test_the_results_view_appears_at_the_end_with_a_full_progress_bar(
    tmp_path: Path, shown: Callable[..., str]
) -> None:
    app = LoadtuiApp(Workspace(plan=make_shop_plan("http://127.0.0.1:9")), theme_name="dark")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen)
        _running(screen)
        run_dir = tmp_path / "runs" / "20260101-120000-tui-test"
        screen.post_message(LiveUpdate(PhaseChanged("ended", "complete")))
        screen.post_message(LiveUpdate(RunFinished(finished_record(), run_dir)))
        await pilot.pause()
        assert screen.view == "results" and screen.state == "ended"
        results = shown(app, "#results-pane")
        assert "results · complete · 00:07 · thresholds ✓ 1 of 1 · 0 flags" in results
        assert "http_reqs .........: 1,400  200.0/s" in results
        assert "data_received .....: 1.2 MB  176 kB/s" in results
        assert "http_req_duration .:   12.3   10.0   20.0   25.0   40.0    120" in results
        assert "http_5xx e.g.: 503 on GET /search" in results
        tail = "/runs/20260101-120000-tui-test/"  # a long path keeps its end
        assert "saved in ..........: …" in results and f"{tail} │" in results
        assert "✓ duration p(95)<500" in shown(app, "#thresholds-pane")
        assert screen.query_one("#stage-progress", ProgressBar).percentage == 1.0
        assert app.run_exit_code == 0 and "■ complete" in app.run_status
        keys = footer(app)
        assert "start" in keys and "view" in keys and "stop" not in keys

        await pilot.press("v")  # results → the live rows of the run
        await pilot.pause()
        assert screen.view == "live" and "p95" in shown(app, "#live-pane")
        await pilot.press("v")  # → the plan a new run would use
        await pilot.pause()
        assert screen.view == "plan" and "tui-test · load plan as given" in shown(app, "#plan-pane")
        await pilot.press("v")
        await pilot.pause()
        assert screen.view == "results"


async def test_quitting_a_watched_plan_mid_run_exits_like_an_interrupted_run() -> None:
    """`loadtui run PLAN` on a terminal exits with the run's code: 130 when q stops it."""
    plan = make_shop_plan("http://127.0.0.1:9")
    app = LoadtuiApp(Workspace(plan=plan), theme_name="dark", exit_with_run=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen)
        _running(screen)
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.return_value == 130
