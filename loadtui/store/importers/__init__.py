"""Importers: k6 and Locust result files → run folders like native ones (`loadtui import`).

`read_runs` parses (k6: one run per file; Locust: one run per `--csv` prefix, whichever of its
files were named); `write_run` writes each through the store's `RunSink` with `source` set.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from loadtui.store.importers.imported import ImportedRun, write_run
from loadtui.store.importers.k6 import read_k6
from loadtui.store.importers.locust import group_by_prefix, read_locust

__all__ = ["ImportedRun", "read_runs", "write_run"]


def read_runs(tool: Literal["k6", "locust"], paths: Iterable[Path | str]) -> list[ImportedRun]:
    if tool == "k6":
        return [read_k6(p) for p in paths]
    return [read_locust(prefix) for prefix in group_by_prefix(paths)]
