"""Run pane: plan the kept personas, run them against the target, watch it live.

The engine runs in its own processes; a thread worker consumes `Runner.windows()` and posts one
message per window. The screen only keeps series (one `deque` each) and redraws.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar

from loadtui.analyze.anomaly import OnlineDetector
from loadtui.contracts import AnomalyFlag, MetricWindow, TestPlan, ThresholdVerdict
from loadtui.errors import UserError
from loadtui.tui import display
from loadtui.tui.messages import PlanFailed, PlanReady, RunEnded, TargetReady, WindowArrived
from loadtui.tui.planning import PlanChoice, make_plan
from loadtui.tui.screens.modals import ConfirmScreen, PromptScreen
from loadtui.tui.widgets.flag_log import FlagLog
from loadtui.tui.widgets.lines import StripLines, plain_line, threshold_line, threshold_lines
from loadtui.tui.widgets.metric_row import MetricRow
from loadtui.tui.widgets.navbar import NavBar
from loadtui.tui.widgets.run_panels import generator_line, threshold_rows
from loadtui.tui.workspace import DEMO_TARGET, Workspace

if TYPE_CHECKING:
    from loadtui.engine.runner import Runner
    from loadtui.target.process import TargetProcess
    from loadtui.tui.app import LoadtuiApp

LATENCY_ROWS = ("p50", "p95", "p99")


def check_url(value: str) -> str | None:
    if not value.strip().startswith(("http://", "https://")):
        return "a base URL such as http://127.0.0.1:8080"
    return None


class RunScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "start", "start", tooltip="plan and start a run against the target"),
        Binding("s", "stop", "stop", tooltip="stop the run (asks first); results are kept"),
        Binding("l", "plan_type", "type", tooltip="switch the plan type: load ⇄ smoke"),
        Binding(
            "c",
            "latency_kind",
            "latency",
            tooltip="latency from intended start (corrected) ⇄ from send (service time)",
        ),
        Binding("p", "pause_view", "pause", tooltip="freeze the display; the run goes on"),
        Binding("t", "target", "target", tooltip="set the target base URL"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.choice = PlanChoice()  # replaced in on_mount from the app's run options
        self.plan: TestPlan | None = None
        self.plan_revision = -1
        self.runner: Runner | None = None
        self.target_proc: TargetProcess | None = None
        self.target_url: str | None = None
        self.detector = OnlineDetector()
        self.flags: list[AnomalyFlag] = []
        self.verdicts: list[ThresholdVerdict] = []
        self.corrected = True
        self.paused = False
        self.state = "idle"  # idle | planning | starting | running | stopping | ended
        self.last: MetricWindow | None = None
        self.service: dict[str, list[float]] = {k: [] for k in LATENCY_ROWS}
        self.corrected_series: dict[str, list[float]] = {k: [] for k in LATENCY_ROWS}
        self.rows: dict[str, MetricRow] = {}  # by label, found once on mount
        self._title = ""  # the live pane's title as last set
        self._progress_shown: tuple[int, int] | None = None  # half cells, percent

    @property
    def workspace(self) -> Workspace:
        app: LoadtuiApp = self.app  # type: ignore[assignment]
        return app.workspace

    @property
    def loadtui(self) -> LoadtuiApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield NavBar("run", id="navbar")
        with Vertical(id="live-pane", classes="pane"):
            yield ProgressBar(total=1.0, show_eta=False, id="stage-progress")
            yield MetricRow("p50", id="row-p50")
            yield MetricRow("p95", id="row-p95")
            yield MetricRow("p99", id="row-p99")
            yield MetricRow("rps", id="row-rps")
            yield MetricRow("err", id="row-err")
            yield StripLines(plain_line, id="generator-line")
        with Horizontal(id="run-bottom"):
            with Vertical(id="thresholds-pane", classes="pane"):
                yield StripLines(threshold_line, id="thresholds")
            with Vertical(id="flags-pane", classes="pane"):
                yield FlagLog(id="flags")
        yield Footer()

    def on_mount(self) -> None:
        opts = self.loadtui.run_options
        self.choice = PlanChoice(
            type=str(opts.get("plan_type", self.choice.type)),
            duration=str(opts.get("duration", self.choice.duration)),
            peak_rps=float(opts["peak_rps"]) if opts.get("peak_rps") else None,  # type: ignore[arg-type]
        )
        self.rows = {row.label: row for row in self.query(MetricRow)}
        self.query_one("#thresholds-pane").border_title = "thresholds"
        self.query_one("#flags-pane").border_title = "flags"
        self.show_idle()

    def on_screen_resume(self) -> None:
        if self.state in ("idle", "ended") and self.plan_revision != self.workspace.revision:
            self.plan = None
            self.show_idle()

    # -- idle: what would run -----------------------------------------------------------------
    def show_idle(self) -> None:
        ws = self.workspace
        target = self.target_url or ws.target or f"{DEMO_TARGET} (demo, started if needed)"
        what = f"{self.choice.type} plan · {self.choice.duration or 'default length'}"
        if ws.plan is not None:
            plan = ws.plan
            title = f"{plan.name} · {plan.type} plan as given · {plan.target} · enter start"
        elif ws.model is None:
            title = "no traffic model yet: load a log on the Personas pane (1)"
        else:
            kept = len(ws.planned_model().personas) if self._plannable() else 0
            title = f"{what} · {kept} personas · {target} · enter start"
        self._set_title(title)
        self.query_one("#generator-line", StripLines).show(
            [
                "latency: "
                + (
                    "corrected for coordinated omission"
                    if self.corrected
                    else "service time (from actual send)"
                )
                + " · c switches"
            ]
        )
        self.redraw_panels()

    def _plannable(self) -> bool:
        try:
            self.workspace.planned_model()
        except ValueError:
            return False
        return True

    # -- starting -------------------------------------------------------------------------------
    def action_start(self) -> None:
        if self.state in ("planning", "starting", "running", "stopping"):
            self.notify("a run is already going; s stops it", severity="warning")
            return
        prepared = self.workspace.plan
        if prepared is not None:  # runs as given: its own target, nothing to plan or start
            self.state = "planning"
            self.target_url = prepared.target
            self.post_message(PlanReady(prepared))
            return
        try:
            model = self.workspace.planned_model()
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.state = "planning"
        self.loadtui.run_status = "◌ planning"
        self._set_title("planning · starting the target if needed…")
        self._prepare(model, self.choice, self.workspace.target)

    @work(thread=True, exclusive=True, group="prepare")
    def _prepare(self, model: Any, choice: PlanChoice, target: str | None) -> None:
        from loadtui.tui.demo_target import ensure_target

        try:
            if self.target_url is None or (target is not None and target != self.target_url):
                url, proc = ensure_target(target)
                self.post_message(TargetReady(url, proc is not None))
                if proc is not None:
                    self.target_proc = proc
                    self.loadtui.call_from_thread(self.loadtui.add_cleanup, proc.stop)
                self.target_url = url
            plan = make_plan(model, choice, self.target_url)
        except UserError as exc:
            self.post_message(PlanFailed(str(exc)))
            return
        except Exception as exc:
            self.post_message(PlanFailed(f"could not prepare the run: {exc}"))
            return
        self.post_message(PlanReady(plan))

    @on(TargetReady)
    def _target_ready(self, message: TargetReady) -> None:
        if message.started:
            self.notify(f"started the demo target on {message.url}; it stops when you quit")

    @on(PlanFailed)
    def _plan_failed(self, message: PlanFailed) -> None:
        self.state = "idle"
        self.loadtui.run_status = ""
        self.notify(message.reason, title="cannot start the run", severity="error")
        self.note(message.reason, style="bold red")
        self.show_idle()

    @on(PlanReady)
    def _plan_ready(self, message: PlanReady) -> None:
        from loadtui.engine.runner import Runner

        self.plan = message.plan
        self.plan_revision = self.workspace.revision
        opts = self.loadtui.run_options
        try:
            runner = Runner(
                message.plan,
                Path(str(opts.get("runs_dir", self.workspace.runs_dir))),
                workers=opts.get("workers"),  # type: ignore[arg-type]
                transport=str(opts.get("transport", "auto")),
                interval_s=float(opts.get("interval_s", 0.25)),  # type: ignore[arg-type]
            )
        except UserError as exc:
            self._plan_failed(PlanFailed(str(exc)))
            return
        self.reset_series()
        self.runner = runner
        self.state = "running"
        self.loadtui.add_cleanup(self._stop_runner)
        self._set_title(f"starting {runner.workers} workers…")
        self._consume(runner)

    def reset_series(self) -> None:
        self.detector = OnlineDetector()
        self.flags.clear()
        self.query_one(FlagLog).reset()
        self.verdicts = []
        self.last = None
        for series in (self.service, self.corrected_series):
            for values in series.values():
                values.clear()
        for row in self.rows.values():
            row.reset()

    @work(thread=True, exclusive=True, group="run")
    def _consume(self, runner: Runner) -> None:
        """The only place that touches the engine's stream: blocking, so a thread."""
        try:
            runner.start()
            for window in runner.windows():
                flags = self.detector.update(window)
                self.post_message(WindowArrived(window, runner.verdicts(), flags))
            record = runner.result(timeout=30)
        except Exception as exc:
            self.post_message(RunEnded(None, str(exc)))
            return
        self.post_message(RunEnded(record))

    # -- live -----------------------------------------------------------------------------------
    @on(WindowArrived)
    def _window(self, message: WindowArrived) -> None:
        w = message.window
        self.last = w
        self.verdicts = message.verdicts
        self.flags.extend(message.flags)
        if message.flags:
            log = self.query_one(FlagLog)
            for flag in message.flags:
                log.add_flag(flag)
        rows = self.rows
        shown = self.corrected_series if self.corrected else self.service
        for key in LATENCY_ROWS:
            self.corrected_series[key].append(getattr(w.latency, key))
            self.service[key].append(getattr(w.service, key))
            rows[key].push(shown[key][-1])
        rows["rps"].push(w.rps)
        rows["err"].push(100 * w.errors / w.requests if w.requests else 0.0)
        self.loadtui.run_status = f"● running {display.clock(w.t)}"
        if not self.paused:
            self.redraw()

    def redraw(self) -> None:
        w = self.last
        if w is None:
            return
        lat = w.latency if self.corrected else w.service
        rows = self.rows
        for key in LATENCY_ROWS:
            rows[key].redraw(display.millis(getattr(lat, key)))
        rows["rps"].redraw(display.rate(w.rps))
        err = w.errors / w.requests if w.requests else 0.0
        rows["err"].redraw(display.percent(err, 1))
        runner = self.runner
        total = runner.end_s if runner is not None else max(w.t, 1.0)
        self._set_progress(total, min(w.t, total))
        stages = self.plan.stages if self.plan is not None else []
        stage = stages[w.stage] if 0 <= w.stage < len(stages) else None
        name = w.stage_name or (stage.name if stage else None) or ""
        kind = "corrected" if self.corrected else "service"
        self._set_title(
            f"stage {w.stage + 1}/{max(len(stages), 1)} {name} · "
            f"{display.clock(w.t)}/{display.clock(total)} · {kind}"
            + (" · paused view" if self.paused else "")
        )
        workers = runner.workers if runner else len(w.worker_cpu)
        self.query_one("#generator-line", StripLines).show([generator_line(w, workers)])
        self.redraw_panels()

    def redraw_panels(self) -> None:
        plan = self.plan or self.workspace.plan  # before a start: a prepared plan's own
        rows = threshold_rows(self.verdicts, plan.thresholds if plan is not None else {})
        empty = "no thresholds in this plan" if plan is not None else "set by the plan at start"
        self.query_one("#thresholds", StripLines).show(threshold_lines(rows, empty))

    def _set_progress(self, total: float, done: float) -> None:
        """Move the stage bar only when what it shows moves (a half cell or a whole percent):
        each update of a ProgressBar repaints its line, four times a second otherwise."""
        bar = self.query_one("#stage-progress", ProgressBar)
        fraction = done / total if total else 1.0
        shown = (int(fraction * 2 * bar.query_one("#bar").size.width), round(fraction * 100))
        if shown != self._progress_shown:
            self._progress_shown = shown
            bar.update(total=total, progress=done)

    def _set_title(self, title: str) -> None:
        """The live pane's title, set only when it changes (setting it parses markup and
        repaints the whole pane, border and all)."""
        if self._title != title:
            self._title = title
            self.query_one("#live-pane").border_title = title

    @on(RunEnded)
    def _ended(self, message: RunEnded) -> None:
        self.loadtui.remove_cleanup(self._stop_runner)
        self.state = "ended"
        record = message.record
        if record is None:
            self.loadtui.run_status = "✗ failed"
            self.note(f"run failed: {message.reason}", style="bold red")
            self.notify(message.reason or "the run failed", severity="error")
        else:
            failed = [v for v in record.thresholds if not v.ok]
            verdict = "thresholds ✗" if failed else "thresholds ✓"
            self.loadtui.run_status = f"■ {record.state} {display.clock(record.duration_s)}"
            run_dir = self.runner.run_dir if self.runner is not None else ""
            self.note(f"{record.state} · {verdict} · {run_dir}", style="bold")
            self.verdicts = record.thresholds or self.verdicts
        self.paused = False
        self.redraw()
        self.redraw_panels()

    def note(self, text: str, *, style: str = "") -> None:
        self.query_one(FlagLog).add_note(text, style=style)

    # -- keys -------------------------------------------------------------------------------
    def _stop_runner(self) -> None:
        if self.runner is not None:
            self.runner.stop(wait=True, timeout=15)

    def action_stop(self) -> None:
        if self.state != "running" or self.runner is None:
            self.notify("no run to stop", severity="warning")
            return
        runner = self.runner

        def answered(stop: bool | None) -> None:
            if stop and self.state == "running":
                self.state = "stopping"
                self.loadtui.run_status = "◌ stopping"
                runner.stop(wait=False)

        self.app.push_screen(
            ConfirmScreen(
                "Stop the run? What ran so far is kept (state: interrupted).",
                yes="stop",
                no="keep running",
            ),
            answered,
        )

    def action_plan_type(self) -> None:
        if self.state not in ("idle", "ended"):
            self.notify("the plan type changes before a run, not during one", severity="warning")
            return
        if self.workspace.plan is not None:
            self.notify("a prepared plan runs as given", severity="warning")
            return
        self.choice = self.choice.next_type()
        self.plan = None
        self.show_idle()

    def action_latency_kind(self) -> None:
        self.corrected = not self.corrected
        series = self.corrected_series if self.corrected else self.service
        for key in LATENCY_ROWS:
            self.rows[key].reset(series[key])
        if self.last is not None:
            self.redraw()
        else:
            self.show_idle()

    def action_pause_view(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            self.redraw()
        elif self.last is not None:
            self._set_title(f"{self._title} · paused view")

    def action_target(self) -> None:
        if self.state not in ("idle", "ended"):
            self.notify("change the target between runs", severity="warning")
            return

        def chosen(value: str | None) -> None:
            if value:
                self.workspace.target = value.strip().rstrip("/")
                self.target_url = None
                self.show_idle()

        current = self.target_url or self.workspace.target or DEMO_TARGET
        self.app.push_screen(
            PromptScreen("Target base URL", value=current, check=check_url), chosen
        )
