"""The run index: SQLite `runs.db` beside the run folders, for the History screen and baselines.

The folders are the truth; the index is a fast list that can be rebuilt from them (`reindex`).
One run per plan can be the baseline that regression checks compare against.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from loadtui.contracts import RunRecord

DB_FILE = "runs.db"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id      TEXT PRIMARY KEY,
    started     TEXT NOT NULL,
    ended       TEXT,
    plan        TEXT NOT NULL DEFAULT '',
    target      TEXT NOT NULL DEFAULT '',
    requests    INTEGER NOT NULL DEFAULT 0,
    rps         REAL NOT NULL DEFAULT 0,
    p95         REAL,
    error_rate  REAL NOT NULL DEFAULT 0,
    state       TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    baseline    INTEGER NOT NULL DEFAULT 0,
    source      TEXT NOT NULL DEFAULT 'loadtui',
    path        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS runs_by_plan ON runs (plan, started);
"""


@dataclass(frozen=True)
class RunRow:
    run_id: str
    started: str
    ended: str | None
    plan: str
    target: str
    requests: int
    rps: float
    p95: float | None
    error_rate: float
    state: str
    verdict: str  # pass | fail | none (no thresholds)
    baseline: bool
    source: str
    path: str


def index_path(out_dir: Path | str) -> Path:
    return Path(out_dir) / DB_FILE


@contextmanager
def _connect(db_path: Path | str) -> Iterator[sqlite3.Connection]:
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(str(db_path), timeout=10)) as conn:
        conn.executescript(_SCHEMA)
        with conn:
            yield conn


def verdict_of(record: RunRecord) -> str:
    if not record.thresholds:
        return "none"
    return "pass" if all(v.ok for v in record.thresholds) else "fail"


def add_run(db_path: Path | str, record: RunRecord, run_dir: Path | str = "") -> None:
    """Insert or update one run's row from its record."""
    m = record.metrics
    reqs = m.get("http_reqs", {})
    dur = m.get("http_req_duration", {})
    failed = m.get("http_req_failed", {})
    row = (
        record.run_id,
        record.started.isoformat(),
        record.ended.isoformat() if record.ended else None,
        record.plan_name,
        record.target,
        int(reqs.get("count", 0)),
        float(reqs.get("rate", 0.0)),
        dur.get("p(95)"),
        float(failed.get("rate", failed.get("value", 0.0))),
        record.state,
        verdict_of(record),
        record.source,
        str(run_dir),
    )
    with _connect(db_path) as conn:
        conn.execute(
            """INSERT INTO runs (run_id, started, ended, plan, target, requests, rps, p95,
                                 error_rate, state, verdict, source, path)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(run_id) DO UPDATE SET
                 started=excluded.started, ended=excluded.ended, plan=excluded.plan,
                 target=excluded.target, requests=excluded.requests, rps=excluded.rps,
                 p95=excluded.p95, error_rate=excluded.error_rate, state=excluded.state,
                 verdict=excluded.verdict, source=excluded.source, path=excluded.path""",
            row,
        )


def _row(r: sqlite3.Row | tuple[object, ...]) -> RunRow:
    (
        run_id,
        started,
        ended,
        plan,
        target,
        requests,
        rps,
        p95,
        er,
        state,
        verdict,
        base,
        src,
        path,
    ) = tuple(r)
    return RunRow(
        run_id=str(run_id),
        started=str(started),
        ended=None if ended is None else str(ended),
        plan=str(plan),
        target=str(target),
        requests=int(requests),
        rps=float(rps),
        p95=None if p95 is None else float(p95),
        error_rate=float(er),
        state=str(state),
        verdict=str(verdict),
        baseline=bool(base),
        source=str(src),
        path=str(path),
    )


_COLUMNS = (
    "run_id, started, ended, plan, target, requests, rps, p95, error_rate, state, verdict, "
    "baseline, source, path"
)


def list_runs(
    db_path: Path | str, *, plan: str | None = None, limit: int | None = None
) -> list[RunRow]:
    """Runs, newest first, optionally of one plan."""
    if not Path(db_path).is_file():
        return []
    sql = f"SELECT {_COLUMNS} FROM runs"
    args: list[object] = []
    if plan is not None:
        sql += " WHERE plan = ?"
        args.append(plan)
    sql += " ORDER BY started DESC, run_id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(int(limit))
    with _connect(db_path) as conn:
        return [_row(r) for r in conn.execute(sql, args).fetchall()]


def get_run(db_path: Path | str, run_id: str) -> RunRow | None:
    if not Path(db_path).is_file():
        return None
    with _connect(db_path) as conn:
        r = conn.execute(f"SELECT {_COLUMNS} FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    return _row(r) if r else None


def mark_baseline(db_path: Path | str, run_id: str) -> RunRow:
    """Make this run the baseline of its plan (the previous baseline of that plan is cleared)."""
    row = get_run(db_path, run_id)
    if row is None:
        raise KeyError(f"run {run_id} is not in the index {db_path}")
    with _connect(db_path) as conn:
        conn.execute("UPDATE runs SET baseline = 0 WHERE plan = ?", (row.plan,))
        conn.execute("UPDATE runs SET baseline = 1 WHERE run_id = ?", (run_id,))
    updated = get_run(db_path, run_id)
    assert updated is not None
    return updated


def baseline_for(db_path: Path | str, plan: str) -> RunRow | None:
    if not Path(db_path).is_file():
        return None
    with _connect(db_path) as conn:
        r = conn.execute(
            f"SELECT {_COLUMNS} FROM runs WHERE plan = ? AND baseline = 1", (plan,)
        ).fetchone()
    return _row(r) if r else None


def reindex(out_dir: Path | str) -> int:
    """Add every run folder under out_dir to the index (after imports, copies, crashes)."""
    from loadtui.store.runs import SUMMARY_FILE, WINDOWS_FILE, load_run

    out = Path(out_dir)
    count = 0
    for child in sorted(out.iterdir()) if out.is_dir() else []:
        if child.is_dir() and (
            (child / SUMMARY_FILE).is_file() or (child / WINDOWS_FILE).is_file()
        ):
            record, _ = load_run(child)
            add_run(index_path(out), record, child)
            count += 1
    return count
