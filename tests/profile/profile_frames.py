"""Hand-built request frames in REQUEST_SCHEMA for the profile tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import polars as pl

from loadtui.contracts import REQUEST_SCHEMA

T0 = datetime(2024, 3, 4, 12, 0, 0, tzinfo=UTC)


@dataclass
class Req:
    """One request; `t` is seconds after T0."""

    client: str
    t: float
    path: str
    method: str = "GET"
    route: str | None = None
    status: int = 200
    user_agent: str = "Mozilla/5.0"
    referrer: str | None = None
    response_ms: float | None = 12.0
    query: str | None = None
    session_id: str | None = None


def frame(reqs: list[Req]) -> pl.DataFrame:
    rows = [
        {
            "ts": T0 + timedelta(seconds=r.t),
            "client": r.client,
            "session_id": r.session_id,
            "method": r.method,
            "path": r.path,
            "query": r.query,
            "route": r.route or r.path,
            "status": r.status,
            "bytes": 100,
            "response_ms": r.response_ms,
            "user_agent": r.user_agent,
            "referrer": r.referrer,
        }
        for r in reqs
    ]
    return pl.DataFrame(rows, schema=REQUEST_SCHEMA).sort("ts")


def with_sessions(df: pl.DataFrame) -> pl.DataFrame:
    """A stand-in for ingest's session column: one session per client (tests of pure parts)."""
    return df.with_columns(pl.col("client").alias("session"))
