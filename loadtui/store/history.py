"""The run index: SQLite `runs.db` beside the run folders, for the History screen and baselines.

The folders are the truth; the index is a fast list that can be rebuilt from them (`reindex`).
A set of runs per plan (reruns of the same plan, so their spread is the run-to-run noise) can be
the baseline that regression checks compare against: the `baseline` column, 1 on each member.
The marks are the one thing the folders do not hold: `reindex` keeps them (its upsert never
touches the column), a deleted `runs.db` loses them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
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


def mark_baseline(
    db_path: Path | str, run_ids: Sequence[str], *, add: bool = False
) -> list[RunRow]:
    """Make these runs the baseline set of their plan(s).

    Without `add`, each plan's previous set is replaced; with it, the runs join the set.
    Raises KeyError naming the first run that is not in the index (nothing is changed then)."""
    if isinstance(run_ids, str):  # one id, not its characters
        run_ids = [run_ids]
    rows: list[RunRow] = []
    for run_id in run_ids:
        row = get_run(db_path, run_id)
        if row is None:
            raise KeyError(f"run {run_id} is not in the index {db_path}")
        rows.append(row)
    with _connect(db_path) as conn:
        if not add:
            for plan in {r.plan for r in rows}:
                conn.execute("UPDATE runs SET baseline = 0 WHERE plan = ?", (plan,))
        conn.executemany(
            "UPDATE runs SET baseline = 1 WHERE run_id = ?", [(r.run_id,) for r in rows]
        )
    marked = [get_run(db_path, r.run_id) for r in rows]
    return [r for r in marked if r is not None]


def clear_baseline(db_path: Path | str, plan: str) -> int:
    """Unmark a plan's baseline set; the number of runs unmarked."""
    if not Path(db_path).is_file():
        return 0
    with _connect(db_path) as conn:
        cur = conn.execute("UPDATE runs SET baseline = 0 WHERE plan = ? AND baseline = 1", (plan,))
        return int(cur.rowcount)


def baseline_for(db_path: Path | str, plan: str) -> list[RunRow]:
    """The plan's baseline set, newest first (empty when none is marked)."""
    if not Path(db_path).is_file():
        return []
    with _connect(db_path) as conn:
        rows = conn.execute(
            f"SELECT {_COLUMNS} FROM runs WHERE plan = ? AND baseline = 1 "
            "ORDER BY started DESC, run_id DESC",
            (plan,),
        ).fetchall()
    return [_row(r) for r in rows]


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


def find_run_dir(out_dir: Path | str, ref: str) -> Path | None:
    """A run folder from what a user typed: a folder path, a run id under out_dir, or a run id
    the index knows (imported runs may live elsewhere). None when nothing matches."""
    path = Path(ref)
    if path.is_dir():
        return path
    under = Path(out_dir) / ref
    if under.is_dir():
        return under
    row = get_run(index_path(out_dir), ref)
    if row is not None and row.path and Path(row.path).is_dir():
        return Path(row.path)
    return None
