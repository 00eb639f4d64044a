"""The guided wizard: the loadtui app with a step bar, next/back keys and a project file.

collect › profile › plan › run › forecast › advise › export, over the same panes and services
as the free-roaming app: each step shows a pane (its own for collect, advise without an
Advisor, and export) and drives it only through the workspace's intents, the app's plan choice
and the panes' public actions. Results are learnt from the messages the panes post (a model
loaded, a run finished, a forecast fitted bubble up to the app) and recorded in the project
(`wizard_flow.Project`), saved atomically on every change so quitting and reopening resumes.
The rules (what completes a step, where next and back go) live in `wizard_flow`, without
Textual.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen

from loadtui.errors import UserError
from loadtui.live import RunFinished
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.messages import ForecastReady, LiveUpdate
from loadtui.tui.planning import PlanChoice, make_plan
from loadtui.tui.screens.advise_step import AdviseStepScreen
from loadtui.tui.screens.collect import CollectScreen
from loadtui.tui.screens.export_step import ExportStepScreen
from loadtui.tui.screens.plan_form import PlanForm, PlanFormScreen
from loadtui.tui.widgets.wizard.step_bar import StepBar
from loadtui.tui.wizard_flow import (
    DEMO_PEAK_RPS,
    MODEL_FILE,
    PLAN_FILE,
    PROJECT_DIR,
    STEPS,
    PlanStep,
    Project,
    Step,
    back_step,
    blocker,
    check_logs,
    digest,
    done_steps,
    forget_after,
    index,
    next_step,
    resolved,
    save_project,
    stored,
)
from loadtui.tui.wizard_messages import LogPicked, ScriptExported
from loadtui.tui.workspace import Workspace, WorkspaceChange

if TYPE_CHECKING:
    from loadtui.contracts import TestPlan
    from loadtui.target.process import TargetProcess

PLAN_HINT = "plan: l type · r peak · d length · w workload/target · n builds it"
STEP_HINTS: dict[Step, str] = {
    "collect": "pick a log: ↑↓ and enter (/ types a path)",
    "profile": "personas: k re-cluster · r rename · x exclude · n when they look right",
    "plan": PLAN_HINT,
    "run": "enter starts the run; n once it finished",
    "forecast": "the twin of your run: w what-if · v views · n when it is drawn",
    "advise": "a accept · r reject · enter writes the accepted edits · n when done",
    "export": "enter on a format writes the plan as a script",
}


def choice_of(plan: PlanStep) -> PlanChoice:
    """The Run pane's plan choice for the plan step's stored choices."""
    choice = PlanChoice(type=plan.type, duration=plan.duration, workload=plan.workload)
    if plan.peak_rps is None:
        return choice
    default = plan.target_kind == "demo" and plan.peak_rps == DEMO_PEAK_RPS
    return choice.with_peak(plan.peak_rps, "demo" if default else "typed")


def plan_step_of(choice: PlanChoice, current: PlanStep) -> PlanStep:
    return current.model_copy(
        update={
            "type": choice.type,
            "duration": choice.duration or current.duration,
            "peak_rps": choice.peak_rps,
            "workload": choice.workload,
        }
    )


class WizardApp(LoadtuiApp):
    # show=False: the step bar shows these on every pane (the footers are full at 80 columns);
    # ? and the command palette list them
    BINDINGS = [
        Binding(
            "n",
            "wizard_next",
            "next",
            show=False,
            tooltip="wizard: the next step (once this is done)",
        ),
        Binding(
            "backspace",
            "wizard_back",
            "back",
            key_display="⌫",
            show=False,
            tooltip="wizard: the step before",
        ),
        Binding(
            "w",
            "plan_form",
            "workload",
            show=False,
            tooltip="wizard plan step: workload model and target",
        ),
    ]

    wizard_step: reactive[str] = reactive("collect", repaint=False)
    wizard_done: reactive[tuple[str, ...]] = reactive((), repaint=False)

    def __init__(
        self,
        workspace: Workspace,
        project: Project,
        folder: Path,
        *,
        demo_url: str | None = None,
        **options: Any,
    ) -> None:
        """`project` as loaded (or new) for `folder`; `demo_url` a demo target already running
        (`loadtui demo` started it), used when the plan's target is the demo."""
        self.DEFAULT_MODE = self.mode_of(project.step)  # type: ignore[misc]
        self.project = project
        self.folder = folder
        self.demo_url = demo_url
        self._started: dict[str, TargetProcess] = {}  # targets the wizard started, by kind
        self._advice_skip_asked = False
        self._going = False  # the wizard itself is switching panes
        options.setdefault("plan_choice", choice_of(project.plan))
        super().__init__(workspace, **options)
        self.add_mode("collect", lambda: CollectScreen(folder))
        self.add_mode("advise-step", AdviseStepScreen)
        self.add_mode("export-step", lambda: ExportStepScreen(self))
        self.wizard_step = project.step
        self._refresh_done()

    # -- where each step is shown ---------------------------------------------------------------
    @property
    def has_advisor(self) -> bool:
        return "advisor" in self.MODES

    def mode_of(self, step: Step) -> str:
        return {
            "collect": "collect",
            "profile": "personas",
            "plan": "run",
            "run": "run",
            "forecast": "forecast",
            "advise": "advisor" if "advisor" in self.MODES else "advise-step",
            "export": "export-step",
        }[step]

    def _screen_changed(self, screen: Screen[Any]) -> None:
        """Every pane shows the step bar while the wizard runs (dialogs and help do not)."""
        if isinstance(screen, ModalScreen) or screen.query(StepBar):
            return
        try:
            screen.mount(StepBar(id="step-bar"), before=0)
        except Exception:  # not composed yet: after its first refresh
            screen.call_after_refresh(self._screen_changed, screen)

    def _mode_changed(self, mode: str) -> None:
        """A pane's own key led to the next step's pane (enter on Personas plans, f on a run's
        results forecasts it, a advises on it): the wizard follows when this step is done."""
        if self._going:
            return
        step = self.project.step
        following = STEPS[index(step) + 1] if index(step) + 1 < len(STEPS) else None
        if following is None or self.mode_of(following) != mode:
            return
        if blocker(self.project, self.folder, has_advisor=self.has_advisor) is None:
            self.project = self.project.model_copy(update={"step": following})
            self.save()
            self.wizard_step = following

    def _refresh_done(self) -> None:
        done = done_steps(self.project, self.folder, has_advisor=self.has_advisor)
        self.wizard_done = tuple(sorted(done))

    def save(self) -> None:
        self.project = self.project.model_copy(
            update={"plan": plan_step_of(self.plan_choice, self.project.plan)}
        )
        save_project(self.folder, self.project)
        self._refresh_done()

    def _update(self, **changes: Any) -> None:
        self.project = self.project.model_copy(update=changes)
        self.save()

    def keep_theme(self, name: str) -> None:
        """A theme chosen with ctrl+t (or the palette) is kept in the project file as well as
        in the user's config: reopening this project shows it in that theme."""
        self._update(theme=name)
        super().keep_theme(name)

    # -- next and back --------------------------------------------------------------------------
    async def on_mount(self) -> None:
        # Textual also calls LoadtuiApp.on_mount (handlers run along the MRO): no super() here
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self.mode_change_signal.subscribe(self, self._mode_changed)
        self._screen_changed(self.screen)
        await self.enter(self.project.step, first=True)

    async def action_wizard_next(self) -> None:
        step = self.project.step
        if step == "plan" and not await self.build_plan():
            return
        if step == "advise":
            self.note_advice()
            if self._advice_skip_asked and not self.project.advice_accepted:
                self._update(advice_skipped=True)
        new, why = next_step(self.project, self.folder, has_advisor=self.has_advisor)
        if why:
            if step == "advise" and not self._advice_skip_asked:
                self._advice_skip_asked = True
                why += " (n again skips the advice)"
            self.notify(why, severity="warning" if new == step else "information")
            return
        await self.go(new)

    async def action_wizard_back(self) -> None:
        await self.go(back_step(self.project))

    async def go(self, step: Step) -> None:
        self._advice_skip_asked = False
        self.project = self.project.model_copy(update={"step": step})
        self.save()
        self.wizard_step = step
        await self.enter(step)

    async def enter(self, step: Step, *, first: bool = False) -> None:
        """Show the step's pane and hand it what it needs (only through intents)."""
        ws = self.workspace
        if step in ("collect", "profile", "plan") and ws.plan is not None:
            ws.set_plan(None)  # the Run pane plans from the model again (its keys work)
        if step == "run":
            if not await self.use_plan():
                return
        elif step == "forecast" and self.project.last_run_dir:
            run_dir = resolved(self.folder, self.project.last_run_dir)
            if ws.forecast_runs != [run_dir]:
                ws.forecast([run_dir])
        elif step == "advise" and self.has_advisor and self.project.last_run_dir:
            advise = getattr(ws, "advise", None)
            if advise is not None and self.project.plan_path:
                advise(
                    resolved(self.folder, self.project.last_run_dir),
                    resolved(self.folder, self.project.plan_path),
                )
        mode = self.mode_of(step)
        if mode != self.current_mode:
            self._going = True
            try:
                await self.switch_mode(mode)
            finally:
                self._going = False
        elif not first:
            self._screen_changed(self.screen)
        self.clear_notifications()  # one step's hint at a time: stacked ones hid the pane
        self.notify(STEP_HINTS[step], title=f"step {step}", timeout=6)

    # -- results the panes report ---------------------------------------------------------------
    def _workspace_changed(self, change: WorkspaceChange) -> None:
        super()._workspace_changed(change)
        ws = self.workspace
        if change.kind == "source":
            self.project = forget_after(self.project, "collect")
            self._update(log_paths=[stored(self.folder, p) for p in ws.log_paths])
        elif change.kind == "model" and ws.model is not None:
            path = self.folder / PROJECT_DIR / MODEL_FILE
            from loadtui.profile.pipeline import save_model

            path.parent.mkdir(parents=True, exist_ok=True)
            save_model(ws.model, path)
            self.project = forget_after(self.project, "profile")
            self._update(model_path=stored(self.folder, path), k=ws.model.clustering.k)
        elif change.kind == "personas":
            self.project = forget_after(self.project, "profile")
            self._update(
                renames=dict(ws.renames),
                excluded=sorted(ws.excluded),
                kept_bots=sorted(ws.kept_bots),
            )

    @on(LogPicked)
    def _log_picked(self, message: LogPicked) -> None:
        """A pick counts only once it reads (`check_logs`): a file of junk, a binary or an empty
        file keeps the wizard at collect with the reader's reason under the list."""
        paths = list(message.paths)
        if self.project.step != "collect":
            self.workspace.open_logs(paths)
            return
        names = ", ".join(p.name for p in paths)
        self._show_pick(f"reading {names}…", error=False)
        self._check_pick(paths)

    @work(exclusive=True, group="log-check")
    async def _check_pick(self, paths: list[Path]) -> None:
        """Read the picked logs off the event loop (a big log takes seconds; keys still work,
        a newer pick cancels this one)."""
        check = await asyncio.to_thread(check_logs, paths)
        if not check.usable:
            self._show_pick(check.error or "", error=True)
            return
        self._show_pick("", error=False)
        self.workspace.open_logs(paths)
        if self.project.step == "collect":
            await self.action_wizard_next()
        if check.lines_bad:
            self.notify(check.summary(paths), title="some lines rejected", severity="warning")

    def _show_pick(self, text: str, *, error: bool) -> None:
        """Shown on the collect pane (it cleans it); a toast when another pane is up."""
        screen = self.screen
        if isinstance(screen, CollectScreen):
            screen.show_pick(text, error=error)
        elif error:
            self.notify(text, title="cannot use this log", severity="error")

    @on(LiveUpdate)
    def _run_update(self, message: LiveUpdate) -> None:
        update = message.update
        if not isinstance(update, RunFinished) or update.record is None or not update.run_dir:
            return
        self.project = forget_after(self.project, "run")
        self._update(
            last_run_dir=stored(self.folder, update.run_dir), last_run_state=update.record.state
        )
        if self.project.step in ("plan", "run"):
            self.notify("the run finished: n goes on to its forecast", timeout=8)

    @on(ForecastReady)
    def _forecast_ready(self, message: ForecastReady) -> None:
        runs = [stored(self.folder, p) for p in self.workspace.forecast_runs]
        self.project = forget_after(self.project, "forecast")
        self._update(forecast_runs=runs, forecast_done=True)

    @on(ScriptExported)
    def _exported(self, message: ScriptExported) -> None:
        paths = [stored(self.folder, p) for p in message.paths]
        self._update(exported=[*self.project.exported, *paths])

    def note_advice(self) -> None:
        """Accepted advice is a service result on disk: the Advisor writes the accepted edits
        into the plan file (with a .bak), so a plan file that differs from the one the wizard
        wrote holds them. Its digest is kept, and exports use that file."""
        if not self.project.plan_path:
            return
        now = digest(resolved(self.folder, self.project.plan_path))
        if now is not None and now != self.project.plan_digest:
            self._update(plan_digest=now, advice_accepted=[*self.project.advice_accepted, now[:16]])
            self.notify("the accepted advice is in the plan file; export writes it")

    def _plan_written(self, path: Path) -> None:
        self._update(plan_path=stored(self.folder, path), plan_digest=digest(path))

    # -- the plan step: its form, the target, the plan file ---------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "plan_form":
            return self.project.step == "plan" and self.current_mode == "run"
        return super().check_action(action, parameters)

    def action_plan_form(self) -> None:
        plan = self.project.plan
        current = PlanForm(plan.workload, plan.target_kind, plan.target_url)

        async def chosen(form: PlanForm | None) -> None:
            if form is None:
                return
            self.plan_choice = replace(self.plan_choice, workload=form.workload)
            self.project = self.project.model_copy(
                update={
                    "plan": self.project.plan.model_copy(
                        update={
                            "workload": form.workload,
                            "target_kind": form.target_kind,
                            "target_url": form.target_url,
                        }
                    )
                }
            )
            self.save()
            url = await self.ensure_target() if form.target_kind != "demo" else self.demo_url
            self.workspace.set_target(url)  # the Run pane re-plans with the new choice

        self.push_screen(PlanFormScreen(current), chosen)

    async def ensure_target(self) -> str | None:
        """The target's URL, starting the demo or the stand-in when the wizard must (in a
        thread: a start takes a second or two); None with a toast when it cannot."""
        plan = self.project.plan
        if plan.target_kind == "url":
            return plan.target_url or self.workspace.target
        if plan.target_kind == "demo" and self.demo_url:
            return self.demo_url
        key: str = plan.target_kind
        if key == "stand_in":
            if not self.project.model_path:
                self.notify("a stand-in needs the model: finish the profile step", severity="error")
                return None
            key = f"stand_in:{self.project.model_path}"
        proc = self._started.get(key)
        if proc is not None and proc.alive():
            return proc.url
        from loadtui.target.process import TargetError, TargetProcess

        model = resolved(self.folder, self.project.model_path or "") if "stand_in" in key else None
        self.notify("starting the target on 127.0.0.1…", timeout=3)
        try:
            proc = await asyncio.to_thread(lambda: TargetProcess(model=model))
        except (TargetError, UserError, OSError) as exc:
            self.notify(f"cannot start the target: {exc}", severity="error")
            return None
        self._started[key] = proc
        self.add_cleanup(proc.stop)
        return proc.url

    async def build_plan(self) -> bool:
        """The plan step's result: the kept personas planned with the Run pane's choice for
        the target, saved as .loadtui/plan.yaml (later results stay when it is unchanged)."""
        from loadtui.plan.yaml_io import save_plan

        try:
            model = self.workspace.planned_model()
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return False
        url = await self.ensure_target()
        if url is None:
            return False
        try:
            plan = make_plan(model, self.plan_choice, url)
        except UserError as exc:
            self.notify(f"cannot plan this: {exc}", severity="warning")
            return False
        path = self.folder / PROJECT_DIR / PLAN_FILE
        old = path.read_bytes() if path.is_file() else b""
        path.parent.mkdir(parents=True, exist_ok=True)
        save_plan(plan, path)
        if path.read_bytes() != old:
            self.project = forget_after(self.project, "plan")
        self._plan_written(path)
        return True

    async def use_plan(self) -> bool:
        """The run step runs the plan file as given (so advice edits and exports use it),
        pointed at the target as it is now (a demo started again has a new port)."""
        from loadtui.plan import load_plan
        from loadtui.plan.yaml_io import save_plan

        if not self.project.plan_path:
            return False
        path = resolved(self.folder, self.project.plan_path)
        try:
            plan: TestPlan = load_plan(path)
        except UserError as exc:
            self.notify(str(exc), severity="error")
            return False
        url = await self.ensure_target()
        if url is None:
            return False
        if plan.target != url:
            plan = plan.model_copy(update={"target": url})
            save_plan(plan, path)
            self._plan_written(path)
        self.workspace.set_plan(plan, path)
        return True

    # -- the export step's writer (ExportStepScreen calls these) -----------------------------------
    def export_plan(self) -> TestPlan:
        from loadtui.plan import load_plan

        if self.project.plan_path:
            return load_plan(resolved(self.folder, self.project.plan_path))
        if self.project.last_run_dir:
            return load_plan(resolved(self.folder, self.project.last_run_dir) / "plan.yaml")
        raise ValueError("no plan yet: go back to the plan step")

    def default_path(self, fmt: str) -> str:
        from loadtui.export.ci import WORKFLOW_PATH
        from loadtui.tui.export_choice import default_export

        if fmt == "ci":
            return WORKFLOW_PATH
        if fmt not in ("k6", "locust", "artillery"):
            raise ValueError(f"unknown format {fmt}")
        return default_export(self.export_plan(), fmt).partition(" ")[2]  # type: ignore[arg-type]

    def shown_path(self, path: Path) -> str:
        """A written file as the user finds it: relative to the project folder when inside."""
        return stored(self.folder, path)

    def write(self, fmt: str, path: Path) -> list[Path]:
        """Write the export (relative paths land in the project folder): the script with the
        same writer as `e` on the Run pane, or a CI workflow with the plan it runs."""
        from loadtui.export.files import FORMATS, write_export

        out = path if path.is_absolute() else self.folder / path
        out.parent.mkdir(parents=True, exist_ok=True)
        plan = self.export_plan()
        if fmt == "ci":
            from loadtui.export.ci import CiLayout, workflow_text
            from loadtui.plan.yaml_io import save_plan

            layout = CiLayout()
            out.write_text(workflow_text(layout), encoding="utf-8")
            plan_out = self.folder / layout.folder / f"{plan.type}.yaml"
            plan_out.parent.mkdir(parents=True, exist_ok=True)
            save_plan(plan, plan_out)
            return [out, plan_out]
        kind = next((f for f in FORMATS if f == fmt), None)
        if kind is None:
            raise ValueError(f"unknown format {fmt}")
        return write_export(kind, plan, out, source=plan.name)
