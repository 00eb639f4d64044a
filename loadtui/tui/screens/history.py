"""History pane: the runs in `runs.db` (native and imported), two compared, baselines set.

The list is read from the SQLite index each time the pane is shown (a query of a few ms, so a
run that just ended appears without anyone telling this pane). Comparing loads both run
folders and runs `analyze.regression.compare` in a thread worker: the older run is the
baseline, the newer the candidate, or the plan's marked baseline set when one run is picked.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from loadtui.contracts import RegressionReport
from loadtui.safe_text import clean_text, plain
from loadtui.store.history import (
    RunRow,
    baseline_for,
    clear_baseline,
    index_path,
    list_runs,
    mark_baseline,
)
from loadtui.tui.history_view import COLUMNS, comparison_lines, run_cells, run_summary
from loadtui.tui.import_choice import check_import, parse_import
from loadtui.tui.messages import ComparisonFailed, ComparisonReady, RunsImported
from loadtui.tui.palette import style
from loadtui.tui.screens.modals import PromptScreen
from loadtui.tui.widgets.navbar import NavBar

if TYPE_CHECKING:
    from loadtui.tui.app import LoadtuiApp

MAX_ROWS = 500  # newest first; older runs stay in the index and `loadtui history`


class HistoryScreen(Screen[None]):
    BINDINGS = [
        Binding("space", "pick", "pick", tooltip="pick a run to compare (two at most)"),
        Binding(
            "c",
            "compare",
            "compare",
            tooltip="compare the two picked runs (or one vs its baseline)",
        ),
        Binding(
            "b",
            "baseline",
            "baseline",
            tooltip="add the run to (or drop it from) its plan's baseline set",
        ),
        Binding(
            "f", "forecast", "forecast", tooltip="fit the twin of the picked runs (or this one)"
        ),
        Binding("a", "advise", "advise", tooltip="advice on this run (Advisor pane)"),
        Binding("i", "import_runs", "import", tooltip="import k6 or Locust result files as runs"),
        Binding(
            "r",
            "reload",
            "reload",
            show=False,  # the footer is full at 80 columns; ? lists it (and it reloads on entry)
            tooltip="read the run index again",
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, RunRow] = {}
        self.picked: list[str] = []
        self.report: RegressionReport | None = None

    @property
    def loadtui(self) -> LoadtuiApp:
        return self.app  # type: ignore[return-value]

    @property
    def db(self) -> Path:
        return index_path(self.loadtui.run_options.out_dir)

    def compose(self) -> ComposeResult:
        yield NavBar("history", id="navbar")
        with Vertical(id="history-pane", classes="pane"):
            yield DataTable(id="history-table", cursor_type="row", cell_padding=1)
        with Vertical(id="history-detail", classes="pane"):
            yield Static("", id="history-text")
        # every key fits 80 columns without the ^p hint (ctrl+p still opens it; ? lists it)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label, width in COLUMNS:
            table.add_column(Text(label), width=width, key=label or "baseline")
        self.query_one("#history-detail").border_title = "run"
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.reload())  # colours
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    # -- the list -----------------------------------------------------------------------------
    def reload(self) -> None:
        rows = list_runs(self.db, limit=MAX_ROWS)
        self.rows = {r.run_id: r for r in rows}
        self.picked = [p for p in self.picked if p in self.rows]
        table = self.query_one(DataTable)
        current = self._current_id()
        table.clear()
        for row in rows:
            table.add_row(*(clean_text(cell) for cell in run_cells(row)), key=row.run_id)
        if current in self.rows:
            table.move_cursor(row=table.get_row_index(current))
        where = self.db.parent.name  # each run's own folder is in the detail below
        self.query_one("#history-pane").border_title = plain(
            f"History · {len(rows)} runs in {where}/" if rows else f"History · no runs in {where}/"
        )
        if not rows:
            self._show(
                [Text("No runs yet: run a plan on the Run pane (2), `loadtui run`, or import one.")]
            )
        else:
            self._show_current()

    def _current_id(self) -> str | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return str(key) if key is not None else None

    def _show(self, lines: list[Text], title: str | None = None) -> None:
        shown = Text("\n").join(clean_text(line) for line in lines)  # plans, ids, notes
        self.query_one("#history-text", Static).update(shown)
        if title is not None:
            self.query_one("#history-detail").border_title = plain(title)

    def _show_current(self) -> None:
        run_id = self._current_id()
        row = self.rows.get(run_id or "")
        if row is None:
            return
        picked = f" · picked {len(self.picked)}/2" if self.picked else ""
        self._show(run_summary(row), title=f"run{picked}")

    @on(DataTable.RowHighlighted)
    def _moved(self, _event: DataTable.RowHighlighted) -> None:
        if self.report is None:
            self._show_current()

    # -- keys -----------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.report = None
        self.reload()

    def action_pick(self) -> None:
        run_id = self._current_id()
        if run_id is None:
            return
        if run_id in self.picked:
            self.picked.remove(run_id)
        else:
            self.picked = [*self.picked[-1:], run_id]  # the last two picked
        self.report = None
        self._show_current()
        self.notify(f"picked: {', '.join(self.picked) or 'none'}")

    def action_baseline(self) -> None:
        run_id = self._current_id()
        row = self.rows.get(run_id or "")
        if row is None:
            return
        if row.baseline:  # drop it: the plan's set without it
            rest = [r.run_id for r in baseline_for(self.db, row.plan) if r.run_id != row.run_id]
            clear_baseline(self.db, row.plan)
            if rest:
                mark_baseline(self.db, rest)
            self.notify(f"{row.run_id} left the baseline of {row.plan!r}")
        else:
            mark_baseline(self.db, [row.run_id], add=True)
            self.notify(f"{row.run_id} is now in the baseline of {row.plan!r}")
        self.reload()

    def action_forecast(self) -> None:
        ids = self.picked or [i for i in [self._current_id()] if i is not None]
        rows = [self.rows[i] for i in ids if i in self.rows and self.rows[i].path]
        if not rows:
            return
        self.loadtui.workspace.forecast([Path(r.path) for r in rows])
        self.app.switch_mode("forecast")

    def action_advise(self) -> None:
        run_id = self._current_id()
        row = self.rows.get(run_id) if run_id is not None else None
        if row is None or not row.path:
            return
        self.loadtui.workspace.advise(Path(row.path))
        self.app.switch_mode("advisor")

    def action_import_runs(self) -> None:
        def chosen(value: str | None) -> None:
            if value:
                tool, paths = parse_import(value)
                self._show([Text(f"importing {len(paths)} file(s)…", style="dim")], title="import")
                self._import(tool, paths)

        self.app.push_screen(
            PromptScreen(
                "Import: k6|locust FILE… (summary JSON, --out json NDJSON, Locust --csv files)",
                placeholder="k6 summary.json",
                check=check_import,
            ),
            chosen,
        )

    @work(thread=True, exclusive=True, group="import")
    def _import(self, tool: str, paths: list[Path]) -> None:
        from loadtui.errors import UserError
        from loadtui.store.importers import read_runs, write_run

        try:
            runs = read_runs("k6" if tool == "k6" else "locust", paths)
            ids = [write_run(run, self.loadtui.run_options.out_dir)[0].run_id for run in runs]
        except (UserError, OSError, ValueError) as exc:
            self.post_message(ComparisonFailed(f"cannot import: {exc}"))
            return
        self.post_message(RunsImported(ids))

    @on(RunsImported)
    def _imported(self, message: RunsImported) -> None:
        self.report = None
        self.reload()
        table = self.query_one(DataTable)
        if message.run_ids and message.run_ids[0] in self.rows:
            table.move_cursor(row=table.get_row_index(message.run_ids[0]))
        self._show_current()
        self.notify(f"imported {', '.join(message.run_ids)}")

    def action_compare(self) -> None:
        if len(self.picked) == 2:
            a, b = (self.rows[p] for p in self.picked)
            base, cand = sorted((a, b), key=lambda r: r.started)
            baseline, candidate = [base], [cand]
        else:
            run_id = self.picked[0] if self.picked else self._current_id()
            row = self.rows.get(run_id or "")
            if row is None:
                return
            baseline = [r for r in baseline_for(self.db, row.plan) if r.run_id != row.run_id]
            if not baseline:
                self.notify(
                    "pick two runs with space, or mark a baseline for this plan with b",
                    severity="warning",
                )
                return
            candidate = [row]
        self._show([Text("comparing…", style="dim")], title="comparison")
        self._compare(candidate, baseline)

    @work(thread=True, exclusive=True, group="compare")
    def _compare(self, candidate: list[RunRow], baseline: list[RunRow]) -> None:
        from loadtui.analyze.regression import compare
        from loadtui.store.runs import load_run

        try:
            cand = [load_run(Path(r.path))[1] for r in candidate]
            base = [load_run(Path(r.path))[1] for r in baseline]
            report = compare(
                cand,
                base,
                candidate_ids=[r.run_id for r in candidate],
                baseline_ids=[r.run_id for r in baseline],
            )
        except (OSError, ValueError) as exc:
            self.post_message(ComparisonFailed(f"cannot compare: {exc}"))
            return
        self.post_message(ComparisonReady(report))

    @on(ComparisonReady)
    def _compared(self, message: ComparisonReady) -> None:
        self.report = message.report
        self._show(comparison_lines(message.report), title=f"comparison · {message.report.verdict}")

    @on(ComparisonFailed)
    def _compare_failed(self, message: ComparisonFailed) -> None:
        self.report = None
        self.notify(message.reason, severity="error")
        self._show([Text(message.reason, style=style("bad"))], title="comparison")
