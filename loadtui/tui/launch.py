"""`loadtui` with no sub-command: check the arguments, open the TUI, clean up after it."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from loadtui.contracts import RunOptions, TestPlan
from loadtui.errors import UserError
from loadtui.resources import sample_log
from loadtui.tui.planning import PlanChoice, check_duration
from loadtui.tui.theme_choice import ThemeStore, UserConfig, initial_theme
from loadtui.tui.workspace import Workspace

if TYPE_CHECKING:
    from loadtui.tui.app import LoadtuiApp

SAMPLE_LOG = sample_log()  # packaged with loadtui, so found from any directory
# The sample log's own peak is a few requests per second: a plan at that rate shows nothing in
# a demo. Against the built-in target (knee ≈ 1,550 rps) this holds at 300 rps and spikes ×5
# to just under the knee, where queueing and 503s become visible.
DEMO_PEAK_RPS = 300.0
DEMO_DURATION = "2m"


def plan_choice_from_args(args: argparse.Namespace) -> PlanChoice:
    """What the Run pane plans: explicit flags win; the demo target gets a lively load.

    A bad --peak-rps or --duration is a UserError here (exit 2 before the TUI opens), with the
    same check the Run pane's prompts use."""
    peak = getattr(args, "peak_rps", None)
    duration = getattr(args, "duration", None)
    choice = PlanChoice()
    if peak is not None:
        if not peak > 0:
            raise UserError(f"--peak-rps must be positive (got {peak:g})")
        # `loadtui demo` passes its default as a value and says so (the screen tells them apart)
        choice = choice.with_peak(float(peak), getattr(args, "peak_source", "flag"))
    elif getattr(args, "target", None) is None:
        choice = replace(choice.with_peak(DEMO_PEAK_RPS, "demo"), duration=DEMO_DURATION)
    if duration is not None:
        problem = check_duration(str(duration))
        if problem:
            raise UserError(f"--duration: {problem}")
        choice = choice.with_duration(str(duration))
    return choice


def tui_run_options(**changes: object) -> RunOptions:
    """Run options for runs watched in the TUI: four windows a second, so the rows move; run
    folders in ./runs unless `out_dir` says otherwise."""
    return RunOptions.model_validate({"out_dir": Path("runs"), "interval_s": 0.25, **changes})


def workspace_from_args(args: argparse.Namespace) -> Workspace:
    """What to open: --model, and/or --log (with neither, `loadtui` opens the wizard)."""
    target = getattr(args, "target", None)
    if target is not None and not str(target).startswith(("http://", "https://")):
        raise UserError(f"--target {target!r} is not an http(s) URL; e.g. http://127.0.0.1:8080")
    ws = Workspace(target=target.rstrip("/") if target else None)
    model = getattr(args, "model", None)
    logs = getattr(args, "log", None)
    if model:
        from loadtui.profile.pipeline import load_model

        ws.model_path = Path(model)
        if not ws.model_path.is_file():
            raise UserError(f"model file not found: {model}; make one with `loadtui profile`")
        ws.model = load_model(ws.model_path)
    if logs:
        missing = [p for p in logs if not Path(p).is_file()]
        if missing:
            raise UserError(f"log file not found: {', '.join(missing)}; check the path")
        ws.log_paths = [Path(p) for p in logs]
    return ws


def check_theme(name: str | None) -> None:
    if name is None:
        return
    from loadtui.tui.themes import load_themes

    known = sorted(load_themes())
    if name not in known:
        raise UserError(f"unknown theme {name!r}; choose one of: {', '.join(known)}")


def kept_theme(flag: str | None, store: ThemeStore) -> str:
    """`--theme` (checked: exit 2 on an unknown name), else the theme kept from last time."""
    check_theme(flag)
    from loadtui.tui.themes import DEFAULT_THEME, load_themes

    return initial_theme(flag, store.load(), list(load_themes()), DEFAULT_THEME)


def build_app(
    args: argparse.Namespace, *, theme_store: ThemeStore | None = None, **options: object
) -> LoadtuiApp:
    """The app `loadtui` opens for `args` (checked first: a UserError leaves nothing started).
    `options` change its RunOptions (tests: one worker, a runs folder of their own);
    `theme_store` keeps the theme (default: the user's config file)."""
    store = theme_store if theme_store is not None else UserConfig()
    theme = kept_theme(getattr(args, "theme", None), store)
    wizard = build_wizard(args, theme, store, **options)
    if wizard is not None:
        return wizard
    choice = plan_choice_from_args(args)
    workspace = workspace_from_args(args)
    from loadtui.tui.app import LoadtuiApp

    return LoadtuiApp(
        workspace,
        theme_name=theme,
        run_options=tui_run_options(**{"start_demo_target": workspace.target is None, **options}),
        plan_choice=choice,
        notice=getattr(args, "notice", None),
        theme_store=store,
    )


def build_wizard(
    args: argparse.Namespace, theme: str, store: ThemeStore, **options: object
) -> LoadtuiApp | None:
    """The guided wizard when `args` open it (see `wizard_launch`), resumed from its project."""
    from loadtui.tui import wizard_launch as wl

    found = wl.wizard_project(args, Path.cwd())
    if found is None:
        return None
    project, folder = found
    project = wl.with_flags(project, args)
    from loadtui.tui.themes import load_themes
    from loadtui.tui.wizard_app import WizardApp

    # --theme, else the project's own theme, else the one kept in the user's config
    theme = initial_theme(getattr(args, "theme", None), project.theme, list(load_themes()), theme)

    run_options = tui_run_options(**{"out_dir": folder / "runs", **options})
    project = wl.resumed(project, folder, has_advisor="advisor" in WizardApp.MODES)
    demo_url = getattr(args, "target", None) if getattr(args, "wizard", None) == "demo" else None
    return WizardApp(
        wl.wizard_workspace(project, folder, run_options.out_dir, demo_url),
        project,
        folder,
        demo_url=demo_url,
        theme_name=theme,
        run_options=run_options,
        notice=getattr(args, "notice", None),
        theme_store=store,
    )


def launch(args: argparse.Namespace) -> int:
    app = build_app(args)
    try:
        code = app.run()
    finally:
        app.run_cleanups()
    return int(code or 0)


def launch_plan(
    plan: TestPlan, options: RunOptions, *, source: Path | None = None, theme: str | None = None
) -> int:
    """`loadtui run PLAN` on a terminal: the Run pane streams the plan at once; the exit code
    is the run's (0, 99, 1, 130) as in a headless run."""
    store = UserConfig()
    theme = kept_theme(theme, store)
    from loadtui.tui.app import LoadtuiApp

    workspace = Workspace(target=plan.target, runs_dir=options.out_dir)
    workspace.set_plan(plan, source)
    app = LoadtuiApp(
        workspace,
        theme_name=theme,
        run_options=options.model_copy(update={"interval_s": min(options.interval_s, 0.25)}),
        start_run=True,
        exit_with_run=True,
        theme_store=store,
    )
    try:
        code = app.run()
    finally:
        app.run_cleanups()
    return int(code or 0)
