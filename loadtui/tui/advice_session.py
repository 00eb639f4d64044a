"""One review of an advisor's answer: which edits are accepted, what is on disk, what was verified.

The Advisor pane (and the wizard that hosts the same widgets) only draws an `AdviceSession` and
calls its methods; nothing here imports Textual. The rules a reviewer relies on:

- Edits always apply to the text the advice was given for (`original`), as a set: applying
  twice writes the same bytes, and a rejected edit can never leak in from an earlier apply.
- A write happens only through `patch.write.write_atomic` (a `.bak` of the old bytes, then an
  atomic replace) and only when the result parses (`patch.apply.apply_edits` raises otherwise),
  so an error leaves the file as it was.
- The file must still hold what this session last wrote (or read): an edit made meanwhile in an
  editor is never overwritten by an apply or an undo.
- Verification re-runs a plan and judges every threshold on each run's k6-style summary with
  `plan.thresholds` (the same grammar the engine uses), so "holds 3/3" means what it says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from loadtui.contracts import (
    StageAdjustment,
    StageRemoval,
    SuggestionSet,
    TestPlan,
    ThresholdChange,
)
from loadtui.errors import UserError
from loadtui.plan.thresholds import evaluate, parse_metric_key, parse_threshold

Mark = Literal["accepted", "rejected", "undecided"]
FileKind = Literal["plan", "k6"]
AnyEdit = ThresholdChange | StageAdjustment | StageRemoval
MARK_CYCLE: dict[Mark, Mark] = {
    "undecided": "accepted",
    "accepted": "rejected",
    "rejected": "accepted",
}


def read_text(path: Path) -> str:
    """The file as text; UserError (one line, what to do) when it cannot be read."""
    try:
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError as exc:
        raise UserError(f"no file at {path}; press o to choose the plan or k6 script") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Applied:
    """One write: the bytes before and after it, the edits it holds, its backup file."""

    before: bytes
    after: bytes
    edit_ids: tuple[str, ...]
    backup: Path | None


@dataclass
class AdviceSession:
    """The review of `advice` for the file at `path` (a plan YAML or a k6 script)."""

    path: Path
    kind: FileKind
    original: str
    advice: SuggestionSet
    marks: dict[str, Mark] = field(default_factory=dict)
    history: list[Applied] = field(default_factory=list)

    @classmethod
    def open(cls, path: Path, advice: SuggestionSet) -> AdviceSession:
        from loadtui.patch.kind import detect_kind

        text = read_text(path)
        kind: FileKind = detect_kind(path, text)
        return cls(path=path, kind=kind, original=text, advice=advice)

    # -- the edits and their marks ------------------------------------------------------------
    @property
    def edits(self) -> list[AnyEdit]:
        return self.advice.edits()

    def edit(self, edit_id: str) -> AnyEdit:
        for edit in self.edits:
            if edit.id == edit_id:
                return edit
        raise KeyError(edit_id)

    def mark_of(self, edit_id: str) -> Mark:
        return self.marks.get(edit_id, "undecided")

    def mark(self, edit_id: str, mark: Mark) -> None:
        self.edit(edit_id)  # KeyError for an id this advice does not hold
        self.marks[edit_id] = mark

    def toggle(self, edit_id: str) -> Mark:
        """Undecided → accepted → rejected → accepted: space decides, then flips."""
        mark = MARK_CYCLE[self.mark_of(edit_id)]
        self.mark(edit_id, mark)
        return mark

    def mark_all(self, mark: Mark) -> None:
        for edit in self.edits:
            self.marks[edit.id] = mark

    def accepted(self) -> list[AnyEdit]:
        """The accepted edits in review order (the order `apply_edits` receives them)."""
        return [e for e in self.edits if self.mark_of(e.id) == "accepted"]

    def counts(self) -> dict[Mark, int]:
        out: dict[Mark, int] = {"accepted": 0, "rejected": 0, "undecided": 0}
        for edit in self.edits:
            out[self.mark_of(edit.id)] += 1
        return out

    # -- what is on disk ----------------------------------------------------------------------
    @property
    def on_disk_ids(self) -> tuple[str, ...]:
        """The edits the file holds now (after this session's applies and undos)."""
        return self.history[-1].edit_ids if self.history else ()

    @property
    def pending(self) -> bool:
        """Whether enter would change the file (the accepted set differs from what it holds)."""
        return tuple(e.id for e in self.accepted()) != self.on_disk_ids

    def expected_bytes(self) -> bytes:
        return self.history[-1].after if self.history else self.original.encode("utf-8")

    def _check_unchanged(self) -> bytes:
        try:
            current = self.path.read_bytes()
        except OSError as exc:
            raise UserError(f"cannot read {self.path}: {exc}") from exc
        if current != self.expected_bytes():
            raise UserError(
                f"{self.path} changed on disk since the advice was given; "
                "press l to ask again on the new text"
            )
        return current

    def preview(self, edits: Sequence[AnyEdit] | None = None) -> str:
        """The file's text with `edits` (default: the accepted ones) applied to the original.

        Raises `patch.errors.PatchError` (a UserError) when an edit cannot apply or the result
        does not parse."""
        from loadtui.patch.apply import apply_edits

        chosen = self.accepted() if edits is None else list(edits)
        if not chosen:
            return self.original
        return apply_edits(self.kind, self.original, chosen)

    def apply(self) -> Applied:
        """Write the accepted edits (all of them, onto the original text). Nothing is written
        when the result would not parse, nothing changes, or the file changed meanwhile."""
        from loadtui.patch.write import write_atomic

        ids = tuple(e.id for e in self.accepted())
        if not ids and not self.history:
            raise UserError("nothing accepted yet: a accepts the selected edit, A all of them")
        current = self._check_unchanged()
        text = self.preview()  # PatchError: nothing written
        after = text.encode("utf-8")
        if after == current:
            raise UserError("the file already holds exactly the accepted edits")
        backup = write_atomic(self.path, text)
        done = Applied(before=current, after=after, edit_ids=ids, backup=backup)
        self.history.append(done)
        return done

    def undo(self) -> Applied:
        """Put back the bytes the last apply replaced (its `.bak` when that still holds them,
        else the copy kept here); the file must still hold what that apply wrote."""
        from loadtui.patch.write import restore_backup, write_atomic

        if not self.history:
            raise UserError("nothing to undo: no edit was applied to this file here")
        last = self.history[-1]
        self._check_unchanged()
        backup = last.backup
        if backup is not None and backup.is_file() and backup.read_bytes() == last.before:
            restore_backup(self.path)
        else:
            write_atomic(self.path, last.before.decode("utf-8"))
        if self.path.read_bytes() != last.before:
            raise UserError(f"could not restore {self.path}; its backup is {backup}")
        self.history.pop()
        return last

    # -- verification -------------------------------------------------------------------------
    def changed_metrics(self) -> set[str]:
        """Threshold keys the accepted edits set (normalised, so tags in any spacing match)."""
        return {metric_key(e.metric) for e in self.accepted() if isinstance(e, ThresholdChange)}

    def verify_plan(self, ran: TestPlan | None) -> TestPlan:
        """The plan a verification re-runs: the edited plan file as it is now; for a k6 script
        (which loadtui does not run) the plan that ran with the accepted thresholds in it."""
        from loadtui.plan.yaml_io import loads_plan

        if self.kind == "plan":
            return loads_plan(read_text(self.path), str(self.path))
        if ran is None:
            raise UserError("no plan to re-run for this k6 script: the run folder has no plan.yaml")
        return with_thresholds(ran, self.accepted())


def with_thresholds(plan: TestPlan, edits: Sequence[AnyEdit]) -> TestPlan:
    """`plan` with each accepted threshold change's key set to its new expressions."""
    thresholds = dict(plan.thresholds)
    for edit in edits:
        if isinstance(edit, ThresholdChange):
            key = metric_key(edit.metric)
            for existing in list(thresholds):
                if metric_key(existing) == key:
                    del thresholds[existing]
            thresholds[edit.metric] = list(edit.new)
    return plan.model_copy(update={"thresholds": thresholds})


def metric_key(key: str) -> str:
    """`http_req_duration{ scenario : a }` → `http_req_duration{scenario:a}` (the summary's
    spelling); a key that does not parse is returned as written."""
    try:
        name, tags = parse_metric_key(key)
    except ValueError:
        return key.strip()
    if not tags:
        return name
    return name + "{" + ",".join(f"{k}:{v}" for k, v in tags.items()) + "}"


@dataclass(frozen=True, slots=True)
class Check:
    """One threshold judged on one run: ok None when the run has no such statistic."""

    metric: str
    expression: str
    ok: bool | None
    value: float | None = None


def judge(
    thresholds: Mapping[str, Sequence[str]], metrics: Mapping[str, Mapping[str, float]]
) -> list[Check]:
    """Every threshold of a plan judged on a run's `metrics` block (summary.json)."""
    by_key = {metric_key(k): v for k, v in metrics.items()}
    checks: list[Check] = []
    for key, expressions in thresholds.items():
        stats = by_key.get(metric_key(key))
        for expression in expressions:
            try:
                parsed = parse_threshold(expression)
            except ValueError:
                checks.append(Check(key, expression, None))
                continue
            if stats is None:
                checks.append(Check(key, expression, None))
                continue
            try:
                ok = evaluate(parsed, stats)
            except KeyError:
                checks.append(Check(key, expression, None))
                continue
            value = stats.get(parsed.stat, stats.get("med") if parsed.stat == "p(50)" else None)
            checks.append(Check(key, parsed.source, ok, value))
    return checks


@dataclass(frozen=True, slots=True)
class VerifyRun:
    run_id: str
    state: str
    checks: list[Check]
    error: str | None = None


@dataclass(frozen=True, slots=True)
class ThresholdRow:
    """One threshold across the verification runs."""

    metric: str
    expression: str
    changed: bool  # set by an accepted edit
    outcomes: list[bool | None]  # one per finished run
    values: list[float | None]

    @property
    def held(self) -> int:
        return sum(1 for o in self.outcomes if o is True)

    @property
    def holds(self) -> bool:
        return bool(self.outcomes) and all(o is True for o in self.outcomes)


@dataclass
class VerifyBoard:
    """The bookkeeping of `v`: N re-runs of one plan, each judged on every threshold."""

    plan: TestPlan
    runs_wanted: int
    changed: set[str] = field(default_factory=set)
    runs: list[VerifyRun] = field(default_factory=list)
    cancelled: bool = False

    def add(
        self,
        run_id: str,
        state: str,
        metrics: Mapping[str, Mapping[str, float]],
        error: str | None = None,
    ) -> VerifyRun:
        run = VerifyRun(run_id, state, judge(self.plan.thresholds, metrics), error)
        self.runs.append(run)
        return run

    @property
    def done(self) -> bool:
        return self.cancelled or len(self.runs) >= self.runs_wanted

    def rows(self) -> list[ThresholdRow]:
        rows: list[ThresholdRow] = []
        for key, expressions in self.plan.thresholds.items():
            for expression in expressions:
                source = _source(expression)
                outcomes: list[bool | None] = []
                values: list[float | None] = []
                for run in self.runs:
                    found = next(
                        (
                            c
                            for c in run.checks
                            if c.metric == key and _source(c.expression) == source
                        ),
                        None,
                    )
                    outcomes.append(found.ok if found else None)
                    values.append(found.value if found else None)
                changed = metric_key(key) in self.changed
                rows.append(ThresholdRow(key, expression, changed, outcomes, values))
        return rows

    def verdict(self) -> str:
        """One line: how many thresholds held in every run so far."""
        rows = self.rows()
        if not self.runs:
            return "no run finished yet"
        if not rows:
            return "this plan has no thresholds to verify"
        held = sum(1 for r in rows if r.holds)
        which = f"{len(self.runs)}/{self.runs_wanted} runs"
        if held == len(rows):
            return f"every threshold held in {which}"
        return f"{len(rows) - held} of {len(rows)} thresholds failed or were not judged in {which}"


def _source(expression: str) -> str:
    try:
        return parse_threshold(expression).source
    except ValueError:
        return expression.strip()


def working_copy(run_dir: Path, work_dir: Path) -> Path:
    """Where edits to a run's own plan go: `WORK_DIR/<run-id>.plan.yaml`. A run folder records
    what ran (written only by the run's sink), so its `plan.yaml` is copied, never edited."""
    return work_dir / f"{run_dir.name}.plan.yaml"


def edit_file_for(run_dir: Path, plan_source: Path | None, work_dir: Path) -> Path:
    """The file the advice edits: the plan file the run came from (the workspace's plan file,
    when the run folder's copy of the plan is that file byte for byte), else a working copy of
    the run's plan in `work_dir`, made now if it does not exist yet (an earlier review's copy,
    edits and all, is kept). Without a plan in the run folder: that missing path, so opening it
    says what to do."""
    copy = run_dir / "plan.yaml"
    if (
        plan_source is not None
        and plan_source.is_file()
        and (not copy.is_file() or copy.read_bytes() == plan_source.read_bytes())
    ):
        return plan_source
    if not copy.is_file():
        return copy
    work = working_copy(run_dir, work_dir)
    if not work.exists():
        try:
            work.write_bytes(copy.read_bytes())
        except OSError as exc:
            raise UserError(f"cannot copy the run's plan to {work}: {exc}") from exc
    return work


AdviceMode = Literal["auto", "offline", "llm"]


def ask_advisor(
    run_dir: Path,
    edit_file: Path,
    runs_dir: Path,
    *,
    mode: AdviceMode = "auto",
    note: str = "",
) -> SuggestionSet:
    """The advisor's answer for `run_dir`: its plan's marked baseline runs (History, b) as the
    baseline, the plan read from the file being edited when it is a plan. Blocking (an LLM
    call takes seconds): the pane calls it from a thread worker."""
    from loadtui.advise.choose import advise
    from loadtui.advise.context import build_input
    from loadtui.plan.yaml_io import load_plan
    from loadtui.store.history import baseline_for, index_path
    from loadtui.store.runs import read_summary

    plan: TestPlan | None = None
    for candidate in (edit_file, run_dir / "plan.yaml"):
        if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
            try:
                plan = load_plan(candidate)
                break
            except UserError:
                continue
    record = read_summary(run_dir)
    plan_name = plan.name if plan is not None else (record.plan_name if record else "")
    here = run_dir.resolve()
    baselines = [
        Path(row.path)
        for row in baseline_for(index_path(runs_dir), plan_name)
        if row.path and Path(row.path).resolve() != here
    ]
    inp = build_input(run_dir, baselines, plan=plan, note=note)
    return advise(inp, mode=mode)
