"""The import prompt's one line, `k6|locust FILE…`: its check and its parse."""

from __future__ import annotations

import shlex
from pathlib import Path

TOOLS = ("k6", "locust")


def _split(value: str) -> list[str]:
    try:
        return shlex.split(value)
    except ValueError:  # an open quote while typing
        return value.split()


def check_import(value: str) -> str | None:
    words = _split(value)
    if not words or words[0].lower() not in TOOLS:
        return "start with the tool: k6 or locust"
    if len(words) < 2:
        return "then the result file(s)"
    missing = [w for w in words[1:] if not Path(w).expanduser().is_file()]
    if missing:
        return f"no file at {missing[0]}"
    return None


def parse_import(value: str) -> tuple[str, list[Path]]:
    """Only after `check_import` passed."""
    words = _split(value)
    return words[0].lower(), [Path(w).expanduser() for w in words[1:]]
