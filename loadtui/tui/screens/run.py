"""Run pane: the plan before the start, the run live, the results at its end.

The top of the pane is one of three views (a `ContentSwitcher`): the **plan** that enter would
run (stages, planned rates, target, workers; keys change the test type, peak and length), the
**live** rows while it runs, and the **results** (k6's end-of-test summary) once it ended; `v`
switches between those that exist. Thresholds and flags stay below in every view.

The screen only consumes `loadtui.live.LiveRun` (the same service `loadtui run --headless`
uses): a thread worker iterates its updates and posts one message each; the screen keeps series
(one list per row) and redraws. Starting the demo target, writing the run folder and computing
anomaly flags all happen in the service. What each view says is computed by pure functions
(`planning`, `plan_preview`, `results`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Footer, ProgressBar

from loadtui.contracts import AnomalyFlag, MetricWindow, RunOptions, RunRecord, TestPlan
from loadtui.contracts import ThresholdVerdict as Verdict
from loadtui.durations import format_duration, parse_duration
from loadtui.errors import UserError
from loadtui.live import (
    LiveRun,
    Phase,
    PhaseChanged,
    RunFinished,
    TargetStarted,
    WindowDone,
    exit_code,
)
from loadtui.safe_text import plain
from loadtui.tui import display
from loadtui.tui.messages import LiveUpdate, RunNotStarted
from loadtui.tui.palette import style
from loadtui.tui.plan_preview import PlanPreview, plan_peak_text, preview
from loadtui.tui.planning import (
    PLAN_TYPES,
    PlanChoice,
    check_duration,
    check_peak,
    log_peak_rps,
    make_plan,
    peak_text,
)
from loadtui.tui.results import results_lines, results_title
from loadtui.tui.screens.modals import ConfirmScreen, PromptScreen
from loadtui.tui.widgets.navbar import NavBar
from loadtui.tui.widgets.run.flag_log import FlagLog
from loadtui.tui.widgets.run.lines import StripLines, plain_line, threshold_line, threshold_lines
from loadtui.tui.widgets.run.metric_row import MetricRow
from loadtui.tui.widgets.run.panels import generator_line, stop_rows, threshold_rows
from loadtui.tui.widgets.run.plan_view import PlanView
from loadtui.tui.widgets.run.results_view import ResultsView
from loadtui.tui.workspace import DEMO_TARGET, Workspace, WorkspaceChange

if TYPE_CHECKING:
    from loadtui.tui.app import LoadtuiApp

LATENCY_ROWS = ("p50", "p95", "p99")
REDRAW_EVERY_S = 0.25  # the live rows repaint at most this often (TUI windows come 4×/s)
BUSY: tuple[Phase, ...] = ("starting", "running", "stopping")
NO_MODEL = "no traffic model yet: load a log on the Personas pane (1) or o for a plan"
View = Literal["plan", "live", "results"]
VIEWS: tuple[View, ...] = ("results", "live", "plan")  # the order `v` goes through them


def check_url(value: str) -> str | None:
    if not value.strip().startswith(("http://", "https://")):
        return "a base URL such as http://127.0.0.1:8080"
    return None


def check_plan_path(value: str) -> str | None:
    path = Path(value.strip()).expanduser()
    if not path.is_file():
        return f"no file at {path}"
    return None


class RunScreen(Screen[None]):
    BINDINGS = [
        Binding("enter", "start", "start", tooltip="start a run of the plan shown"),
        Binding("s", "stop", "stop", tooltip="stop the run (asks first); results are kept"),
        Binding("l", "plan_type(1)", "type", tooltip="next test type: " + " ".join(PLAN_TYPES)),
        Binding("L", "plan_type(-1)", "type", show=False, tooltip="previous test type"),
        Binding("r", "peak", "peak", tooltip="set the plan's peak in requests/s"),
        Binding("d", "duration", "length", tooltip="set the run's length (k6 style: 90s, 5m)"),
        Binding("t", "target", "target", tooltip="set the target base URL"),
        Binding(
            "o",
            "open_plan",
            "open",
            show=False,  # the footer is full at 80 columns; ? lists it
            tooltip="open a plan file (from `loadtui plan`) to run",
        ),
        Binding(
            "e", "export", "export", tooltip="write the plan as a k6, Locust or Artillery script"
        ),
        Binding("v", "view", "view", tooltip="switch the view: results, live rows, plan"),
        Binding("f", "forecast", "forecast", tooltip="fit the digital twin of this run (Forecast)"),
        Binding(
            "a", "advise", "advise", tooltip="advice on this run: thresholds, stages (Advisor)"
        ),
        Binding(
            "c",
            "latency_kind",
            "latency",
            tooltip="latency from intended start (corrected) ⇄ from send (service time)",
        ),
        Binding(
            "p",
            "pause_view",
            "pause",
            show=False,
            tooltip="freeze the display; the run goes on",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.choice = PlanChoice()  # replaced in on_mount from the app's plan choice
        self.plan: TestPlan | None = None  # the plan of the current or last run
        self.upcoming: TestPlan | None = None  # what enter would run (the plan view shows it)
        self.live: LiveRun | None = None
        self.target_url: str | None = None  # where the last run went (a demo we started)
        self.flags: list[AnomalyFlag] = []
        self.verdicts: list[Verdict] = []
        self.record: RunRecord | None = None  # the last run's, once it ended
        self.corrected = True
        self.paused = False
        self.view: View = "plan"
        self._state: Phase = "idle"
        self.last: MetricWindow | None = None
        self.service: dict[str, list[float]] = {k: [] for k in LATENCY_ROWS}
        self.corrected_series: dict[str, list[float]] = {k: [] for k in LATENCY_ROWS}
        self.rows: dict[str, MetricRow] = {}  # by label, found once on mount
        self._title = ""  # the live pane's title as last set
        self._progress_shown: tuple[int, int] | None = None  # half cells, percent
        self._drawn_at = 0.0  # monotonic time of the last live redraw
        self._draw_later: Timer | None = None  # a redraw held back by the 4/s limit

    @property
    def workspace(self) -> Workspace:
        return self.loadtui.workspace

    @property
    def loadtui(self) -> LoadtuiApp:
        return self.app  # type: ignore[return-value]

    @property
    def state(self) -> Phase:
        return self._state

    @state.setter
    def state(self, phase: Phase) -> None:
        """The run's phase; the app hears it (q asks first while a run goes on) and the footer
        shows the keys that apply."""
        self._state = phase
        self.loadtui.run_phase = phase
        if self.is_mounted:
            self.refresh_bindings()

    def compose(self) -> ComposeResult:
        yield NavBar("run", id="navbar")
        with ContentSwitcher(initial="plan-pane", id="run-top"):
            yield PlanView(id="plan-pane", classes="pane")
            with Vertical(id="live-pane", classes="pane"):
                yield ProgressBar(total=1.0, show_eta=False, id="stage-progress")
                yield MetricRow("p50", id="row-p50")
                yield MetricRow("p95", id="row-p95")
                yield MetricRow("p99", id="row-p99")
                yield MetricRow("rps", id="row-rps")
                yield MetricRow("err", id="row-err")
                yield StripLines(plain_line, id="generator-line")
            yield ResultsView(id="results-pane", classes="pane")
        with Horizontal(id="run-bottom"):
            with Vertical(id="thresholds-pane", classes="pane"):
                yield StripLines(threshold_line, id="thresholds")
            with Vertical(id="flags-pane", classes="pane"):
                yield FlagLog(id="flags")
        yield Footer(compact=True)  # the Run pane has the most keys: all fit 80 columns

    def on_mount(self) -> None:
        self.choice = self.loadtui.plan_choice
        self.rows = {row.label: row for row in self.query(MetricRow)}
        self.query_one("#thresholds-pane").border_title = "thresholds"
        self.query_one("#flags-pane").border_title = "flags"
        self.loadtui.workspace_changed.subscribe(self, self.on_workspace_change)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.redraw_panels())
        self.show_plan()

    def on_workspace_change(self, change: WorkspaceChange) -> None:
        """A plan made before an edit is stale; between runs the plan view shows the new one."""
        if change.kind == "target":
            self.target_url = None
        self.choice = self.loadtui.plan_choice  # the wizard's plan form may have changed it
        if self.state in ("idle", "ended"):
            if change.replans:
                self.plan = None
            self.show_plan(switch=self.state == "idle")

    # -- views ----------------------------------------------------------------------------------
    def available_views(self) -> list[View]:
        have = {"plan"}
        if self.last is not None or self.state in BUSY:
            have.add("live")
        if self.state == "ended":
            have.add("results")
        return [v for v in VIEWS if v in have]

    def switch_view(self, view: View) -> None:
        self.view = view
        self.query_one("#run-top", ContentSwitcher).current = f"{view}-pane"
        self.redraw_panels()
        if self.is_mounted:
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that apply now are shown in the footer (and work)."""
        busy = self.state in BUSY
        if action in ("target", "plan_type", "peak", "duration") and self.view == "results":
            return False  # the results' own keys; v goes back to the plan to change it
        if action in ("start", "target", "open_plan"):
            return not busy
        if action in ("plan_type", "peak", "duration"):
            return not busy and self.workspace.plan is None
        if action == "stop":
            return self.state in ("starting", "running")
        if action in ("latency_kind", "pause_view"):
            return self.view == "live"
        if action == "view":
            return not busy and len(self.available_views()) > 1
        if action in ("forecast", "advise"):
            return self.state == "ended" and self.view == "results"
        return True

    def action_forecast(self) -> None:
        """The run that just ended, as the Forecast pane's twin (a stress or breakpoint run
        gives the best fit: many load levels)."""
        live = self.live
        if live is None or live.run_dir is None:
            return
        self.workspace.forecast([live.run_dir])
        self.app.switch_mode("forecast")

    def action_advise(self) -> None:
        """The run that just ended, on the Advisor pane (edits go to the plan file it ran)."""
        live = self.live
        if live is None or live.run_dir is None:
            return
        self.workspace.advise(live.run_dir)
        self.app.switch_mode("advisor")

    def action_view(self) -> None:
        views = self.available_views()
        i = views.index(self.view) if self.view in views else -1
        self.switch_view(views[(i + 1) % len(views)])

    # -- the plan view: what enter would run ------------------------------------------------------
    def _target_text(self, plan: TestPlan) -> str:
        from loadtui.target.reach import is_demo

        if self.workspace.target is None and self.target_url is None and is_demo(plan.target):
            return f"{plan.target} (demo, started if needed)"
        return plan.target

    def plan_preview(self) -> tuple[PlanPreview | None, str]:
        """(the preview of what enter would run, or None and why there is none)."""
        ws = self.workspace
        try:
            plan, _ = self.next_plan()
        except ValueError as exc:
            if ws.model is None:
                return None, NO_MODEL
            return None, str(exc)
        except UserError as exc:
            return None, f"cannot plan this: {exc}"
        self.upcoming = plan
        length = format_duration(sum(parse_duration(s.duration) for s in plan.stages))
        from loadtui.plan.build import mean_session_seconds

        mean_session_s = mean_session_seconds(plan) if plan.scenarios else None
        if ws.plan is not None:
            title = f"{plan.name} · {plan.type} plan as given · {length} · enter starts"
            peak = plan_peak_text(plan)
        else:
            model = ws.planned_model()
            title = f"{plan.type} plan · {length} · {len(model.personas)} personas · enter starts"
            peak = peak_text(
                self.choice, log_peak_rps(model), plan.workload.mean_requests_per_session
            )
        return (
            preview(
                plan,
                title=title,
                peak=peak,
                target=self._target_text(plan),
                workers=self.loadtui.run_options.workers,
                cores=os.cpu_count() or 1,
                mean_session_s=mean_session_s,
            ),
            "",
        )

    def show_plan(self, *, switch: bool = True) -> None:
        """Rebuild the plan view (and show it unless `switch` is False)."""
        self.upcoming = None
        shown, why = self.plan_preview()
        pane = self.query_one(PlanView)
        pane.border_title = plain(shown.title) if shown is not None else "plan"
        pane.show(shown, why)
        if switch or self.view == "plan":
            self.switch_view("plan")
        self._idle_line()

    def _idle_line(self) -> None:
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

    # -- starting -------------------------------------------------------------------------------
    def next_plan(self) -> tuple[TestPlan, Path | None]:
        """The plan to run: a prepared one as given, else the kept personas planned for the
        target (the demo URL when none is set; the run starts the demo if needed)."""
        ws = self.workspace
        if ws.plan is not None:
            return ws.plan, ws.plan_source
        model = ws.planned_model()  # ValueError: nothing to plan
        target = self.target_url or ws.target or DEMO_TARGET
        return make_plan(model, self.choice, target), None

    def _options(self, plan: TestPlan) -> RunOptions:
        from loadtui.target.reach import is_demo

        opts = self.loadtui.run_options
        wants_demo = self.workspace.target is None and is_demo(plan.target)
        return opts.model_copy(update={"start_demo_target": wants_demo})

    def action_start(self) -> None:
        if self.state in BUSY:
            self.notify("a run is already going; s stops it", severity="warning")
            return
        try:
            plan, source = self.next_plan()
        except (ValueError, UserError) as exc:
            self.notify(str(exc), severity="warning")
            return
        live = LiveRun(plan, self._options(plan), plan_source=source)
        self.plan, self.live = plan, live
        self.reset_series()
        self.state = "starting"
        self.loadtui.run_status = "◌ starting"
        self._set_title("starting the target and the workers…")
        self.switch_view("live")
        self.loadtui.add_cleanup(self._stop_run)
        self._consume(live)

    @work(thread=True, exclusive=True, group="run")
    def _consume(self, live: LiveRun) -> None:
        """The only place that touches the run: blocking, so a thread."""
        try:
            live.start()
        except UserError as exc:
            self.post_message(RunNotStarted(str(exc)))
            return
        except Exception as exc:
            self.post_message(RunNotStarted(f"could not start the run: {exc}"))
            return
        for update in live.updates():
            self.post_message(LiveUpdate(update))

    @on(RunNotStarted)
    def _not_started(self, message: RunNotStarted) -> None:
        self.loadtui.remove_cleanup(self._stop_run)
        self.state = "idle"
        self.loadtui.run_status = ""
        self.notify(message.reason, title="cannot start the run", severity="error")
        self.note(message.reason, style=style("bad", bold=True))
        self.show_plan()

    def reset_series(self) -> None:
        self.flags.clear()
        self.query_one(FlagLog).reset()
        self.verdicts = []
        self.record = None
        self.last = None
        self._progress_shown = None
        for series in (self.service, self.corrected_series):
            for values in series.values():
                values.clear()
        for row in self.rows.values():
            row.reset()

    @on(LiveUpdate)
    def _update(self, message: LiveUpdate) -> None:
        update = message.update
        if isinstance(update, WindowDone):
            self._window(update)
        elif isinstance(update, PhaseChanged):
            self._phase(update)
        elif isinstance(update, TargetStarted):
            self._target_started(update)
        elif isinstance(update, RunFinished):
            self._ended(update)

    def _phase(self, update: PhaseChanged) -> None:
        if update.phase == "running" and self.state == "starting":
            self.state = "running"
            self.loadtui.run_status = "● running"
            if self.live is not None:
                self.plan = self.live.plan  # re-pointed at the demo target it started
                self.target_url = self.plan.target
            self._set_title(f"running · {update.detail} · first window soon…")

    def _target_started(self, update: TargetStarted) -> None:
        live = self.live
        if live is not None:
            self.loadtui.add_cleanup(live.close_target)
        self.notify(f"started the demo target on {update.url}; it stops when you quit")

    # -- live -----------------------------------------------------------------------------------
    def _window(self, message: WindowDone) -> None:
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
        if self.state == "running":
            self.loadtui.run_status = f"● running {display.clock(w.t)}"
        if self.view != "live" and self.state in BUSY:
            self.switch_view("live")
        if not self.paused:
            self.redraw_soon()

    def redraw_soon(self) -> None:
        """Redraw now, or once REDRAW_EVERY_S after the last redraw when windows come faster
        (a short --interval, a catch-up after a stall): every window is kept in the series,
        the screen repaints at most ~4 times a second, which a slow SSH link can carry."""
        if self._draw_later is not None:
            return  # a held redraw is due (a late timer on a busy box): it shows this window
        wait = self._drawn_at + REDRAW_EVERY_S - time.monotonic()
        if wait <= 0:
            self._drawn_at = time.monotonic()
            self.redraw()
        else:
            self._draw_later = self.set_timer(wait, self._held_redraw)

    def _held_redraw(self) -> None:
        self._draw_later = None
        if not self.paused:
            self._drawn_at = time.monotonic()
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
        live = self.live
        total = live.schedule_s if live is not None and live.schedule_s else max(w.t, 1.0)
        record = self.record
        # a complete run ran its whole schedule: the bar ends full, whatever the last window's t
        done = total if record is not None and record.state == "complete" else min(w.t, total)
        self._set_progress(total, done)
        stages = self.plan.stages if self.plan is not None else []
        stage = stages[w.stage] if 0 <= w.stage < len(stages) else None
        name = w.stage_name or (stage.name if stage else None) or ""
        kind = "corrected" if self.corrected else "service"
        self._set_title(
            f"stage {w.stage + 1}/{max(len(stages), 1)} {name} · "
            f"{display.clock(done)}/{display.clock(total)} · {kind}"
            + (" · paused view" if self.paused else "")
        )
        runner = live.runner if live is not None else None
        workers = runner.workers if runner is not None else len(w.worker_cpu)
        self.query_one("#generator-line", StripLines).show([generator_line(w, workers)])
        self.redraw_panels()

    def redraw_panels(self) -> None:
        """Thresholds of the plan shown: with no values yet in the plan view, the last run's
        verdicts in the others."""
        if self.view == "plan":
            plan, verdicts = self.upcoming, []
        else:
            plan, verdicts = self.plan or self.workspace.plan, self.verdicts
        rows = threshold_rows(verdicts, plan.thresholds if plan is not None else {})
        stop = plan.breakpoint if plan is not None else None
        title = "thresholds"
        if stop is not None and not rows:  # a breakpoint test: where it stops instead
            rows, title = stop_rows(stop.until), "stops when"
        pane = self.query_one("#thresholds-pane")
        if pane.border_title != title:
            pane.border_title = title
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
            self.query_one("#live-pane").border_title = plain(title)

    def _ended(self, update: RunFinished) -> None:
        self.loadtui.remove_cleanup(self._stop_run)
        record = update.record
        self.record = record
        self.state = "ended"
        self.loadtui.run_exit_code = exit_code(record)
        if record is None:
            self.loadtui.run_status = "✗ failed"
            self.note(f"run failed: {update.error}", style=style("bad", bold=True))
            self.notify(update.error or "the run failed", severity="error")
        else:
            failed = [v for v in record.thresholds if not v.ok]
            verdict = "thresholds ✗" if failed else "thresholds ✓"
            self.loadtui.run_status = f"■ {record.state} {display.clock(record.duration_s)}"
            self.note(f"{record.state} · {verdict}", style="bold")  # the folder: in results
            if update.error:
                self.note(f"run error: {update.error}", style=style("bad", bold=True))
            for note in record.notes:
                self.note(note, style="dim")
            self.verdicts = record.thresholds or self.verdicts
        results = self.query_one(ResultsView)
        results.border_title = results_title(record, len(self.flags))
        width = self.size.width - 4  # the pane's border and padding
        results.show(results_lines(record, update.run_dir, Path.cwd(), update.error, width))
        self.paused = False
        self.redraw()
        self.switch_view("results")

    def note(self, text: str, *, style: str = "") -> None:
        self.query_one(FlagLog).add_note(text, style=style)

    # -- keys -------------------------------------------------------------------------------
    def _stop_run(self) -> None:
        """On quit: stop the run and wait for its folder to be closed (bounded)."""
        live = self.live
        if live is not None and live.runner is not None:
            live.stop()
            live.runner.stop(wait=True, timeout=15)

    def action_stop(self) -> None:
        live = self.live
        if self.state not in ("starting", "running") or live is None:
            self.notify("no run to stop", severity="warning")
            return

        def answered(stop: bool | None) -> None:
            if stop and self.state in ("starting", "running"):
                self.state = "stopping"
                self.loadtui.run_status = "◌ stopping"
                live.stop()

        self.app.push_screen(
            ConfirmScreen(
                "Stop the run? What ran so far is kept (state: interrupted).",
                yes="stop",
                no="keep running",
            ),
            answered,
        )

    def _can_replan(self) -> bool:
        if self.state in BUSY:
            self.notify("the plan changes between runs, not during one", severity="warning")
            return False
        if self.workspace.plan is not None:
            self.notify("a prepared plan runs as given", severity="warning")
            return False
        return True

    def _choose(self, choice: PlanChoice) -> None:
        self.choice = choice
        self.loadtui.plan_choice = choice  # kept when the pane is opened again
        self.show_plan()

    def action_plan_type(self, step: int = 1) -> None:
        if self._can_replan():
            self._choose(self.choice.next_type(step))

    def action_peak(self) -> None:
        if not self._can_replan():
            return

        def chosen(value: str | None) -> None:
            if value:
                rps = float(value.strip().replace(",", "").replace("_", ""))
                self._choose(self.choice.with_peak(rps))

        current = self.upcoming
        shown = ""
        if current is not None and self.choice.peak_rps is not None:
            shown = f"{self.choice.peak_rps:g}"
        self.app.push_screen(
            PromptScreen(
                "Peak requests per second (the plan's stages are multiples of it)",
                value=shown,
                placeholder="e.g. 300",
                check=check_peak,
            ),
            chosen,
        )

    def action_duration(self) -> None:
        if not self._can_replan():
            return

        def chosen(value: str | None) -> None:
            if value:
                self._choose(self.choice.with_duration(value))

        self.app.push_screen(
            PromptScreen(
                "Length of the run (k6 style: 90s, 5m, 1h30m)",
                value=self.choice.duration or "",
                placeholder="e.g. 2m",
                check=check_duration,
            ),
            chosen,
        )

    def action_export(self) -> None:
        """The plan shown (or the one that ran) as a script teams can commit and run anywhere."""
        from loadtui.tui.export_choice import check_export, default_export, parse_export

        try:
            plan = (
                self.plan
                if self.state == "ended" and self.plan is not None
                else self.next_plan()[0]
            )
        except (ValueError, UserError) as exc:
            self.notify(f"nothing to export: {exc}", severity="warning")
            return

        def chosen(value: str | None) -> None:
            if not value:
                return
            from loadtui.export.files import write_export

            fmt, path = parse_export(value)
            try:
                written = write_export(fmt, plan, path, source=plan.name)
            except OSError as exc:
                self.notify(f"cannot write {path}: {exc.strerror or exc}", severity="error")
                return
            sizes = ", ".join(f"{p} ({p.stat().st_size:,} B)" for p in written)
            self.notify(f"wrote {sizes}", title=f"{fmt} export", timeout=8)
            self.note(f"exported {fmt}: {sizes}")

        self.app.push_screen(
            PromptScreen(
                "Export: FORMAT PATH (k6, locust or artillery)",
                value=default_export(plan),
                check=check_export,
            ),
            chosen,
        )

    def action_open_plan(self) -> None:
        if self.state in BUSY:
            self.notify("open a plan between runs", severity="warning")
            return

        def chosen(value: str | None) -> None:
            if not value:
                return
            from loadtui.plan import load_plan

            path = Path(value.strip()).expanduser()
            try:
                plan = load_plan(path)
            except UserError as exc:
                self.notify(str(exc), title="cannot open the plan", severity="error")
                return
            self.workspace.set_plan(plan, path)
            self.notify(f"{plan.name}: {plan.type} plan, {len(plan.stages)} stages; enter runs it")

        self.app.push_screen(
            PromptScreen("Plan file (YAML from `loadtui plan`)", value="", check=check_plan_path),
            chosen,
        )

    def action_latency_kind(self) -> None:
        self.corrected = not self.corrected
        series = self.corrected_series if self.corrected else self.service
        for key in LATENCY_ROWS:
            self.rows[key].reset(series[key])
        if self.last is not None:
            self.redraw()
        else:
            self._idle_line()

    def action_pause_view(self) -> None:
        self.paused = not self.paused
        if not self.paused:
            self.redraw()
        elif self.last is not None:
            self._set_title(f"{self._title} · paused view")

    def action_target(self) -> None:
        if self.state in BUSY:
            self.notify("change the target between runs", severity="warning")
            return

        def chosen(value: str | None) -> None:
            if value:
                self.workspace.set_target(value)

        current = self.target_url or self.workspace.target or DEMO_TARGET
        self.app.push_screen(
            PromptScreen("Target base URL", value=current, check=check_url), chosen
        )
