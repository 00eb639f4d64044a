"""Locust's `--csv PREFIX` files: `_stats.csv` (totals), `_stats_history.csv` (windows),
`_failures.csv` (error examples). Any one of a prefix's files finds its siblings.

Columns are read by header, so any set of percentile columns (`50%` … `99.99%`, `100%`, or
whatever `PERCENTILES_TO_REPORT` held) and any column order work; `N/A` (no requests yet) is
missing, not zero; the csv module takes any line ending. Totals are the `Aggregated` row as
Locust printed it. Windows come from consecutive Aggregated history rows: requests and
failures are the deltas of `Total Request Count`/`Total Failure Count` (exact), the mean the
delta of count × average (exact); the percentile columns are windowed only with
`--csv-full-history` (Locust's last-10 s window), otherwise the run so far — said in the notes.
Locust writes a history row each second from the start, so the first row closes second 1.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from loadtui.contracts import Breakdown, LatencyStats, MetricWindow
from loadtui.errors import UserError
from loadtui.store.importers.imported import ImportedRun
from loadtui.store.importers.text_files import modified_at, open_text

SUFFIXES = ("_stats_history.csv", "_stats.csv", "_failures.csv", "_exceptions.csv")
LOCUST_FILES = (
    "Locust --csv files (PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv)"
)
AGGREGATED = "Aggregated"
_PERCENTILE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")

Row = dict[str, str]


def prefix_of(path: Path | str) -> Path:
    """`out/results_stats.csv` → `out/results` (any of the prefix's files)."""
    path = Path(path)
    for suffix in SUFFIXES:
        if path.name.endswith(suffix):
            return path.with_name(path.name.removesuffix(suffix))
    raise UserError(
        f"{path}: not a Locust CSV name; give one of {', '.join('PREFIX' + s for s in SUFFIXES)}"
    )


def group_by_prefix(paths: Iterable[Path | str]) -> list[Path]:
    """One entry per run: files of the same prefix are one run, in the order first given."""
    seen: dict[Path, None] = {}
    for path in paths:
        seen.setdefault(prefix_of(path), None)
    return list(seen)


def number(text: str | None) -> float | None:
    """A CSV cell as a float; `N/A`, empty and junk are None (not zero)."""
    if text is None:
        return None
    text = text.strip()
    if not text or text.upper() == "N/A":
        return None
    try:
        return float(text)
    except ValueError:
        return None


def read_rows(path: Path) -> list[Row]:
    with open_text(path) as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames:
            raise UserError(f"{path}: empty; Locust writes a header line first")
        reader.fieldnames = [name.strip() for name in reader.fieldnames]
        return [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]


def percentile_columns(header: Iterable[str]) -> list[tuple[str, str]]:
    """[(column, k6 key)] for every `NN%` column: `95%` → `p(95)`, `99.9%` → `p(99.9)`."""
    out = []
    for column in header:
        m = _PERCENTILE.match(column)
        if m:
            out.append((column, f"p({float(m.group(1)):g})"))
    return out


def _get(row: Row, *names: str) -> float | None:
    for name in names:
        if name in row:
            return number(row[name])
    return None


def trend_of(row: Row, count_column: str = "Request Count", prefix: str = "") -> dict[str, float]:
    """k6 trend keys from a stats row: avg, med, min, max, count and every percentile column."""
    out: dict[str, float] = {}
    for key, column in (
        ("avg", f"{prefix}Average Response Time"),
        ("med", f"{prefix}Median Response Time"),
        ("min", f"{prefix}Min Response Time"),
        ("max", f"{prefix}Max Response Time"),
        ("count", count_column),
    ):
        value = _get(row, column)
        if value is not None:
            out[key] = value
    for column, key in percentile_columns(row):
        value = number(row[column])
        if value is not None:
            out[key] = value
    return out


def _is_aggregated(row: Row) -> bool:
    return row.get("Name", "").strip() == AGGREGATED and not row.get("Type", "").strip()


def _label(row: Row) -> str:
    method = row.get("Type", "").strip()
    name = row.get("Name", "")
    return f"{method} {name}".strip()


def totals_from_stats(rows: list[Row], duration_s: float) -> dict[str, dict[str, float]]:
    """The `metrics` block from `_stats.csv`: the Aggregated row, then one submetric per row."""
    total = next((r for r in rows if _is_aggregated(r)), None)
    if total is None:
        raise UserError("no Aggregated row in the stats CSV; is it a Locust *_stats.csv?")
    metrics = _entry_metrics(total, duration_s)
    for row in rows:
        if _is_aggregated(row):
            continue
        tags = f"method:{row.get('Type', '').strip()},name:{row.get('Name', '')}"
        for key, values in _entry_metrics(row, duration_s).items():
            metrics[f"{key}{{{tags}}}"] = values
    return metrics


def _entry_metrics(row: Row, duration_s: float) -> dict[str, dict[str, float]]:
    requests = _get(row, "Request Count", "# requests") or 0.0
    failures = _get(row, "Failure Count", "# failures") or 0.0
    rate = _get(row, "Requests/s")
    return {
        "http_reqs": {
            "count": requests,
            "rate": rate if rate is not None else (requests / duration_s if duration_s else 0.0),
        },
        "http_req_duration": trend_of(row),
        "http_req_failed": {
            "rate": failures / requests if requests else 0.0,
            "passes": failures,
            "fails": requests - failures,
        },
    }


@dataclass(frozen=True)
class _Tick:
    """One history timestamp: its Aggregated row and the per-name rows beside it."""

    ts: int
    total: Row
    names: tuple[Row, ...]


def ticks(rows: list[Row]) -> list[_Tick]:
    by_ts: dict[int, tuple[list[Row], list[Row]]] = {}
    for row in rows:
        ts = number(row.get("Timestamp"))
        if ts is None:
            continue
        totals, names = by_ts.setdefault(int(ts), ([], []))
        (totals if _is_aggregated(row) else names).append(row)
    return [
        _Tick(ts, totals[-1], tuple(names))
        for ts, (totals, names) in sorted(by_ts.items())
        if totals
    ]


def _count(row: Row, column: str) -> float:
    return _get(row, column) or 0.0


def _window_latency(row: Row, prev: Row | None, windowed: bool) -> LatencyStats:
    """Mean over the window from the running means (exact); percentiles as Locust wrote them."""
    n1 = _count(row, "Total Request Count")
    n0 = _count(prev, "Total Request Count") if prev else 0.0
    a1 = _get(row, "Total Average Response Time") or 0.0
    a0 = (_get(prev, "Total Average Response Time") or 0.0) if prev else 0.0
    count = int(n1 - n0)
    if count <= 0 and not windowed:
        return LatencyStats()
    mean = (a1 * n1 - a0 * n0) / count if count > 0 else 0.0
    pct = trend_of(row, count_column="Total Request Count", prefix="Total ")
    return LatencyStats(
        count=max(count, 0),
        min=pct.get("min", 0.0) if not windowed else pct.get("p(0)", pct.get("min", 0.0)),
        mean=max(mean, 0.0),
        p50=pct.get("p(50)", pct.get("med", 0.0)),
        p90=pct.get("p(90)", 0.0),
        p95=pct.get("p(95)", 0.0),
        p99=pct.get("p(99)", 0.0),
        max=pct.get("p(100)", pct.get("max", 0.0)),
    )


def windows_from_history(rows: list[Row]) -> tuple[list[MetricWindow], bool]:
    """Windows between consecutive history timestamps, and whether percentiles were windowed
    (full history: rows per name beside the Aggregated ones)."""
    found = ticks(rows)
    windowed = any(t.names for t in found)
    out: list[MetricWindow] = []
    if not found:
        return out, windowed
    start = found[0].ts
    prev: _Tick | None = None
    prev_names: dict[str, Row] = {}
    for tick in found:
        row = tick.total
        interval = float(tick.ts - prev.ts) if prev else 1.0
        requests = int(
            _count(row, "Total Request Count")
            - (_count(prev.total, "Total Request Count") if prev else 0)
        )
        errors = int(
            _count(row, "Total Failure Count")
            - (_count(prev.total, "Total Failure Count") if prev else 0)
        )
        by_route: dict[str, Breakdown] = {}
        for named in tick.names:
            before = prev_names.get(_label(named))
            r = int(
                _count(named, "Total Request Count")
                - (_count(before, "Total Request Count") if before else 0)
            )
            e = int(
                _count(named, "Total Failure Count")
                - (_count(before, "Total Failure Count") if before else 0)
            )
            by_route[_label(named)] = Breakdown(
                requests=max(r, 0),
                errors=max(e, 0),
                latency=_window_latency(named, before, windowed),
            )
            prev_names[_label(named)] = named
        users = int(_count(row, "User Count"))
        latency = _window_latency(row, prev.total if prev else None, windowed)
        out.append(
            MetricWindow(
                t=float(tick.ts - start + 1),
                ts=datetime.fromtimestamp(tick.ts, UTC),
                interval_s=interval,
                target_rate=float(users),
                active=users,
                requests=max(requests, 0),
                errors=max(errors, 0),
                rps=round(max(requests, 0) / interval, 3) if interval > 0 else 0.0,
                latency=latency,
                service=latency,  # Locust times from the actual send: the same numbers
                by_route=dict(sorted(by_route.items())),
            )
        )
        prev = tick
    return out, windowed


def error_class(message: str) -> str:
    """A Locust error text (an exception repr or an HTTP error) as loadtui's error classes."""
    text = message.lower()
    m = re.search(r"\b([45])\d\d\b", text)
    if "timeout" in text or "timed out" in text:
        return "timeout"
    if "gaierror" in text or "name or service not known" in text or "nodename nor servname" in text:
        return "dns"
    if "refused" in text:
        return "refused"
    if "reset" in text or "remotedisconnected" in text or "broken pipe" in text:
        return "reset"
    if m and ("http" in text or "status" in text or "error" in text):
        return f"http_{m.group(1)}xx"
    return "other"


def failures_of(rows: list[Row]) -> tuple[dict[str, int], list[str]]:
    by_class: Counter[str] = Counter()
    examples: list[str] = []
    for row in rows:
        n = int(_get(row, "Occurrences") or 0)
        error = row.get("Error", "")
        by_class[error_class(error)] += n
        where = f"{row.get('Method', '').strip()} {row.get('Name', '')}".strip()
        examples.append(f"{where}: {error} ×{n}")
    return dict(by_class), examples


def read_locust(prefix: Path | str) -> ImportedRun:
    """The run behind one `--csv` prefix (at least its stats or its history file)."""
    prefix = Path(prefix)
    stats_path = prefix.with_name(prefix.name + "_stats.csv")
    history_path = prefix.with_name(prefix.name + "_stats_history.csv")
    failures_path = prefix.with_name(prefix.name + "_failures.csv")
    if not stats_path.is_file() and not history_path.is_file():
        raise UserError(
            f"{prefix}: neither {stats_path.name} nor {history_path.name} exists; "
            f"give {LOCUST_FILES}"
        )
    files: list[Path] = []
    notes: list[str] = []
    windows: list[MetricWindow] = []
    started: datetime | None = None
    ended: datetime | None = None
    if history_path.is_file():
        files.append(history_path)
        history = read_rows(history_path)
        windows, windowed = windows_from_history(history)
        found = ticks(history)
        if found:
            # Locust writes a history row every second from the start: the first one closes
            # the run's first second
            started = datetime.fromtimestamp(found[0].ts - 1, UTC)
            ended = datetime.fromtimestamp(found[-1].ts, UTC)
        if not windowed:
            notes.append(
                "Locust's history percentiles are the run so far (no --csv-full-history): "
                "window p50/p95/p99 are cumulative; window means are exact"
            )
    duration = (ended - started).total_seconds() if started and ended else 0.0
    if stats_path.is_file():
        files.insert(0, stats_path)
        stats = read_rows(stats_path)
        try:
            metrics = totals_from_stats(stats, duration)
        except UserError as exc:
            raise UserError(f"{stats_path}: {exc}") from exc
        total = metrics["http_reqs"]
        if not duration and total.get("count") and total.get("rate"):
            duration = total["count"] / total["rate"]  # Locust's total rps is count / run time
    else:
        last = ticks(history)[-1].total if windows else {}
        metrics = _history_totals(last, duration)
        notes.append("no _stats.csv beside the history: totals from its last Aggregated row")
    if started is None:
        ended = modified_at(stats_path)
        started = ended - timedelta(seconds=duration)
        notes.append(
            "no _stats_history.csv: no windows, and the run is dated by the file's "
            "modification time"
        )
    errors_by_class: dict[str, int] = {}
    if failures_path.is_file():
        files.append(failures_path)
        errors_by_class, examples = failures_of(read_rows(failures_path))
        notes.extend(f"failure: {line}" for line in examples[:20])
    return ImportedRun(
        source="locust",
        name=prefix.name,
        files=files,
        started=started,
        ended=ended,
        duration_s=duration,
        metrics=metrics,
        windows=windows,
        errors_by_class=errors_by_class,
        notes=notes,
        shape="Locust CSV",
    )


def _history_totals(row: Mapping[str, str], duration_s: float) -> dict[str, dict[str, float]]:
    requests = _get(dict(row), "Total Request Count") or 0.0
    failures = _get(dict(row), "Total Failure Count") or 0.0
    return {
        "http_reqs": {"count": requests, "rate": requests / duration_s if duration_s else 0.0},
        "http_req_duration": trend_of(dict(row), "Total Request Count", prefix="Total "),
        "http_req_failed": {
            "rate": failures / requests if requests else 0.0,
            "passes": failures,
            "fails": requests - failures,
        },
    }
