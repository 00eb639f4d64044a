"""Locust's CSV stats turned into loadtui's window parts (pure functions, no processes).

Locust writes `PREFIX_stats_history.csv` once a second: with `--csv-full-history` one row per
request name plus an `Aggregated` row, each with cumulative totals (`Total Request Count`,
`Total Failure Count`, `Total Average Content Size`) and *current* percentiles (over Locust's
sliding window, which the runner narrows to about a second). A window's requests and failures
are differences of the totals, so they add up exactly to Locust's own totals. Latency is what
Locust reports: response times rounded to ~2 significant digits, percentiles only; a window's
histogram is rebuilt from them (each request placed at the reported percentile covering its
rank), so percentiles read back from it match Locust's at its reported levels, and below the
median every request sits at the median (Locust says nothing finer).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np

from loadtui.engine.histogram import LatencyHistogram

AGGREGATED = "Aggregated"
_PCT = re.compile(r"^(\d+(?:\.\d+)?)%$")


def _num(text: str | None) -> float | None:
    if text is None or text.strip() in ("", "N/A"):
        return None
    try:
        return float(text)
    except ValueError:
        return None


def percentile_columns(header: list[str]) -> list[tuple[str, float]]:
    """(column, level 0..1) of every percentile column, whatever set the run reported."""
    out = []
    for col in header:
        m = _PCT.match(col.strip())
        if m:
            out.append((col, float(m.group(1)) / 100))
    return sorted(out, key=lambda c: c[1])


def histogram_from_percentiles(count: int, points: list[tuple[float, float]]) -> LatencyHistogram:
    """`count` requests spread over Locust's (level, ms) percentiles: rank i (of count) gets
    the value of the lowest reported level ≥ (i + 0.5) / count."""
    h = LatencyHistogram()
    pts = sorted((lvl, ms) for lvl, ms in points if ms is not None and ms >= 0)
    if count <= 0 or not pts:
        return h
    levels = np.array([p[0] for p in pts])
    values_ms = np.array([p[1] for p in pts])
    q = (np.arange(count) + 0.5) / count
    idx = np.minimum(np.searchsorted(levels, q, side="left"), len(pts) - 1)
    us = np.maximum(np.rint(values_ms[idx] * 1000.0), 1).astype(np.int64)
    h.add_us(us)
    return h


@dataclass(slots=True)
class Row:
    """One row of the history (or of `_stats.csv`): a request name at one moment."""

    ts: int
    users: int
    key: str  # "GET /products/{id}" or "Aggregated"
    total_requests: int
    total_failures: int
    avg_content: float
    percentiles: list[tuple[float, float]] = field(default_factory=list)


def parse_rows(text: str, *, history: bool = True) -> list[Row]:
    """Rows of a complete CSV text (header first); lines without numbers are skipped."""
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    pcols = percentile_columns(list(header))
    count_col = "Total Request Count" if history else "Request Count"
    fail_col = "Total Failure Count" if history else "Failure Count"
    size_col = "Total Average Content Size" if history else "Average Content Size"
    rows: list[Row] = []
    for rec in reader:
        requests = _num(rec.get(count_col))
        if requests is None:
            continue
        name = rec.get("Name") or ""
        kind = rec.get("Type") or ""
        key = AGGREGATED if name == AGGREGATED and not kind else f"{kind} {name}"
        pcts = [(lvl, v) for col, lvl in pcols if (v := _num(rec.get(col))) is not None]
        rows.append(
            Row(
                ts=int(_num(rec.get("Timestamp")) or 0),
                users=int(_num(rec.get("User Count")) or 0),
                key=key,
                total_requests=int(requests),
                total_failures=int(_num(rec.get(fail_col)) or 0),
                avg_content=_num(rec.get(size_col)) or 0.0,
                percentiles=pcts,
            )
        )
    return rows


def error_class(message: str) -> str:
    """loadtui's error class for a Locust failure message (`HTTP 503`, `ConnectionRefused…`)."""
    m = re.search(r"HTTP (\d{3})", message)
    if m:
        code = int(m.group(1))
        return "http_5xx" if code >= 500 else "http_4xx" if code >= 400 else "other"
    low = message.lower()
    if "refused" in low:
        return "refused"
    if "timeout" in low or "timed out" in low:
        return "timeout"
    if "reset" in low or "broken pipe" in low:
        return "reset"
    if "name or service" in low or "getaddrinfo" in low or "nodename" in low:
        return "dns"
    return "other"


def failure_totals(text: str) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """From `_failures.csv`: failures by class, by HTTP status and one example per class."""
    by_class: dict[str, int] = {}
    by_status: dict[str, int] = {}
    examples: dict[str, str] = {}
    for rec in csv.DictReader(io.StringIO(text)):
        n = int(_num(rec.get("Occurrences")) or 0)
        message = rec.get("Error") or ""
        cls = error_class(message)
        by_class[cls] = by_class.get(cls, 0) + n
        m = re.search(r"HTTP (\d{3})", message)
        if m:
            by_status[m.group(1)] = by_status.get(m.group(1), 0) + n
        examples.setdefault(
            cls, f"{message[:160]} on {rec.get('Method', '')} {rec.get('Name', '')}"
        )
    return by_class, by_status, examples


class Tail:
    """Complete lines appended to a file since the last read (a writer may be mid-line)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.offset = 0
        self.header: str | None = None

    def read(self) -> str:
        """New complete lines, with the header line first (empty when nothing new)."""
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return ""
        end = data.rfind(b"\n")
        if end < 0:
            return ""
        chunk = data[: end + 1].decode("utf-8", "replace")
        self.offset += end + 1
        if self.header is None:
            first, _, chunk = chunk.partition("\n")
            self.header = first + "\n"
        return self.header + chunk if chunk else ""
