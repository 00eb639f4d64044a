"""Hand-made request frames in REQUEST_SCHEMA for the session and bot tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from loadtui.contracts import REQUEST_SCHEMA
from loadtui.ingest.routes import add_routes

T0 = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def requests(
    rows: list[tuple[str, str, float, str]], session_ids: list[str | None] | None = None
) -> pl.DataFrame:
    """(client, user agent, seconds after T0, path) → a frame with routes filled."""
    ids = session_ids or [None] * len(rows)
    data = [
        {
            "ts": T0 + timedelta(seconds=t),
            "client": client,
            "session_id": sid,
            "method": "GET",
            "path": path,
            "query": None,
            "route": None,
            "status": 200,
            "bytes": 100,
            "response_ms": 10.0,
            "user_agent": agent,
            "referrer": None,
        }
        for (client, agent, t, path), sid in zip(rows, ids, strict=True)
    ]
    return add_routes(pl.DataFrame(data, schema=REQUEST_SCHEMA)).sort("ts")


def browse(
    client: str, agent: str, start: float, pages: int, gap: float
) -> list[tuple[str, str, float, str]]:
    """A person: a page, its assets a moment later, then a pause."""
    rows = []
    for i in range(pages):
        t = start + i * gap
        rows.append((client, agent, t, f"/products/{(i * 37) % 500 + 1}"))
        rows.append((client, agent, t + 0.2, "/static/app.js"))
        rows.append((client, agent, t + 0.3, "/static/style.css"))
    return rows


def walk_ids(
    client: str, agent: str, start: float, n: int, gap: float
) -> list[tuple[str, str, float, str]]:
    return [(client, agent, start + i * gap, f"/products/{100 + i}") for i in range(n)]
