"""The loadtui app: panes as modes (1 Personas, 2 Run), a shared workspace, themes, help."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.reactive import reactive
from textual.screen import Screen
from textual.signal import Signal

from loadtui.contracts import RunOptions
from loadtui.live import EXIT_INTERRUPTED, Phase
from loadtui.safe_text import clean, clean_lines
from loadtui.tui import palette
from loadtui.tui.command_palette import LoadtuiCommands
from loadtui.tui.planning import PlanChoice
from loadtui.tui.screens.advisor import AdvisorScreen
from loadtui.tui.screens.forecast import ForecastScreen
from loadtui.tui.screens.help import HelpScreen, collect_keys
from loadtui.tui.screens.history import HistoryScreen
from loadtui.tui.screens.modals import ConfirmScreen
from loadtui.tui.screens.personas import PersonasScreen
from loadtui.tui.screens.run import RunScreen
from loadtui.tui.screens.too_small import TooSmallScreen, too_small
from loadtui.tui.theme_choice import ThemeStore, next_theme
from loadtui.tui.themes import DEFAULT_THEME, load_themes
from loadtui.tui.workspace import Workspace, WorkspaceChange


def start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker while sys.stderr is still the real one.

    Textual replaces sys.stderr with a capture whose fileno() is -1 while the app runs; the
    engine spawns its workers from inside the app, and the tracker started lazily then would
    be handed fd -1 ("bad value(s) in fds_to_keep").
    """
    from multiprocessing import resource_tracker

    resource_tracker.ensure_running()


class LoadtuiApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "loadtui"
    # Textual's own entries (keys, screenshot, quit) plus every loadtui action with a key
    COMMANDS = App.COMMANDS | {LoadtuiCommands}
    MODES: ClassVar[dict[str, str | Callable[[], Screen[Any]]]] = {
        "personas": PersonasScreen,
        "run": RunScreen,
        "forecast": ForecastScreen,
        "advisor": AdvisorScreen,
        "history": HistoryScreen,
    }
    DEFAULT_MODE = "personas"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "pane('personas')", "Personas", show=False, tooltip="Personas pane"),
        Binding("2", "pane('run')", "Run", show=False, tooltip="Run pane"),
        Binding("3", "pane('forecast')", "Forecast", show=False, tooltip="Forecast pane"),
        Binding("4", "pane('advisor')", "Advisor", show=False, tooltip="Advisor pane: advice"),
        Binding("5", "pane('history')", "History", show=False, tooltip="History pane: runs"),
        Binding("question_mark", "help", "help", key_display="?", tooltip="this list of keys"),
        Binding(
            "ctrl+t",
            "cycle_theme",
            "theme",
            show=False,  # on every pane: ? and the command palette list it, the footer has no room
            tooltip="next theme: dark, light, high-contrast (kept for next time)",
        ),
        Binding("q", "quit", "quit", tooltip="quit (asks first while a test runs, then stops it)"),
    ]

    # only the nav bars show these, and they redraw themselves: no whole-screen repaint
    source_label: reactive[str] = reactive("", repaint=False)
    run_status: reactive[str] = reactive("", repaint=False)

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        theme_name: str | None = None,
        run_options: RunOptions | None = None,
        plan_choice: PlanChoice | None = None,
        start_run: bool = False,
        exit_with_run: bool = False,
        notice: str | None = None,
        theme_store: ThemeStore | None = None,
    ) -> None:
        """`run_options` say how the Run pane runs (workers, transport, interval, runs folder,
        whether to start the demo target); `plan_choice` what it plans from the model.
        `start_run` opens on the Run pane and starts a run at once (`loadtui run PLAN`, the
        benchmark); `exit_with_run` makes the app's return code the last run's (0, 99, 1, 130).
        `notice` is shown once the app is up (`loadtui demo`: the port it had to change).
        `theme_store` keeps a theme chosen with ctrl+t for the next session (none: not kept)."""
        super().__init__()
        self.workspace = workspace or Workspace()
        self.run_options = run_options or RunOptions(
            out_dir=self.workspace.runs_dir, interval_s=0.25
        )
        self.plan_choice = plan_choice or PlanChoice()
        self.start_run = start_run
        self.exit_with_run = exit_with_run
        self.run_exit_code = 0  # set by the Run pane when a run ends
        self.run_phase: Phase = "idle"  # set by the Run pane: q asks first while a run goes on
        self.notice = notice
        self._asking_to_quit = False
        self.workspace_changed: Signal[WorkspaceChange] = Signal(self, "workspace_changed")
        self.workspace.listeners.append(self._workspace_changed)
        self._cleanups: list[Callable[[], None]] = []
        start_resource_tracker()
        self.theme_store = theme_store
        self.loadtui_themes = list(load_themes().values())
        for theme in self.loadtui_themes:
            self.register_theme(theme)
        wanted = theme_name or DEFAULT_THEME
        if wanted in self.available_themes:
            self.theme = wanted
        palette.use(self.current_theme)
        self.source_label = self.workspace.source_name

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast (screens' and widgets' `notify` lands here): its words often quote a
        path, a route or an error from outside, so it is cleaned and never parsed as markup."""
        text, head = clean_lines(message), clean(title)
        super().notify(text, title=head, severity=severity, timeout=timeout, markup=False)

    def _workspace_changed(self, change: WorkspaceChange) -> None:
        self.source_label = self.workspace.source_name
        self.workspace_changed.publish(change)

    async def on_mount(self) -> None:
        self.check_size()
        if self.notice:
            self.notify(self.notice, timeout=10)
        if self.start_run:
            await self.switch_mode("run")
            screen = self.screen
            if isinstance(screen, RunScreen):
                screen.action_start()

    # -- themes -----------------------------------------------------------------------------
    def watch_theme(self, name: str) -> None:
        """Verdict colours follow the theme (see `palette`); panes that drew Rich text with
        the old colours redraw through `theme_changed_signal`."""
        palette.use(self.current_theme)

    def action_cycle_theme(self) -> None:
        self.action_set_theme(next_theme([t.name for t in self.loadtui_themes], self.theme))

    def action_set_theme(self, name: str) -> None:
        """Switch to `name` and keep it for the next session (the theme store)."""
        if name not in self.available_themes:
            return
        self.theme = name
        self.keep_theme(name)
        self.notify(f"theme: {name}", timeout=2)

    def keep_theme(self, name: str) -> None:
        """Keep the theme for the next session: in the theme store (the user's config file).
        An app with a project file (the wizard) also keeps it there."""
        if self.theme_store is not None:
            self.theme_store.save(name)

    # -- a terminal too small for the panes ---------------------------------------------------
    def on_resize(self, event: events.Resize) -> None:
        self.call_later(self.check_size)

    def check_size(self) -> None:
        """Cover the panes with a notice while the terminal is below 80×24; remove it when
        the terminal is large enough again."""
        shown = isinstance(self.screen, TooSmallScreen)
        small = too_small(*self.size)
        if small and not shown:
            self.push_screen(TooSmallScreen())
        elif shown and not small:
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Behind the too-small notice only quitting works (no pane or dialog opens)."""
        return action == "quit" or not isinstance(self.screen, TooSmallScreen)

    # -- panes ------------------------------------------------------------------------------
    def action_pane(self, mode: str) -> None:
        if mode in self.MODES and mode != self.current_mode:
            self.switch_mode(mode)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        title = self.current_mode.capitalize()
        self.push_screen(HelpScreen(title, collect_keys(self, self.screen)))

    # -- resources that outlive a screen (engine runs, a demo target we started) -------------
    def add_cleanup(self, cleanup: Callable[[], None]) -> None:
        self._cleanups.append(cleanup)

    def remove_cleanup(self, cleanup: Callable[[], None]) -> None:
        if cleanup in self._cleanups:
            self._cleanups.remove(cleanup)

    def run_cleanups(self) -> None:
        """Stop what we started, newest first; idempotent so exit paths can all call it."""
        while self._cleanups:
            cleanup = self._cleanups.pop()
            try:
                cleanup()
            except Exception as exc:  # one failed stop must not leak the others
                self.log.error(f"cleanup failed: {exc}")

    async def action_quit(self) -> None:
        """Quit; while a run starts or runs, ask first (as `s` does), then stop it."""
        if self.run_phase in ("starting", "running"):
            if self._asking_to_quit:
                return

            def answered(quit_now: bool | None) -> None:
                self._asking_to_quit = False
                if quit_now:
                    if self.run_phase in ("starting", "running"):
                        self.run_exit_code = EXIT_INTERRUPTED  # what a stopped run exits with
                    self.call_next(self._stop_and_exit)

            self._asking_to_quit = True
            self.push_screen(
                ConfirmScreen(
                    "Quit while a run goes on? It is stopped first (interrupted).",
                    yes="quit",
                    no="keep running",
                ),
                answered,
            )
            return
        await self._stop_and_exit()

    async def _stop_and_exit(self) -> None:
        if self._cleanups:
            self.run_status = "◌ stopping…"
            self.notify("stopping the run and the demo target…")
            await asyncio.to_thread(self.run_cleanups)  # keep drawing while they stop
        self.exit(self.run_exit_code if self.exit_with_run else 0)

    def on_unmount(self) -> None:
        self.run_cleanups()
