"""Which files the wizard's collect step offers: the shipped sample logs first, then files that
look like access logs in the project folder (two levels deep), then whatever a typed path names.

Pure and bounded (at most `LIMIT` files, hidden folders and run folders skipped) so a picker
opened in a home directory stays instant.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from loadtui.resources import sample_data_dir

LOG_SUFFIXES = (".log", ".gz", ".jsonl", ".ndjson", ".json", ".csv", ".har", ".txt")
SKIP_DIRS = frozenset({"runs", "node_modules", "__pycache__", ".git", ".venv", "venv"})
LIMIT = 200
MAX_DEPTH = 2


def looks_like_log(path: Path) -> bool:
    name = path.name.lower()
    if name.startswith(".") or name in ("readme.md", "package.json", "project.json"):
        return False
    return name.endswith(LOG_SUFFIXES) or "access" in name or ".log." in name


def sample_logs() -> list[Path]:
    """The logs that ship with loadtui (the demo shop's first: the wizard's default)."""
    folder = sample_data_dir()
    if not folder.is_dir():
        return []
    logs = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == ".log")
    return sorted(logs, key=lambda p: p.name != "shop_access.log")


def walk_logs(folder: Path, depth: int = MAX_DEPTH, limit: int = LIMIT) -> list[Path]:
    """Files under `folder` that look like logs, breadth first, at most `limit`."""
    found: list[Path] = []
    level = [folder]
    for _ in range(depth + 1):
        below: list[Path] = []
        for current in level:
            try:
                entries = sorted(os.scandir(current), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                path = Path(entry.path)
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIP_DIRS:
                        below.append(path)
                elif entry.is_file() and looks_like_log(path):
                    found.append(path)
                    if len(found) >= limit:
                        return found
        level = below
    return found


def candidates(folder: Path, typed: str = "") -> list[Path]:
    """What the list shows for the text in the path field: the sample logs and the folder's
    logs filtered by it, or the logs in the folder it names."""
    text = typed.strip()
    if text:
        named = Path(text).expanduser()
        if not named.is_absolute():
            named = folder / named
        if named.is_dir():
            return walk_logs(named, depth=1)
    pool = unique([*sample_logs(), *walk_logs(folder)])
    if not text:
        return pool
    needle = text.lower()
    return [p for p in pool if needle in str(p).lower()]


def unique(paths: Iterable[Path]) -> list[Path]:
    seen: set[Path] = set()
    out: list[Path] = []
    for p in paths:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def shown_name(path: Path, folder: Path) -> str:
    """How a file is listed: relative to the project folder when inside it; a sample log as
    `sample_data/NAME`; else the full path."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(folder.resolve()))
    except ValueError:
        pass
    if resolved.parent == sample_data_dir().resolve():
        return f"sample_data/{path.name}"
    return str(path)
