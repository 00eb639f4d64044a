"""Forecast pane: the digital twin of one or more runs, drawn, with a what-if field.

Which runs: the ones the workspace names (`Workspace.forecast`: from the Run pane's results
with `f`, or the History pane's picked runs with `f`), else the newest run in the index. The
fit (`analyze.forecast.build_forecast`, the same call as `loadtui forecast`) takes seconds, so
it runs in a thread worker; the what-if answers come from the fitted twin at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual_plotext import PlotextPlot

from loadtui.contracts import Forecast
from loadtui.safe_text import clean_text, plain
from loadtui.tui.forecast_view import (
    VIEWS,
    Measured,
    anomaly_lines,
    check_load,
    draw,
    headline,
    measured,
    parse_load,
    usl_line,
    what_if_text,
)
from loadtui.tui.messages import ForecastFailed, ForecastReady
from loadtui.tui.palette import style
from loadtui.tui.widgets.navbar import NavBar
from loadtui.tui.workspace import WorkspaceChange

if TYPE_CHECKING:
    from loadtui.analyze.twin import Twin
    from loadtui.tui.app import LoadtuiApp


class ForecastScreen(Screen[None]):
    AUTO_FOCUS = None  # keys go to the pane; w puts the cursor in the what-if field
    BINDINGS = [
        Binding("v", "view", "view", tooltip="curve · actual vs predicted · anomalies"),
        Binding("w", "what_if", "what-if", tooltip="type a load, read predicted p95 and P(fail)"),
        Binding("r", "refit", "refit", tooltip="fit the twin again (after new runs)"),
        Binding("escape", "leave_input", "back", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.forecast: Forecast | None = None
        self.twin: Twin | None = None
        self.points: list[Measured] = []
        self.view = VIEWS[0]
        self.fitted_for: tuple[Path, ...] | None = None

    @property
    def loadtui(self) -> LoadtuiApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield NavBar("forecast", id="navbar")
        with Vertical(id="forecast-pane", classes="pane"):
            yield Static("", id="forecast-head")
            yield PlotextPlot(id="forecast-plot")
            yield Static("", id="forecast-anomalies")
        with Horizontal(id="whatif-bar"):
            field = Input(placeholder="what if: load req/s ⏎", id="whatif")
            field.can_focus = False  # only w puts keys there (else it takes every key)
            yield field
            yield Static("", id="whatif-answer")
        yield Footer(compact=True)  # every key of the pane fits 80 columns

    def on_mount(self) -> None:
        self.query_one("#forecast-anomalies").display = False
        self.loadtui.workspace_changed.subscribe(self, self.on_workspace_change)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.redraw())  # colours
        self.refit_if_needed()

    def on_screen_resume(self) -> None:
        self.refit_if_needed()

    def on_workspace_change(self, change: WorkspaceChange) -> None:
        if change.kind == "forecast" and self.is_current:
            self.refit_if_needed()

    # -- which runs, and the fit --------------------------------------------------------------
    def wanted_runs(self) -> tuple[Path, ...]:
        chosen = tuple(self.loadtui.workspace.forecast_runs)
        if chosen:
            return chosen
        from loadtui.store.history import index_path, list_runs

        newest = list_runs(index_path(self.loadtui.run_options.out_dir), limit=1)
        return (Path(newest[0].path),) if newest and newest[0].path else ()

    def refit_if_needed(self, *, force: bool = False) -> None:
        runs = self.wanted_runs()
        if not runs:
            self.query_one(PlotextPlot).display = False
            self._title("Forecast · no runs yet")
            self._head(
                Text("Run a stress or breakpoint plan (Run pane, 2), then f on its results.")
            )
            return
        if runs == self.fitted_for and not force:
            return
        self.fitted_for = runs
        self._title(f"Forecast · fitting {', '.join(p.name for p in runs)}…")
        self._head(Text("fitting the digital twin (a few seconds)…", style="dim"))
        self.query_one("#forecast-pane").loading = True
        self._fit(runs)

    @work(thread=True, exclusive=True, group="forecast")
    def _fit(self, runs: tuple[Path, ...]) -> None:
        from loadtui.analyze.forecast import plan_slo, report
        from loadtui.analyze.queueing import arrival_cv2
        from loadtui.analyze.twin import TwinError, fit_twin
        from loadtui.plan import load_plan
        from loadtui.store.runs import load_run, read_flags

        try:
            loaded = [load_run(p) for p in runs]
            windows = [ws for _, ws in loaded]
            arrivals = [rec.environment.get("arrivals", "") for rec, _ in loaded]
            plan = None
            try:
                plan = load_plan(runs[0] / "plan.yaml")
            except Exception:  # an imported run's plan may say little: the SLO default then
                plan = None
            twin = fit_twin(windows, slo_p95_ms=plan_slo(plan), arrival_cv2=arrival_cv2(arrivals))
            forecast = report(
                twin,
                [p.name for p in runs],
                windows,
                flags_by_run=[read_flags(p) for p in runs],
            )
        except (TwinError, OSError, ValueError) as exc:
            self.post_message(ForecastFailed(f"cannot forecast: {exc}"))
            return
        self.post_message(ForecastReady(forecast, twin, measured(windows)))

    @on(ForecastReady)
    def _ready(self, message: ForecastReady) -> None:
        self.query_one("#forecast-pane").loading = False
        self.forecast, self.twin, self.points = message.forecast, message.twin, message.points
        self._title(f"Forecast · {', '.join(message.forecast.runs)}")
        self.redraw()

    @on(ForecastFailed)
    def _failed(self, message: ForecastFailed) -> None:
        self.query_one("#forecast-pane").loading = False
        self.forecast = self.twin = None
        self.query_one(PlotextPlot).display = False  # nothing to draw: no empty frame
        self._title("Forecast · no fit")
        self._head(Text(message.reason, style=style("bad")))
        self.notify(message.reason, severity="error")

    # -- drawing ------------------------------------------------------------------------------
    def _title(self, text: str) -> None:
        self.query_one("#forecast-pane").border_title = plain(text)  # run ids: imported names

    def _head(self, *lines: Text) -> None:
        self.query_one("#forecast-head", Static).update(Text("\n").join(map(clean_text, lines)))

    def redraw(self) -> None:
        f = self.forecast
        if f is None:
            return
        notes = [plain(n, style=style("warn")) for n in f.notes[:1]]
        self._head(headline(f), usl_line(f), *notes)
        plot = self.query_one(PlotextPlot)
        anomalies = self.query_one("#forecast-anomalies", Static)
        plot.display = self.view != "anomalies"
        anomalies.display = self.view == "anomalies"
        if self.view == "anomalies":
            anomalies.update(Text("\n").join(map(clean_text, anomaly_lines(f))))
            return
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        draw(plt, f, self.points, self.view)
        plot.refresh()

    # -- keys ---------------------------------------------------------------------------------
    def action_view(self) -> None:
        self.view = VIEWS[(VIEWS.index(self.view) + 1) % len(VIEWS)]
        self.notify(f"view: {self.view}")
        self.redraw()

    def action_what_if(self) -> None:
        field = self.query_one("#whatif", Input)
        field.can_focus = True
        field.focus()

    def action_leave_input(self) -> None:
        self.query_one("#whatif", Input).can_focus = False
        self.set_focus(None)

    def action_refit(self) -> None:
        self.refit_if_needed(force=True)

    @on(Input.Submitted, "#whatif")
    def _what_if(self, event: Input.Submitted) -> None:
        answer = self.query_one("#whatif-answer", Static)
        problem = check_load(event.value)
        if problem is not None:
            answer.update(Text(problem, style=style("bad")))
            return
        if self.twin is None:
            answer.update(Text("no forecast yet", style=style("bad")))
            return
        from loadtui.analyze.forecast import point

        answer.update(what_if_text(point(self.twin.predict(parse_load(event.value)))))

    @property
    def what_if_answer(self) -> Any:
        return self.query_one("#whatif-answer", Static).render()
