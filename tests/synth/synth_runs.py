"""The synth tests' shared pieces: the seeded size of the log, the line format `loadtui synth`
promises, and running it through the command line (conftest.py's `synth` fixture uses them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

SESSIONS = 400
SEED = 11

# nginx combined + $request_time, strictly: what `loadtui synth` promises to write
LINE = re.compile(
    r"^(?P<client>\d{1,3}(?:\.\d{1,3}){3}) - - "
    r"\[(?P<time>\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000)\] "
    r'"(?P<method>GET|POST|PUT|DELETE) (?P<target>/\S*) HTTP/(?:1\.1|2\.0)" '
    r'(?P<status>\d{3}) (?P<bytes>\d+) "(?P<referrer>[^"]*)" "(?P<ua>[^"]+)" '
    r"(?P<rt>\d+\.\d{3})$"
)


@dataclass(frozen=True)
class Synth:
    log: Path
    truth_csv: Path
    requests: pl.DataFrame  # parsed with LINE
    truth: pl.DataFrame


def parse_lines(path: Path) -> pl.DataFrame:
    rows = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        m = LINE.match(line)
        assert m, f"line {n} is not combined+request_time: {line!r}"
        d = m.groupdict()
        rows.append(
            {
                "ts": datetime.strptime(d["time"], "%d/%b/%Y:%H:%M:%S %z"),
                "client": d["client"],
                "user_agent": d["ua"],
                "method": d["method"],
                "target": d["target"],
                "path": d["target"].split("?", 1)[0],
                "status": int(d["status"]),
                "bytes": int(d["bytes"]),
                "referrer": d["referrer"],
                "rt": float(d["rt"]),
            }
        )
    return pl.DataFrame(rows)


def run_synth(*args: str) -> int:
    from loadtui.cli import main

    return main(["synth", *args])
