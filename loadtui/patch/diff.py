"""Unified diffs: of one edit alone (what a reviewer accepts or rejects) and of a whole patch."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from loadtui.contracts import StageAdjustment, ThresholdChange
from loadtui.patch.apply import apply_edits
from loadtui.patch.edits import AnyEdit
from loadtui.patch.errors import PatchError
from loadtui.patch.kind import PatchKind

NO_NEWLINE = "\\ No newline at end of file"


@dataclass(frozen=True)
class EditDiff:
    """The diff of one edit applied alone to the original text. `error` is set (and `lines`
    empty) when that edit cannot apply to this file."""

    edit_id: str
    title: str
    lines: list[str]
    error: str | None = None


def edit_title(edit: AnyEdit) -> str:
    """One line naming the change: `http_req_duration: p(95)<200 → p(95)<250`."""
    if isinstance(edit, ThresholdChange):
        old = ", ".join(edit.old) or "(none)"
        return f"{edit.metric}: {old} → {', '.join(edit.new)}"
    if isinstance(edit, StageAdjustment):
        return f"stage {edit.stage}: {edit.change}"
    return f"remove stage {edit.stage}"


def diff_lines(old_text: str, new_text: str, path: str) -> list[str]:
    """Unified diff lines (no line ends); a last line without newline is marked as git does."""
    old = old_text.splitlines(keepends=True)
    new = new_text.splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(old, new, f"a/{path}", f"b/{path}", n=3):
        if line.endswith("\n"):
            out.append(line[:-1])
        else:
            out += [line, NO_NEWLINE]
    return out


def unified(old_text: str, new_text: str, path: str) -> str:
    """The whole patch as text (`git apply` and `patch -p1` read it); empty when nothing changes."""
    lines = diff_lines(old_text, new_text, path)
    return "\n".join(lines) + "\n" if lines else ""


def edit_diffs(
    kind: PatchKind, text: str, edits: Sequence[AnyEdit], path: str = "file"
) -> list[EditDiff]:
    """One diff per edit, each applied alone to `text`."""
    out = []
    for edit in edits:
        try:
            new = apply_edits(kind, text, [edit], path)
        except PatchError as exc:
            out.append(EditDiff(edit.id, edit_title(edit), [], str(exc)))
            continue
        out.append(EditDiff(edit.id, edit_title(edit), diff_lines(text, new, path)))
    return out
