"""Runs named on the command line: a run folder or a run id, and `--baseline RUN...|auto`.

Shared by `analyze`, `advise` and `heal`, so every command finds runs and a plan's marked
baseline set (`loadtui baseline`, kept in runs.db) the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from loadtui.errors import UserError

if TYPE_CHECKING:
    from loadtui.contracts import MetricWindow, RunRecord

LoadedRun = tuple["RunRecord", list["MetricWindow"], Path]


def load_ref(out: str, ref: str) -> LoadedRun:
    """The run a user named (folder path, id under `out`, or an id runs.db knows)."""
    from loadtui.store.history import find_run_dir
    from loadtui.store.runs import load_run

    run_dir = find_run_dir(out, ref)
    if run_dir is None:
        raise UserError(
            f"no run {ref!r}: give a run folder or a run id under --out {out} "
            "(`loadtui history` lists them)"
        )
    record, windows = load_run(run_dir)
    return record, windows, run_dir


def auto_baseline(out: str, record: RunRecord, run_dir: Path, explicit: bool) -> list[str]:
    """The marked baseline set of the run's plan (paths), minus the candidate itself."""
    from loadtui.store.history import baseline_for, index_path

    marked = []
    for db in dict.fromkeys([index_path(run_dir.parent), index_path(out)]):
        marked = [r for r in baseline_for(db, record.plan_name) if r.run_id != record.run_id]
        if marked:
            break
    if not marked and explicit:
        raise UserError(
            f"no baseline marked for plan {record.plan_name!r}: mark runs with "
            "`loadtui baseline RUN...` or give --baseline RUN"
        )
    return [r.path or r.run_id for r in marked]


def baseline_refs(
    out: str, given: Sequence[str] | None, record: RunRecord, run_dir: Path
) -> tuple[str, list[str]]:
    """(source, refs) for `--baseline`: `auto` (or nothing) reads the marked set, which
    `auto` requires and nothing does not; explicit run ids are taken as they are."""
    refs = list(given or [])
    if refs == ["auto"] or not refs:
        return "auto", auto_baseline(out, record, run_dir, explicit=bool(refs))
    if "auto" in refs:
        raise UserError("--baseline takes run ids or `auto`, not both")
    return "explicit", refs
