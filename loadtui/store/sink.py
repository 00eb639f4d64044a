"""The one writer of run folders: `RunSink` opens `runs/<run-id>/`, takes windows and flags as
they come, and closes with the record.

Everything that produces a run writes through here: the native engine (through `loadtui.live`),
and later the importers and other engines, so every run folder has the same shape whoever made
it. Windows and flags are appended and flushed one line each, so a crash keeps everything up to
the last interval; the summary is written atomically and the SQLite index last (the folder is
the truth, the index can be rebuilt with `history.reindex`).
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from loadtui.contracts import AnomalyFlag, MetricWindow, RunRecord, TestPlan
from loadtui.plan.yaml_io import dumps_plan
from loadtui.store.history import add_run, index_path
from loadtui.store.runs import FLAGS_FILE, PLAN_FILE, SUMMARY_FILE, WINDOWS_FILE, rebuilt_record


def new_run_id(now: datetime | None = None) -> str:
    """Sortable by time (UTC, to the second) plus 6 random hex digits against collisions."""
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def write_summary(run_dir: Path, record: RunRecord) -> Path:
    dest = Path(run_dir) / SUMMARY_FILE
    tmp = dest.with_suffix(".json.tmp")
    tmp.write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, dest)
    return dest


class _Lines:
    """An NDJSON file opened on first use, appended and flushed one line at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = None
        self.count = 0

    def write(self, line: str) -> None:
        if self._fh is None:
            self._fh = self.path.open("a", encoding="utf-8")
        self._fh.write(line + "\n")
        self._fh.flush()
        self.count += 1

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class RunSink:
    """A run folder being written. Not thread-safe: one producer writes it."""

    def __init__(self, run_dir: Path, *, index_db: Path | None) -> None:
        """Use `RunSink.open`; this only wraps a folder that already has its plan."""
        self.run_dir = run_dir
        self._index_db = index_db
        self._windows = _Lines(run_dir / WINDOWS_FILE)
        self._flags = _Lines(run_dir / FLAGS_FILE)
        self._closed = False
        self._windows.path.touch()  # an empty run still has the file readers expect

    @classmethod
    def open(
        cls,
        out_dir: Path | str,
        plan: TestPlan,
        *,
        source: Path | None = None,
        run_id: str | None = None,
        index: bool = True,
    ) -> RunSink:
        """Create `out_dir/<run-id>/` with the plan the run used: the user's file verbatim
        (comments and all) when `source` is given, else the plan as YAML."""
        out = Path(out_dir)
        run_dir = out / (run_id or new_run_id())
        run_dir.mkdir(parents=True, exist_ok=False)
        dest = run_dir / PLAN_FILE
        if source is not None and Path(source).is_file():
            shutil.copyfile(source, dest)
        else:
            dest.write_text(dumps_plan(plan, file_name=PLAN_FILE), encoding="utf-8")
        return cls(run_dir, index_db=index_path(out) if index else None)

    @property
    def run_id(self) -> str:
        return self.run_dir.name

    @property
    def windows_written(self) -> int:
        return self._windows.count

    @property
    def flags_written(self) -> int:
        return self._flags.count

    def window(self, window: MetricWindow) -> None:
        self._check_open()
        self._windows.write(window.model_dump_json())

    def flags(self, flags: Iterable[AnomalyFlag]) -> None:
        self._check_open()
        for flag in flags:
            self._flags.write(flag.model_dump_json())

    def close(self, record: RunRecord | None) -> RunRecord:
        """Write the summary (rebuilt from the windows when the producer had no record, e.g.
        it crashed) and index the run. Returns the record as written. Idempotent-unsafe: once."""
        self._check_open()
        self._closed = True
        self._windows.close()
        self._flags.close()
        if record is None:
            record = rebuilt_record(self.run_dir)
        record = record.model_copy(update={"flags": self._flags.count})
        write_summary(self.run_dir, record)
        if self._index_db is not None:
            try:
                add_run(self._index_db, record, self.run_dir)
            except Exception as exc:  # the folder is the truth; the index can be rebuilt
                record.notes.append(f"run index not updated: {exc}")
                write_summary(self.run_dir, record)
        return record

    @property
    def closed(self) -> bool:
        return self._closed

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"run folder {self.run_dir} is already closed")
