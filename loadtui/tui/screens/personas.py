"""Personas pane: who the traffic is, from the profiler's model, and what goes into the plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from loadtui.contracts import Persona, TrafficModel
from loadtui.errors import UserError
from loadtui.safe_text import clean, plain
from loadtui.tui import display
from loadtui.tui.messages import ModelFailed, ModelLoaded
from loadtui.tui.screens.modals import PromptScreen
from loadtui.tui.screens.wizard import WizardScreen
from loadtui.tui.widgets.navbar import NavBar
from loadtui.tui.widgets.personas.detail import PersonaDetail
from loadtui.tui.workspace import Workspace, WorkspaceChange

if TYPE_CHECKING:
    from loadtui.tui.app import LoadtuiApp

K_RANGE = (2, 12)
COLUMNS = (("persona", 16), ("share", 6), ("req/s", 7), ("dur", 6), ("write", 6), ("", 5))


def check_k(value: str) -> str | None:
    try:
        k = int(value)
    except ValueError:
        return f"k must be a whole number from {K_RANGE[0]} to {K_RANGE[1]}"
    if not K_RANGE[0] <= k <= K_RANGE[1]:
        return f"k must be from {K_RANGE[0]} to {K_RANGE[1]}"
    return None


def check_name(value: str) -> str | None:
    value = value.strip()
    if not value:
        return "a persona needs a name"
    if len(value) > 40 or not value.replace("_", "").replace("-", "").isalnum():
        return "use letters, digits, - and _ (at most 40)"
    return None


def table_title(model: TrafficModel) -> str:
    info = model.clustering
    silhouette = f", silhouette {info.silhouette:.2f}" if info.silhouette is not None else ""
    return f"Personas (k={info.k}{silhouette})"


def source_line(model: TrafficModel) -> str:
    src = model.source
    return f"{src.sessions:,} sessions · {src.lines_total:,} lines · {src.lines_bad:,} bad"


def persona_row(persona: Persona, name: str, excluded: bool) -> list[Text]:
    style = "dim strike" if excluded else ""
    marker = " excl" if excluded else (" bot" if persona.is_bot else "")
    cells = [
        name,
        display.percent(persona.share),
        display.rate(persona.request_rate),
        display.duration(persona.session_duration_s.median),
        f"{persona.write_ratio:.2f}",
        marker,
    ]
    justify = ("left", "right", "right", "right", "right", "left")
    return [
        Text(clean(c), style=style, justify=j, no_wrap=True, overflow="ellipsis")  # type: ignore[arg-type]
        for c, j in zip(cells, justify, strict=True)
    ]


class PersonasScreen(Screen[None]):
    BINDINGS = [
        Binding("k", "recluster", "change k", tooltip="re-cluster the sessions into k personas"),
        Binding("r", "rename", "rename", tooltip="rename the persona under the cursor"),
        Binding(
            "x", "exclude", "exclude", tooltip="leave the persona out of the plan (again: keep)"
        ),
        Binding(
            "b", "bots", "bots", tooltip="show or hide bot personas; hidden ones are not planned"
        ),
        Binding("o", "open", "open log", tooltip="profile another access log"),
        Binding(
            "enter",
            "plan",
            "plan",
            priority=True,
            tooltip="plan the kept personas and go to the Run pane",
        ),
    ]

    @property
    def workspace(self) -> Workspace:
        app: LoadtuiApp = self.app  # type: ignore[assignment]
        return app.workspace

    def compose(self) -> ComposeResult:
        yield NavBar("personas", id="navbar")
        with Horizontal(id="personas-body"):
            with Vertical(id="personas-pane", classes="pane"):
                yield DataTable(id="persona-table", cursor_type="row", cell_padding=0)
                yield Static("", id="source-line")
            with Vertical(id="detail-pane", classes="pane"):
                yield PersonaDetail(id="persona-detail")
        yield Footer(compact=True)  # every key of the pane fits 80 columns

    def on_mount(self) -> None:
        self.app.workspace_changed.subscribe(self, self.on_workspace_change)  # type: ignore[attr-defined]
        table = self.query_one(DataTable)
        for label, width in COLUMNS:
            justify = "left" if label in ("persona", "") else "right"
            table.add_column(
                Text(label, justify=justify),  # type: ignore[arg-type]
                width=width,
                key=label or "marker",
            )
        self.query_one("#personas-pane").border_title = "Personas"
        self.query_one("#detail-pane").border_title = "persona"
        ws = self.workspace
        if ws.model is not None:
            self.show_model()
        elif ws.log_paths:
            self.load_model()
        elif ws.plan is not None:  # a prepared plan needs no personas: no wizard in its way
            self.query_one("#source-line", Static).update(
                plain(f"no log loaded · {ws.plan.name} runs on the Run pane (2) · o opens a log")
            )
        else:
            self.query_one("#source-line", Static).update("no log loaded · press o to open one")
            self.call_after_refresh(self.action_open)

    # -- loading ----------------------------------------------------------------------------
    def load_model(self, k: int | None = None) -> None:
        for pane in self.query(".pane"):
            pane.loading = True
        self._profile(list(self.workspace.log_paths), k)

    @work(thread=True, exclusive=True, group="profile")
    def _profile(self, paths: list[object], k: int | None) -> None:
        from loadtui.profile.pipeline import build_model

        try:
            model, _assignments = build_model([str(p) for p in paths], k=k)
        except UserError as exc:
            self.post_message(ModelFailed(str(exc)))
        except Exception as exc:
            self.post_message(ModelFailed(f"profiling failed: {exc}"))
        else:
            self.post_message(ModelLoaded(model))

    @on(ModelLoaded)
    def _loaded(self, message: ModelLoaded) -> None:
        self.workspace.set_model(message.model)

    def on_workspace_change(self, change: WorkspaceChange) -> None:
        """Redraw what the change touched (whoever made it)."""
        if change.kind == "source":
            self.load_model()
        elif change.kind == "model":
            self.show_model()
        elif change.kind == "personas":
            self.refresh_table()

    @on(ModelFailed)
    def _failed(self, message: ModelFailed) -> None:
        for pane in self.query(".pane"):
            pane.loading = False
        self.query_one("#source-line", Static).update(plain(message.reason))
        self.notify(message.reason, title="could not profile the log", severity="error")

    # -- showing ----------------------------------------------------------------------------
    def show_model(self) -> None:
        model = self.workspace.model
        if model is None:
            return
        for pane in self.query(".pane"):
            pane.loading = False
        self.query_one("#personas-pane").border_title = table_title(model)
        self.query_one("#source-line", Static).update(source_line(model))
        self.refresh_table()
        self.query_one(DataTable).focus()

    def refresh_table(self) -> None:
        ws = self.workspace
        table = self.query_one(DataTable)
        current = self.current_persona()
        table.clear()
        for persona in ws.visible_personas():
            table.add_row(
                *persona_row(persona, ws.display_name(persona), ws.is_excluded(persona)),
                key=persona.name,
            )
        if current is not None and current.name in {p.name for p in ws.visible_personas()}:
            table.move_cursor(row=table.get_row_index(current.name))
        self.show_detail()

    def current_persona(self) -> Persona | None:
        table = self.query_one(DataTable)
        model = self.workspace.model
        if model is None or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((p for p in model.personas if p.name == key), None)

    def show_detail(self) -> None:
        persona = self.current_persona()
        ws = self.workspace
        pane = self.query_one("#detail-pane")
        if persona is None:
            pane.border_title = "no persona"
            self.query_one(PersonaDetail).show(None)
            return
        pane.border_title = plain(ws.display_name(persona))
        self.query_one(PersonaDetail).show(persona, excluded=ws.is_excluded(persona))

    @on(DataTable.RowHighlighted)
    def _cursor_moved(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    # -- actions ----------------------------------------------------------------------------
    def action_recluster(self) -> None:
        ws = self.workspace
        if not ws.log_paths:
            self.notify("re-clustering needs the logs: open one with o", severity="warning")
            return
        k = ws.model.clustering.k if ws.model is not None else 4

        def chosen(value: str | None) -> None:
            if value is not None:
                self.load_model(int(value))

        self.app.push_screen(
            PromptScreen(
                f"Re-cluster into k personas ({K_RANGE[0]}–{K_RANGE[1]})",
                value=str(k),
                check=check_k,
            ),
            chosen,
        )

    def action_rename(self) -> None:
        persona = self.current_persona()
        if persona is None:
            return

        def chosen(value: str | None) -> None:
            if value is not None:
                self.workspace.rename(persona.name, value)

        self.app.push_screen(
            PromptScreen(
                f"Rename {persona.name}",
                value=self.workspace.display_name(persona),
                check=check_name,
            ),
            chosen,
        )

    def action_exclude(self) -> None:
        persona = self.current_persona()
        if persona is None:
            return
        self.workspace.toggle_excluded(persona)

    def action_bots(self) -> None:
        shown = self.workspace.toggle_bots()
        self.notify("bots shown; x keeps one in the plan" if shown else "bots hidden and left out")

    def action_open(self) -> None:
        def chosen(paths: list[str] | None) -> None:
            if paths:
                self.workspace.open_logs(paths)

        self.app.push_screen(WizardScreen(), chosen)

    def action_plan(self) -> None:
        try:
            self.workspace.planned_model()
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        self.app.switch_mode("run")
