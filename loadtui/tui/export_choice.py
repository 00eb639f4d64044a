"""The export prompt's one line, `FORMAT PATH`: its default, its check and its parse."""

from __future__ import annotations

import re
from pathlib import Path

from loadtui.contracts import TestPlan
from loadtui.export.files import FORMATS, SUFFIX, Format


def default_export(plan: TestPlan, fmt: Format = "k6") -> str:
    """`k6 tui-load.js`: a file name from the plan's name, safe on any file system."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", plan.name).strip("-.") or "plan"
    return f"{fmt} {stem}{SUFFIX[fmt]}"


def _split(value: str) -> tuple[str, str]:
    fmt, _, path = value.strip().partition(" ")
    return fmt.lower(), path.strip()


def check_export(value: str) -> str | None:
    fmt, path = _split(value)
    if fmt not in FORMATS:
        return f"start with a format: {', '.join(FORMATS)}"
    if not path:
        return "then the file to write, e.g. k6 load.js"
    target = Path(path).expanduser()
    if target.is_dir():
        return f"{target} is a folder; name the file"
    if not target.parent.exists():
        return f"folder {target.parent} does not exist"
    return None


def parse_export(value: str) -> tuple[Format, Path]:
    """Only after `check_export` passed."""
    fmt, path = _split(value)
    return next(f for f in FORMATS if f == fmt), Path(path).expanduser()
