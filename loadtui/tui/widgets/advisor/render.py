"""What the Advisor pane says, as rich `Text`: the suggestion rows, one edit's reason and
evidence, the findings, the header, the verification table. Pure functions of the session.

Every string in a `SuggestionSet` may come from an LLM (routes, reasons, notes): all of it goes
through `safe_text` and into `Text` spans, never into markup.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from loadtui.contracts import Evidence, Finding, StageAdjustment, SuggestionSet, ThresholdChange
from loadtui.safe_text import clean, plain
from loadtui.tui.advice_session import AnyEdit, Mark, VerifyBoard
from loadtui.tui.palette import style

MARKS: dict[Mark, str] = {"accepted": "✓", "rejected": "✗", "undecided": "·"}
KINDS = {"threshold": "threshold", "stage": "stage", "remove_stage": "remove"}
FINDING_LABEL = {"broken_test": "BROKEN TEST", "regression": "REGRESSION", "note": "note"}


def mark_style(mark: Mark) -> str:
    """The theme's good and bad colours (blue/orange in high-contrast), the marks beside."""
    return {"accepted": style("good", bold=True), "rejected": style("bad", bold=True)}.get(
        mark, "dim"
    )


def finding_style(kind: str) -> str:
    return style("warn") if kind == "note" else style("bad", bold=True)


def mark_cell(mark: Mark, on_disk: bool) -> Text:
    return Text(MARKS[mark] + ("●" if on_disk else " "), style=mark_style(mark))


def change_of(edit: AnyEdit) -> str:
    """One line for people: what the edit does."""
    if isinstance(edit, ThresholdChange):
        old = ", ".join(edit.old) if edit.old else "(new)"
        return f"{edit.metric}: {old} → {', '.join(edit.new)}"
    if isinstance(edit, StageAdjustment):
        return f"stage {edit.stage + 1}: {edit.change}"
    return f"drop stage {edit.stage + 1}"


def row_cells(edit: AnyEdit, mark: Mark, on_disk: bool) -> tuple[Text, Text, Text, Text]:
    """(mark, kind, change, confidence) for the suggestions table."""
    return (
        mark_cell(mark, on_disk),
        Text(KINDS.get(edit.kind, edit.kind), style="dim"),
        plain(change_of(edit)),
        confidence_text(edit.confidence),
    )


def confidence_text(confidence: float) -> Text:
    shown = (
        style("good") if confidence >= 0.8 else style("warn") if confidence >= 0.5 else style("bad")
    )
    return Text(f"{confidence:.2f}", style=shown, justify="right")


def evidence_text(evidence: Sequence[Evidence]) -> Text:
    """`baseline p95 412 ms · runs 5` (numbers as a reviewer checks them)."""
    parts = [
        Text.assemble(
            plain(e.name, "dim"),
            " ",
            Text(f"{e.value:g}", style="bold"),
            plain(f" {e.unit}" if e.unit else ""),
        )
        for e in evidence
    ]
    return Text(" · ").join(parts)


def detail_text(edit: AnyEdit | None, mark: Mark = "undecided") -> Text:
    """The selected edit's reason and the evidence it rests on."""
    if edit is None:
        return Text("no edit suggested", style="dim")
    head = Text.assemble(
        Text(f"{MARKS[mark]} {mark} ", style=mark_style(mark)),
        Text(f"confidence {edit.confidence:.2f} · ", style="dim"),
        plain(edit.reason),
    )
    if not edit.evidence:
        return head
    return Text("\n").join([head, evidence_text(edit.evidence)])


def finding_text(finding: Finding) -> Text:
    """A finding stands out: a broken test or a regression is not something to edit away."""
    text = Text.assemble(
        Text(f"{FINDING_LABEL[finding.kind]}: ", style=finding_style(finding.kind)),
        plain(finding.message),
    )
    if finding.routes:
        text.append_text(plain(" (" + ", ".join(finding.routes[:4]) + ")", "dim"))
        if len(finding.routes) > 4:
            text.append(f" +{len(finding.routes) - 4} more", style="dim")
    return text


def findings_text(advice: SuggestionSet) -> Text:
    return Text("\n").join(finding_text(f) for f in advice.findings)


def header_text(advice: SuggestionSet, counts: dict[Mark, int], file_line: str) -> Text:
    """Who answered, how sure, and what was decided so far; then the file being edited."""
    who = f"LLM {clean(advice.model or '')}".strip() if advice.source == "llm" else "offline"
    head = Text.assemble(
        Text(who, style="bold"),
        Text(f" · confidence {advice.confidence:.2f}", style="dim"),
        Text(" · REGRESSION" if advice.regression else "", style=style("bad", bold=True)),
        Text(
            f" · {counts['accepted']} accepted {counts['rejected']} rejected "
            f"{counts['undecided']} open",
            style="dim",
        ),
    )
    if advice.reason:
        head.append(" · ", style="dim")
        head.append_text(plain(advice.reason))
    out = Text("\n").join([head, Text(file_line, style="dim")])
    out.no_wrap, out.overflow = True, "ellipsis"
    return out


def notes_text(advice: SuggestionSet) -> Text:
    return Text("\n").join(plain(n, style("warn")) for n in advice.notes)


def verify_text(board: VerifyBoard, running: str = "") -> Text:
    """Per threshold, one mark per re-run (✓ held, ✗ failed, ? not judged), with the values."""
    lines = [
        Text.assemble(
            Text("verify ", style="bold"),
            Text(f"{len(board.runs)}/{board.runs_wanted} runs · ", style="dim"),
            Text(board.verdict(), style="bold"),
            Text(f" · {running}" if running else "", style="dim"),
        )
    ]
    rows = board.rows()
    if not rows:
        lines.append(Text("the plan has no thresholds: nothing to judge", style="dim"))
    for row in rows:
        marks = Text()
        for ok in row.outcomes:
            marks.append(
                "✓" if ok else "✗" if ok is False else "?",
                style=style("good") if ok else style("bad") if ok is False else style("warn"),
            )
        marks.append("·" * (board.runs_wanted - len(row.outcomes)), style="dim")
        values = ", ".join("–" if v is None else f"{v:.4g}" for v in row.values)
        lines.append(
            Text.assemble(
                Text("new " if row.changed else "    ", style="bold cyan"),
                marks,
                " ",
                plain(f"{row.metric} {row.expression}", "bold" if row.changed else ""),
                Text(f"  {values}" if values else "", style="dim"),
            )
        )
    for run in board.runs:
        if run.error or run.state != "complete":
            lines.append(
                plain(
                    f"{run.run_id}: {run.state}" + (f" ({run.error})" if run.error else ""),
                    style("warn"),
                )
            )
    return Text("\n").join(lines)
