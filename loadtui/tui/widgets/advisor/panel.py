"""The Advisor: an advisor's suggestions for one run, each accepted or rejected by key, shown as
a coloured diff, written to the plan or k6 script, undone, and verified by re-running the plan.

A widget group, not a screen, so the Advisor pane and the guided wizard host the same thing:
`open_run(run_dir, file, advice)` is all a host calls. What is accepted, applied and verified is
kept by `advice_session.AdviceSession` / `VerifyBoard` (plain Python, tested without Textual);
this widget only draws them and runs the slow parts in thread workers: the advisor's call (an
LLM takes seconds; escape cancels, and a late answer is dropped) and the verification runs
(each a `loadtui.live.LiveRun`, exactly as the Run pane runs a plan; escape stops them).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import ContentSwitcher, DataTable, Static
from textual.worker import get_current_worker

from loadtui.contracts import RunOptions, SuggestionSet, TestPlan
from loadtui.errors import UserError
from loadtui.safe_text import clean, plain
from loadtui.tui.advice_session import (
    AdviceMode,
    AdviceSession,
    AnyEdit,
    VerifyBoard,
    ask_advisor,
    edit_file_for,
    working_copy,
)
from loadtui.tui.palette import style
from loadtui.tui.widgets.advisor.diff_text import diff_text, first_change
from loadtui.tui.widgets.advisor.messages import (
    AdviceFailed,
    AdviceReady,
    VerifyProgress,
    VerifyRunDone,
    VerifyStopped,
)
from loadtui.tui.widgets.advisor.render import (
    detail_text,
    findings_text,
    header_text,
    notes_text,
    row_cells,
    verify_text,
)

if TYPE_CHECKING:
    from loadtui.live import LiveRun

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
VERIFY_RUNS = 3
View = Literal["diff", "verify"]


class AdvisorPanel(Vertical):
    BINDINGS = [
        Binding("a", "mark('accepted')", "accept", tooltip="accept the selected edit"),
        Binding("r", "mark('rejected')", "reject", tooltip="reject the selected edit"),
        Binding(
            "space",
            "toggle_mark",
            "flip",
            key_display="␣",
            tooltip="accept ⇄ reject the selected edit",
        ),
        Binding("A", "mark_all('accepted')", "all", show=False, tooltip="accept every edit"),
        Binding("R", "mark_all('rejected')", "none", show=False, tooltip="reject every edit"),
        Binding(
            "enter",
            "apply",
            "apply",
            priority=True,  # before the table's own enter (select)
            tooltip="write the accepted edits to the file (kept as FILE.bak; only if it parses)",
        ),
        Binding("u", "undo", "undo", tooltip="undo the last apply (restores the backup)"),
        Binding(
            "v", "verify", "verify", tooltip="re-run the plan 3 times: do the thresholds hold?"
        ),
        Binding("d", "switch_view", "diff/verify", show=False, tooltip="show the diff ⇄ verify"),
        Binding(
            "l", "ask('llm')", "ask LLM", show=False, tooltip="ask again (the LLM when configured)"
        ),
        Binding("o", "open_file", "file", show=False, tooltip="edit another plan or k6 script"),
        Binding("escape", "cancel", "cancel", tooltip="cancel the advice call or verification"),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.run_dir: Path | None = None
        self.edit_file: Path | None = None
        self.session: AdviceSession | None = None
        self.board: VerifyBoard | None = None
        self.verify_runs = VERIFY_RUNS
        self.view: View = "diff"
        self.asking = ""  # what the spinner says; empty when no call is out
        self.verifying = False
        self.status = Text()
        self._live: LiveRun | None = None
        self._started = 0.0
        self._spin: Timer | None = None
        self._frame = 0
        self._diffs: dict[str, tuple[Text, int]] = {}  # edit id → (diff, first changed line)

    def compose(self) -> ComposeResult:
        yield Static("", id="advisor-head")
        yield Static("", id="advisor-findings")
        yield DataTable(id="advisor-list", cursor_type="row", cell_padding=1)
        yield Static("", id="advisor-detail")
        with ContentSwitcher(initial="advisor-diff", id="advisor-bottom"):
            with VerticalScroll(id="advisor-diff"):
                yield Static("", id="advisor-diff-text")
            with VerticalScroll(id="advisor-verify"):
                yield Static("", id="advisor-verify-text")
        yield Static("", id="advisor-status")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column(" ", width=2, key="mark")
        table.add_column("kind", width=9, key="kind")
        table.add_column("change", width=50, key="change")
        table.add_column("conf", width=4, key="conf")
        self.query_one("#advisor-findings").display = False
        self.border_title = "Advisor"
        self._draw()
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._restyle())

    def _restyle(self) -> None:
        """The theme changed: the marks, confidences and diffs were drawn in the old colours."""
        if self.session is not None:
            self._diffs = self._edit_diffs(self.session)
            self._draw(keep_diff=False)
            self._draw_verify()

    # -- what a host calls ------------------------------------------------------------------
    def open_run(
        self, run_dir: Path, file: Path | None = None, advice: SuggestionSet | None = None
    ) -> None:
        """Advise on `run_dir`, editing `file` (None: the plan file the run came from, else
        `<run-id>.plan.yaml`, a copy of the run's plan beside the runs folder). With `advice`
        at hand it is shown at once; else the advisor is asked (offline, or the LLM when
        OPENAI_API_KEY / OPENAI_BASE_URL is set)."""
        self.run_dir = run_dir
        try:
            self.edit_file = file or edit_file_for(
                run_dir, self._plan_source(), self._runs_dir().parent
            )
        except UserError as exc:
            self.edit_file = None
            self.session = None
            self._say(str(exc), style("bad", bold=True))
            self._draw()
            return
        self.board = None
        self._switch("diff")
        self.border_title = plain(f"Advisor · {run_dir.name}")  # a str title is markup
        if advice is not None:
            self.show_advice(advice)
        else:
            self.ask("auto")

    def ask(self, mode: AdviceMode) -> None:
        run_dir, edit_file = self.run_dir, self.edit_file
        if run_dir is None or edit_file is None:
            self.notify("no run to advise on: a on the Run pane's results or on a run in History")
            return
        label = "asking the LLM" if mode == "llm" else "asking the advisor"
        self._busy(f"{label} about {run_dir.name}… escape cancels")
        self._ask(run_dir, edit_file, self._runs_dir(), mode)

    def show_advice(self, advice: SuggestionSet) -> None:
        """A new answer: a fresh review of it against the file as it is now."""
        self._idle()
        if self.edit_file is None:
            return
        try:
            self.session = AdviceSession.open(self.edit_file, advice)
        except UserError as exc:
            self.session = None
            self._say(str(exc), style("bad", bold=True))
            self._draw()
            return
        self._diffs = self._edit_diffs(self.session)
        self._say(
            f"{len(advice.edits())} edits, {len(advice.findings)} findings · "
            "a accept · r reject · enter apply"
        )
        self._draw()
        if self.screen.focused is None:  # keys act at once, no Tab first
            self.query_one(DataTable).focus()

    # -- workers ------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="advice")
    def _ask(self, run_dir: Path, edit_file: Path, runs_dir: Path, mode: AdviceMode) -> None:
        worker = get_current_worker()
        try:
            advice = ask_advisor(run_dir, edit_file, runs_dir, mode=mode)
        except UserError as exc:
            if not worker.is_cancelled:
                self.post_message(AdviceFailed(str(exc)))
            return
        except Exception as exc:  # an advisor bug must not take the pane down
            if not worker.is_cancelled:
                self.post_message(AdviceFailed(f"the advisor failed: {exc}"))
            return
        if not worker.is_cancelled:  # escape: a late answer is dropped
            self.post_message(AdviceReady(advice, run_dir))

    @on(AdviceReady)
    def _advice_ready(self, message: AdviceReady) -> None:
        if message.run_dir == self.run_dir:
            self.show_advice(message.advice)

    @on(AdviceFailed)
    def _advice_failed(self, message: AdviceFailed) -> None:
        self._idle()
        self._say(message.reason, style("bad", bold=True))
        self.notify(message.reason, title="no advice", severity="error")

    @work(thread=True, exclusive=True, group="verify")
    def _verify(self, plan: TestPlan, options: RunOptions, runs: int, source: Path | None) -> None:
        from loadtui.live import LiveRun, PhaseChanged, RunFinished, WindowDone

        worker = get_current_worker()
        for n in range(1, runs + 1):
            if worker.is_cancelled:
                break
            live = LiveRun(plan, options, plan_source=source)
            self._live = live
            try:
                live.start()
            except Exception as exc:
                self.post_message(VerifyRunDone(n, None, None, str(exc)))
                self.post_message(VerifyStopped(f"run {n} could not start: {exc}"))
                return
            try:
                for update in live.updates():
                    if isinstance(update, WindowDone):
                        self.post_message(VerifyProgress(n, f"{update.window.t:.0f}s"))
                    elif isinstance(update, PhaseChanged):
                        self.post_message(VerifyProgress(n, update.phase))
                    elif isinstance(update, RunFinished):
                        self.post_message(
                            VerifyRunDone(n, update.record, update.run_dir, update.error)
                        )
            finally:
                live.close_target()
                self._live = None
        self.post_message(VerifyStopped("cancelled" if worker.is_cancelled else ""))

    @on(VerifyProgress)
    def _verify_progress(self, message: VerifyProgress) -> None:
        self.asking = f"verifying: run {message.run}/{self.verify_runs} · {message.detail}"

    @on(VerifyRunDone)
    def _verify_run_done(self, message: VerifyRunDone) -> None:
        board = self.board
        if board is None:
            return
        record = message.record
        if record is None:
            board.add(f"run {message.run}", "not started", {}, message.error)
        else:
            board.add(record.run_id, record.state, record.metrics, message.error)
        self._draw_verify()

    @on(VerifyStopped)
    def _verify_stopped(self, message: VerifyStopped) -> None:
        self.verifying = False
        self.app.remove_cleanup(self._stop_verify)  # type: ignore[attr-defined]
        self._idle()
        board = self.board
        if board is not None:
            board.cancelled = board.cancelled or message.reason == "cancelled"
            self._say(
                message.reason or board.verdict(), "" if not message.reason else style("warn")
            )
        self._draw_verify()
        self.refresh_bindings()

    def _stop_verify(self) -> None:
        """On quit or escape: stop the running verification run (its folder is kept)."""
        live = self._live
        if live is not None:
            live.stop()
            if live.runner is not None:
                live.runner.stop(wait=True, timeout=15)
            live.close_target()

    # -- keys ---------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        session = self.session
        if action in ("mark", "toggle_mark", "mark_all"):
            return session is not None and bool(session.edits)
        if action == "apply":
            return session is not None and not self.verifying
        if action == "undo":
            return session is not None and bool(session.history) and not self.verifying
        if action == "verify":
            return session is not None and not self.verifying and not self.asking
        if action == "cancel":
            return bool(self.asking) or self.verifying
        if action == "switch_view":
            return self.board is not None
        if action in ("ask", "open_file"):
            return self.run_dir is not None and not self.verifying
        return True

    def selected(self) -> AnyEdit | None:
        session = self.session
        table = self.query_one(DataTable)
        if session is None or not session.edits or table.row_count == 0:
            return None
        return session.edits[min(table.cursor_row, len(session.edits) - 1)]

    def action_mark(self, mark: Literal["accepted", "rejected"]) -> None:
        edit = self.selected()
        if self.session is None or edit is None:
            return
        self.session.mark(edit.id, mark)
        self._draw(advance=True)

    def action_toggle_mark(self) -> None:
        edit = self.selected()
        if self.session is None or edit is None:
            return
        self.session.toggle(edit.id)
        self._draw()

    def action_mark_all(self, mark: Literal["accepted", "rejected"]) -> None:
        if self.session is not None:
            self.session.mark_all(mark)
            self._draw()

    def action_apply(self) -> None:
        session = self.session
        if session is None:
            return
        try:
            done = session.apply()
        except UserError as exc:  # PatchError included: nothing was written
            self._say(f"not written: {exc}", style("bad", bold=True))
            self.notify(str(exc), title="not applied", severity="error")
            return
        from loadtui.patch.diff import unified

        written = unified(
            done.before.decode("utf-8"), done.after.decode("utf-8"), session.path.name
        ).splitlines()
        self._show_diff(diff_text(written), first_change(written))
        self._switch("diff")
        self._say(
            f"wrote {len(done.edit_ids)} edits to {session.path.name} "
            f"(backup {done.backup.name if done.backup else 'none'}) · u undoes · v verifies",
            style("good", bold=True),
        )
        self._draw(keep_diff=True)

    def action_undo(self) -> None:
        session = self.session
        if session is None:
            return
        try:
            session.undo()
        except UserError as exc:
            self._say(f"not undone: {exc}", style("bad", bold=True))
            self.notify(str(exc), title="undo", severity="error")
            return
        self._say(f"restored {session.path.name} as it was before the last apply", "bold")
        self._draw()

    def action_verify(self) -> None:
        session = self.session
        if session is None or self.verifying:
            return
        if session.pending:
            self._say("apply (enter) or undo first: verify re-runs the file as it is on disk")
            return
        try:
            plan = session.verify_plan(self._ran_plan())
        except UserError as exc:
            self._say(str(exc), style("bad", bold=True))
            return
        self.board = VerifyBoard(plan, self.verify_runs, changed=session.changed_metrics())
        self.verifying = True
        self.app.add_cleanup(self._stop_verify)  # type: ignore[attr-defined]
        self._busy(f"verifying: {self.verify_runs} runs of {plan.name}… escape stops")
        self._switch("verify")
        self._draw_verify()
        source = session.path if session.kind == "plan" else None
        self._verify(plan, self._run_options(plan), self.verify_runs, source)
        self.refresh_bindings()

    def action_cancel(self) -> None:
        if self.verifying:
            self.workers.cancel_group(self, "verify")
            if self.board is not None:
                self.board.cancelled = True
            live = self._live
            if live is not None:
                live.stop()
            self._say("stopping the verification run…", style("warn"))
            return
        if self.asking:
            self.workers.cancel_group(self, "advice")
            self._idle()
            self._say("advice call cancelled; l asks again", style("warn"))

    def action_switch_view(self) -> None:
        self._switch("verify" if self.view == "diff" else "diff")

    def action_ask(self, mode: AdviceMode) -> None:
        self.ask(mode)

    def action_open_file(self) -> None:
        from loadtui.tui.screens.modals import PromptScreen

        def chosen(value: str | None) -> None:
            if not value:
                return
            self.edit_file = Path(value.strip()).expanduser()
            if self.session is not None:
                self.show_advice(self.session.advice)  # the same advice, on the other file

        self.app.push_screen(
            PromptScreen(
                "File to edit: a plan (YAML) or a k6 script (JS)",
                value=str(self.edit_file or ""),
                check=_check_file,
            ),
            chosen,
        )

    # -- drawing ------------------------------------------------------------------------------
    @on(DataTable.RowHighlighted, "#advisor-list")
    def _moved(self, _event: DataTable.RowHighlighted) -> None:
        self._draw_selected()

    def _draw(self, *, advance: bool = False, keep_diff: bool = False) -> None:
        session = self.session
        table = self.query_one(DataTable)
        findings = self.query_one("#advisor-findings", Static)
        head = self.query_one("#advisor-head", Static)
        if session is None:
            table.clear()
            findings.display = False
            head.update(Text(self._empty_line(), style="dim"))
            self.query_one("#advisor-detail", Static).update("")
            self.query_one("#advisor-diff-text", Static).update("")
            self._draw_status()
            self.refresh_bindings()
            return
        advice = session.advice
        on_disk = set(session.on_disk_ids)
        row = table.cursor_row
        table.clear()
        for edit in session.edits:
            table.add_row(*row_cells(edit, session.mark_of(edit.id), edit.id in on_disk))
        if session.edits:
            step = 1 if advance else 0
            table.move_cursor(row=min(max(row, 0) + step, len(session.edits) - 1))
        # the name first: a long folder is what the ellipsis cuts at 80 columns
        file_line = f"edits {session.path.name} ({session.kind})"
        if session.history:
            file_line += f" · {len(session.history)} applied"
        elif session.pending:
            file_line += " · enter writes"
        folder = _shown_path(session.path.parent)
        if self.run_dir is not None and session.path == working_copy(
            self.run_dir, self._runs_dir().parent
        ):
            file_line += " · a copy of the run's plan (o: your plan file or k6 script)"
        elif folder != ".":
            file_line += f" · in {folder}"
        head.update(header_text(advice, session.counts(), clean(file_line)))
        lines = findings_text(advice)
        notes = notes_text(advice)
        shown = Text("\n").join([t for t in (lines, notes) if t.plain])
        findings.display = bool(shown.plain)
        findings.update(shown)
        if not keep_diff:
            self._draw_selected()
        else:
            self._draw_detail()
        self._draw_status()
        self.refresh_bindings()

    def _draw_detail(self) -> None:
        edit = self.selected()
        session = self.session
        mark = session.mark_of(edit.id) if session is not None and edit is not None else "undecided"
        self.query_one("#advisor-detail", Static).update(detail_text(edit, mark))

    def _draw_selected(self) -> None:
        self._draw_detail()
        edit = self.selected()
        text, line = self._diffs.get(edit.id, (Text(), 0)) if edit is not None else (Text(), 0)
        if edit is None and self.session is not None:
            text = Text("the advisor suggests no edit to this file", style="dim")
        self._show_diff(text, line)
        if self.view != "diff" and not self.verifying:
            self._switch("diff")

    def _draw_verify(self) -> None:
        board = self.board
        if board is not None:
            running = self.asking if self.verifying else ""
            self.query_one("#advisor-verify-text", Static).update(verify_text(board, running))

    def _edit_diffs(self, session: AdviceSession) -> dict[str, tuple[Text, int]]:
        """Each edit's own diff against the original text (an edit that cannot apply says why)."""
        from loadtui.patch.diff import edit_diffs

        out: dict[str, tuple[Text, int]] = {}
        for d in edit_diffs(session.kind, session.original, session.edits, session.path.name):
            if d.error is not None:
                out[d.edit_id] = (
                    plain(f"cannot apply to this file: {d.error}", style("bad", bold=True)),
                    0,
                )
            elif d.lines:
                out[d.edit_id] = (diff_text(d.lines), first_change(d.lines))
            else:
                out[d.edit_id] = (Text("no change to this file", style="dim"), 0)
        return out

    def _show_diff(self, text: Text, line: int) -> None:
        """Show a diff scrolled so its first change sits near the top (3 lines of context
        before it would otherwise push it below the fold at 24 rows)."""
        self.query_one("#advisor-diff-text", Static).update(text)
        scroll = self.query_one("#advisor-diff", VerticalScroll)
        top = max(0, line - 1) if line > 3 else 0
        self.call_after_refresh(scroll.scroll_to, y=top, animate=False)

    def _switch(self, view: View) -> None:
        self.view = view
        self.query_one(ContentSwitcher).current = f"advisor-{view}"

    def _empty_line(self) -> str:
        if self.run_dir is None:
            return "No run chosen: a on the Run pane's results, or on a run in History (5)."
        return "no advice yet"

    # -- status line and spinner ----------------------------------------------------------------
    def _say(self, text: str, style: str = "") -> None:
        self.status = plain(text, style)
        self._draw_status()

    def _busy(self, what: str) -> None:
        self.asking = what
        self._started = time.monotonic()
        if self._spin is None:
            self._spin = self.set_interval(0.1, self._tick)
        self._draw_status()
        self.refresh_bindings()

    def _idle(self) -> None:
        if self.verifying:
            return
        self.asking = ""
        if self._spin is not None:
            self._spin.stop()
            self._spin = None
        self._draw_status()
        self.refresh_bindings()

    def _tick(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self._draw_status()
        if self.verifying:
            self._draw_verify()

    def _draw_status(self) -> None:
        line = self.query_one("#advisor-status", Static)
        if self.asking:
            elapsed = time.monotonic() - self._started
            line.update(
                Text.assemble(
                    Text(SPINNER[self._frame] + " ", style="bold"),
                    plain(self.asking),
                    Text(f" · {elapsed:.1f}s", style="dim"),
                )
            )
        else:
            line.update(self.status)

    # -- the host app -------------------------------------------------------------------------
    def _plan_source(self) -> Path | None:
        workspace = getattr(self.app, "workspace", None)
        return getattr(workspace, "plan_source", None)

    def _runs_dir(self) -> Path:
        options: RunOptions | None = getattr(self.app, "run_options", None)
        return options.out_dir if options is not None else Path("runs")

    def _ran_plan(self) -> TestPlan | None:
        from loadtui.plan.yaml_io import load_plan

        if self.run_dir is None or not (self.run_dir / "plan.yaml").is_file():
            return None
        try:
            return load_plan(self.run_dir / "plan.yaml")
        except UserError:
            return None

    def _run_options(self, plan: TestPlan) -> RunOptions:
        """The app's run options; the demo target is started when the plan points at it and
        no target of the user's is set (as the Run pane decides)."""
        from loadtui.target.reach import is_demo

        options: RunOptions = getattr(self.app, "run_options", None) or RunOptions()
        workspace: Any = getattr(self.app, "workspace", None)
        wants_demo = (workspace is None or workspace.target is None) and is_demo(plan.target)
        return options.model_copy(update={"start_demo_target": wants_demo})


def _shown_path(path: Path) -> str:
    """Relative to the working folder when inside it (shorter, and what a user typed)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _check_file(value: str) -> str | None:
    path = Path(value.strip()).expanduser()
    if not path.is_file():
        return f"no file at {path}"
    return None
