"""Which kind of file a patch targets: a loadtui plan (YAML) or a k6 script (JavaScript)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from loadtui.plan.yaml_io import K6_SCRIPT, SCRIPT_SUFFIXES

PatchKind = Literal["plan", "k6"]
PLAN_SUFFIXES = (".yaml", ".yml")


def detect_kind(path: Path, text: str) -> PatchKind:
    """By the file's suffix first (`.js`, `.mjs`, `.cjs`, `.ts` → k6; `.yaml`, `.yml` → plan),
    else by content: a k6 import or `export default function` makes it a script."""
    suffix = path.suffix.lower()
    if suffix in SCRIPT_SUFFIXES:
        return "k6"
    if suffix in PLAN_SUFFIXES:
        return "plan"
    return "k6" if K6_SCRIPT.search(text) else "plan"
