"""Access logs whose paths, query values and user agents hold hostile display text, written in
every format loadtui reads (combined, common, nginx, JSON lines, CSV, HAR).

Each log has `CLIENTS` clients of `REQUESTS` requests each, spread over a few routes so the
profiler finds personas; one route, one query value and every user agent carry `value`.
Text formats cannot hold a line break inside a line, nor a space or a quote in the request
line (Apache escapes those), so `value` is written raw minus those characters; JSON lines
and HAR carry it whole, CSV minus line breaks.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

FORMATS = ("combined", "common", "nginx", "jsonl", "csv", "har")
CLIENTS = 16
REQUESTS = 5
T0 = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)

# What an attacker puts in a path or a user agent to act on the screen of whoever reads it.
MARKUP = ("[", "[/x]", "[/b]", "[@click=app.quit]x[/]", "[link=https://evil.example]y[/link]", "]")
CONTROLS = (
    "\x1b[2J",  # CSI: clear the screen
    "\x1b]0;PWNED\x07",  # OSC 0: set the window title
    "\x1b]52;c;cHduZWQ=\x07",  # OSC 52: write the clipboard
    "\x9b31m",  # C1 CSI
    "\x00",
    "\u202e",  # right-to-left override
    "\x07",
    "\x7f",
)


def _requests(value: str, *, line_safe: bool) -> list[dict[str, object]]:
    """The log's rows, in time order: client, time, method, path (with query), status, UA."""
    hostile = value
    if line_safe:  # one line each, request line split on spaces, fields in quotes
        hostile = "".join(c for c in value if c not in ' "\\\n\r')
    routes = (f"/shop/{hostile}", "/products/7", f"/search?q={hostile}", "/", "/cart")
    rows = []
    for c in range(CLIENTS):
        agent = f"Mozilla/5.0 (client {c}) {hostile}"
        start = T0 + timedelta(seconds=37 * c)
        for r in range(REQUESTS):
            path = routes[(c + r) % len(routes)] if c % 2 else routes[r % 2]
            rows.append(
                {
                    "ip": f"198.51.100.{c + 1}",
                    "ts": start + timedelta(seconds=(4 + c % 3) * r),
                    "method": "GET",
                    "path": path,
                    "status": 200 if r % 4 else 404,
                    "agent": agent,
                    "ref": f"https://site.example/{hostile}",
                }
            )
    return sorted(rows, key=lambda row: row["ts"])  # type: ignore[arg-type,return-value]


def _clf(row: dict[str, object], kind: str) -> str:
    ts = row["ts"]
    assert isinstance(ts, datetime)
    stamp = ts.strftime("%d/%b/%Y:%H:%M:%S +0000")
    head = f'{row["ip"]} - - [{stamp}] "{row["method"]} {row["path"]} HTTP/1.1" {row["status"]} 512'
    if kind == "common":
        return head
    line = f'{head} "{row["ref"]}" "{row["agent"]}"'
    return line + " 0.042" if kind == "nginx" else line


def write_log(directory: Path, kind: str, value: str) -> Path:
    """A log of format `kind` in `directory` whose paths, query values and UAs hold `value`."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = _requests(value, line_safe=kind in ("combined", "common", "nginx"))
    if kind in ("combined", "common", "nginx"):
        path = directory / f"{kind}.log"
        path.write_text("".join(_clf(r, kind) + "\n" for r in rows), encoding="utf-8")
    elif kind == "jsonl":
        path = directory / "access.jsonl"
        lines = [
            json.dumps(
                {
                    "time": r["ts"].isoformat(),  # type: ignore[attr-defined]
                    "remote_addr": r["ip"],
                    "request_method": r["method"],
                    "request_uri": r["path"],
                    "status": r["status"],
                    "http_user_agent": r["agent"],
                    "http_referer": r["ref"],
                }
            )
            for r in rows
        ]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif kind == "csv":
        path = directory / "access.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(["timestamp", "client_ip", "method", "path", "status_code", "user_agent"])
            for r in rows:
                clean_agent = str(r["agent"]).replace("\n", "").replace("\r", "")
                clean_path = str(r["path"]).replace("\n", "").replace("\r", "")
                ts = r["ts"].isoformat()  # type: ignore[attr-defined]
                out.writerow([ts, r["ip"], r["method"], clean_path, r["status"], clean_agent])
    elif kind == "har":
        path = directory / "recording.har"
        entries = [
            {
                "startedDateTime": r["ts"].isoformat(),  # type: ignore[attr-defined]
                "time": 42.0,
                "request": {
                    "method": r["method"],
                    "url": f"https://shop.example{r['path']}",  # raw, as a crafted file has it
                    "headers": [{"name": "User-Agent", "value": r["agent"]}],
                },
                "response": {"status": r["status"], "bodySize": 512},
            }
            for r in rows
        ]
        path.write_text(json.dumps({"log": {"version": "1.2", "entries": entries}}))
    else:
        raise ValueError(kind)
    return path
