"""One entry point for both kinds of file: apply any subset of a suggestion set's edits to the
ORIGINAL text (stage indexes always mean the original plan's stages)."""

from __future__ import annotations

from collections.abc import Sequence

from loadtui.patch.edits import AnyEdit
from loadtui.patch.k6_options import apply_k6_edits
from loadtui.patch.kind import PatchKind
from loadtui.patch.plan_yaml import apply_plan_edits


def apply_edits(kind: PatchKind, text: str, edits: Sequence[AnyEdit], source: str = "") -> str:
    """`text` with `edits` applied (pure). PatchError when an edit cannot apply (no such stage,
    two edits on one stage, an invalid threshold) or the result does not parse."""
    if not edits:
        return text
    if kind == "k6":
        return apply_k6_edits(text, edits, source or "script")
    return apply_plan_edits(text, edits, source or "plan")
