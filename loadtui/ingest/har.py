"""HAR 1.1/1.2 archives (browser dev tools, WebPageTest, Browsertime): `log.entries[]`.

A HAR file is one JSON document, so it is read whole; archives hold hundreds to a few
thousand entries, so walking them in Python is cheap next to the JSON decoding. An entry is
the unit of good and bad (its number, from 1, is the "line" in reports). One archive is one
browser: its client is `har:<file name>`, so the recording becomes one session per UA.

A page recording also holds every third-party call the page made (CDNs, analytics, ads,
fonts): those are not the system under test, and mixed in they would become routes a plan
sends to the target. Only entries for the site's own host (the host of the first entry, the
page navigation) are kept; the others are counted by host for the report.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import polars as pl

from loadtui.errors import UserError
from loadtui.ingest.fields import (
    BAD_SCHEMA,
    ParsedChunk,
    conform,
    parse_time_any,
    split_target,
)


def load_har(data: bytes, source: Path) -> tuple[list[Any], str]:
    """(entries, HAR version), or a `UserError` saying why this is not a HAR file."""
    try:
        doc = json.loads(data.decode("utf-8", "replace"))
    except ValueError as exc:
        raise UserError(f"{source} is not valid JSON ({exc}); is it a HAR file?") from exc
    log = doc.get("log") if isinstance(doc, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise UserError(f"{source} has no log.entries list; is it a HAR 1.1/1.2 file?")
    assert isinstance(log, dict)
    return entries, str(log.get("version") or "")


def _header(headers: object, name: str) -> str | None:
    if not isinstance(headers, list):
        return None
    for h in headers:
        if isinstance(h, dict) and str(h.get("name", "")).lower() == name:
            value = h.get("value")
            return str(value) if value is not None else None
    return None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(frozen=True)
class HarParse:
    """The site's entries, and how many entries each other host had (left out)."""

    chunk: ParsedChunk
    site: str | None  # host[:port] of the first entry (the page navigation)
    other_hosts: Counter[str] = field(default_factory=Counter)

    def describe_others(self, top: int = 3) -> str:
        """`12 entries for 5 other hosts left out (cdn.example 6, ...)`, or ''."""
        if not self.other_hosts:
            return ""
        total = sum(self.other_hosts.values())
        named = ", ".join(f"{h} {n}" for h, n in self.other_hosts.most_common(top))
        more = ", …" if len(self.other_hosts) > top else ""
        hosts = len(self.other_hosts)
        return (
            f"{total} {'entry' if total == 1 else 'entries'} for {hosts} other "
            f"host{'s' if hosts != 1 else ''} left out ({named}{more})"
        )


def _host(url: str) -> str | None:
    """Lower-cased host[:port] of an absolute URL; None for a relative or broken one."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not host:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return host if port is None or port == default else f"{host}:{port}"


def parse_har(entries: list[Any], source: Path) -> HarParse:
    client = f"har:{source.name}"
    site: str | None = None
    others: Counter[str] = Counter()
    rows: dict[str, list[Any]] = {c: [] for c in ("line_no", "ts", "method", "url", "status")}
    rows.update({c: [] for c in ("bytes", "response_ms", "user_agent", "referrer")})
    bad: list[tuple[int, str, str]] = []
    for number, entry in enumerate(entries, start=1):
        request = entry.get("request") if isinstance(entry, dict) else None
        response = entry.get("response") if isinstance(entry, dict) else None
        started = entry.get("startedDateTime") if isinstance(entry, dict) else None
        url = request.get("url") if isinstance(request, dict) else None
        if not isinstance(url, str) or not isinstance(started, str):
            excerpt = json.dumps(entry)[:200] if entry is not None else "null"
            bad.append((number, "HAR entry without request.url or startedDateTime", excerpt))
            continue
        assert isinstance(request, dict)
        host = _host(url)
        if site is None and host is not None:
            site = host
        if host is not None and host != site:
            others[host] += 1
            continue
        response = response if isinstance(response, dict) else {}
        size = _number(response.get("bodySize"))
        if size is None or size < 0:
            content = response.get("content")
            size = _number(content.get("size")) if isinstance(content, dict) else None
        elapsed = _number(entry.get("time"))
        status = _number(response.get("status"))
        rows["line_no"].append(number)
        rows["ts"].append(started)
        rows["method"].append(str(request.get("method") or "GET").upper())
        rows["url"].append(url)
        rows["status"].append(int(status) if status is not None else None)
        rows["bytes"].append(int(size) if size is not None and size >= 0 else None)
        rows["response_ms"].append(elapsed if elapsed is not None and elapsed >= 0 else None)
        rows["user_agent"].append(_header(request.get("headers"), "user-agent"))
        rows["referrer"].append(_header(request.get("headers"), "referer"))
    frame = pl.DataFrame(
        rows,
        schema={
            "line_no": pl.Int64(),
            "ts": pl.String(),
            "method": pl.String(),
            "url": pl.String(),
            "status": pl.Int32(),
            "bytes": pl.Int64(),
            "response_ms": pl.Float64(),
            "user_agent": pl.String(),
            "referrer": pl.String(),
        },
    )
    path, query = split_target(pl.col("url"))
    parsed = frame.with_columns(
        pl.col("ts").alias("_raw_ts"),
        parse_time_any(frame, "ts"),
        pl.lit(client).alias("client"),
        path.alias("path"),
        query.alias("query"),
    )
    bad_time = parsed.filter(pl.col("ts").is_null()).select(
        "line_no", pl.lit("bad startedDateTime").alias("reason"), pl.col("_raw_ts").alias("line")
    )
    good = parsed.filter(pl.col("ts").is_not_null())
    bad_frame = pl.concat([pl.DataFrame(bad, schema=BAD_SCHEMA, orient="row"), bad_time]).sort(
        "line_no"
    )
    return HarParse(ParsedChunk(conform(good), bad_frame), site, others)
