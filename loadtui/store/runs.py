"""Run folders: `runs/<run-id>/` with `plan.yaml`, `windows.ndjson` and `summary.json`.

Windows are appended one JSON line each and flushed as they come, so a crashed or killed run
still leaves everything up to its last interval; `load_run` reads that back, tolerating a
half-written last line and even a missing summary (the record is then rebuilt from the windows
and marked `incomplete`). The summary is written atomically (temp file + rename).
"""

from __future__ import annotations

import io
import json
import os
import secrets
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from pydantic import ValidationError
from ruamel.yaml import YAML

from loadtui.contracts import MetricWindow, RunRecord, TestPlan

PLAN_FILE = "plan.yaml"
WINDOWS_FILE = "windows.ndjson"
SUMMARY_FILE = "summary.json"


def new_run_id(now: datetime | None = None) -> str:
    """Sortable by time (UTC, to the second) plus 6 random hex digits against collisions."""
    now = now or datetime.now(UTC)
    return now.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def create_run_dir(out_dir: Path, run_id: str) -> Path:
    run_dir = Path(out_dir) / run_id
    run_dir.mkdir(parents=True, exist_ok=False)
    return run_dir


def plan_to_yaml(plan: TestPlan) -> str:
    yaml = YAML()
    yaml.default_flow_style = False
    buf = io.StringIO()
    yaml.dump(plan.model_dump(mode="json", exclude_none=True), buf)
    return buf.getvalue()


def write_plan(run_dir: Path, plan: TestPlan, source: Path | None = None) -> Path:
    """Keep the plan the run used: the user's file verbatim (comments and all) when given."""
    dest = run_dir / PLAN_FILE
    if source is not None and Path(source).is_file():
        shutil.copyfile(source, dest)
    else:
        dest.write_text(plan_to_yaml(plan), encoding="utf-8")
    return dest


class WindowWriter:
    """Appends MetricWindows to windows.ndjson, one line each, flushed per window."""

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / WINDOWS_FILE
        self._fh: IO[str] | None = self.path.open("a", encoding="utf-8")

    def write(self, window: MetricWindow) -> None:
        if self._fh is None:
            raise ValueError("window writer is closed")
        self._fh.write(window.model_dump_json() + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def write_summary(run_dir: Path, record: RunRecord) -> Path:
    dest = run_dir / SUMMARY_FILE
    tmp = dest.with_suffix(".json.tmp")
    tmp.write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, dest)
    return dest


def read_windows(path: Path) -> tuple[list[MetricWindow], int]:
    """Windows from an NDJSON file and the number of lines that could not be read."""
    windows: list[MetricWindow] = []
    bad = 0
    if not path.is_file():
        return windows, 0
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                windows.append(MetricWindow.model_validate_json(line))
            except (ValidationError, ValueError):
                bad += 1  # typically the half-written last line of a killed run
    return windows, bad


def read_summary(run_dir: Path) -> RunRecord | None:
    path = Path(run_dir) / SUMMARY_FILE
    if not path.is_file():
        return None
    try:
        return RunRecord.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, ValueError):
        return None


def _rebuilt_record(run_dir: Path, windows: list[MetricWindow]) -> RunRecord:
    """A summary for a run that died before writing one: what the windows can tell."""
    started = windows[0].ts - timedelta(seconds=windows[0].t) if windows else datetime.now(UTC)
    requests = sum(w.requests for w in windows)
    errors = sum(w.errors for w in windows)
    duration = windows[-1].t if windows else 0.0
    plan_name = ""
    target = ""
    plan_path = run_dir / PLAN_FILE
    if plan_path.is_file():
        try:
            data = YAML(typ="safe").load(plan_path.read_text(encoding="utf-8")) or {}
            plan_name = str(data.get("name", ""))
            target = str(data.get("target", ""))
        except Exception:  # a broken plan copy must not stop us reading the windows
            pass
    by_class: dict[str, int] = {}
    for w in windows:
        for k, v in w.errors_by_class.items():
            by_class[k] = by_class.get(k, 0) + v
    return RunRecord(
        run_id=run_dir.name,
        state="incomplete",
        plan_name=plan_name,
        target=target,
        started=started,
        ended=windows[-1].ts if windows else None,
        duration_s=duration,
        metrics={
            "http_reqs": {"count": float(requests), "rate": requests / duration if duration else 0},
            "http_req_failed": {"rate": errors / requests if requests else 0.0},
        },
        errors_by_class=by_class,
        notes=["summary.json was missing; rebuilt from windows.ndjson"],
    )


def load_run(run_dir: Path | str) -> tuple[RunRecord, list[MetricWindow]]:
    """Read a run folder back: its record and its windows (a truncated last line is skipped)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise FileNotFoundError(f"no run folder at {run_dir}")
    windows, _bad = read_windows(run_dir / WINDOWS_FILE)
    record = read_summary(run_dir)
    if record is None:
        record = _rebuilt_record(run_dir, windows)
    return record, windows


def dumps_compact(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True)
