"""Advisor pane (4): the advice on one run, accepted or rejected edit by edit, applied, undone,
verified. A thin host of `widgets.advisor.AdvisorPanel` (the wizard hosts the same panel).

Which run: the one the workspace names (`Workspace.advise`: `a` on the Run pane's results or on
a run in History), else the newest run in the index; the file: the plan file that run came
from, else a copy of the run's plan beside the runs folder, `<run-id>.plan.yaml` (a run folder
records what ran and is never edited); `o` picks another plan or a k6 script.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from loadtui.tui.widgets.advisor import AdvisorPanel
from loadtui.tui.widgets.navbar import NavBar
from loadtui.tui.workspace import WorkspaceChange

if TYPE_CHECKING:
    from loadtui.tui.app import LoadtuiApp


class AdvisorScreen(Screen[None]):
    def __init__(self) -> None:
        super().__init__()
        self.opened: tuple[Path, Path | None, int] | None = None  # (run, file, advice id) shown

    @property
    def loadtui(self) -> LoadtuiApp:
        return self.app  # type: ignore[return-value]

    @property
    def panel(self) -> AdvisorPanel:
        return self.query_one(AdvisorPanel)

    def compose(self) -> ComposeResult:
        yield NavBar("advisor", id="navbar")
        yield AdvisorPanel(id="advisor-pane", classes="pane")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.loadtui.workspace_changed.subscribe(self, self.on_workspace_change)
        self.query_one(DataTable).focus()
        self.open_if_needed()

    def on_screen_resume(self) -> None:
        self.open_if_needed()

    def on_workspace_change(self, change: WorkspaceChange) -> None:
        if change.kind == "advise" and self.is_current:
            self.open_if_needed()

    def wanted_run(self) -> Path | None:
        chosen = self.loadtui.workspace.advise_run
        if chosen is not None:
            return chosen
        from loadtui.store.history import index_path, list_runs

        newest = list_runs(index_path(self.loadtui.run_options.out_dir), limit=1)
        return Path(newest[0].path) if newest and newest[0].path else None

    def open_if_needed(self) -> None:
        """Open the run the workspace names unless it is already shown (a pane switch keeps
        the review as it was)."""
        ws = self.loadtui.workspace
        run = self.wanted_run()
        if run is None:
            return
        key = (run, ws.advise_file, id(ws.advice))
        if key == self.opened:
            return
        self.opened = key
        self.panel.open_run(run, ws.advise_file, ws.advice)
