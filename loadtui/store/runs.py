"""Run folders read back: `runs/<run-id>/` with `plan.yaml`, `windows.ndjson`, `flags.ndjson`
and `summary.json` (written by `store.sink.RunSink`).

Windows and flags are appended one JSON line each and flushed as they come, so a crashed or
killed run still leaves everything up to its last interval; `load_run` reads that back,
tolerating a half-written last line and even a missing summary (the record is then rebuilt from
the windows and marked `incomplete`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML

from loadtui.contracts import AnomalyFlag, MetricWindow, RunRecord

PLAN_FILE = "plan.yaml"
WINDOWS_FILE = "windows.ndjson"
SUMMARY_FILE = "summary.json"
FLAGS_FILE = "flags.ndjson"


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


def read_flags(run_dir: Path | str) -> list[AnomalyFlag]:
    """The run's anomaly flags (none for runs made before flags were saved)."""
    flags: list[AnomalyFlag] = []
    path = Path(run_dir) / FLAGS_FILE
    if not path.is_file():
        return flags
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.strip()
            if line:
                try:
                    flags.append(AnomalyFlag.model_validate_json(line))
                except (ValidationError, ValueError):
                    continue  # a half-written last line
    return flags


def rebuilt_record(run_dir: Path, windows: list[MetricWindow] | None = None) -> RunRecord:
    """A summary for a run that died before writing one: what the windows can tell."""
    if windows is None:
        windows, _bad = read_windows(Path(run_dir) / WINDOWS_FILE)
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
        record = rebuilt_record(run_dir, windows)
    return record, windows


def dumps_compact(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True)
