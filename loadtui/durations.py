"""k6-style durations ("30s", "5m", "1h30m", "500ms", "2d", bare "90" = seconds), both ways.

One parser for every place a user writes a duration (plan stages, thresholds' abort delays,
`--duration`, `--session-timeout`), so "1h30m" means the same thing everywhere.
"""

from __future__ import annotations

import math
import re

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|d|h|m|s)")
_SCALE = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6}


def parse_duration(text: str | float | int) -> float:
    """Duration text or a number of seconds → seconds.

    ValueError says what a valid duration looks like.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        if text < 0 or math.isnan(text):
            raise ValueError(f"negative duration {text}")
        return float(text)
    raw = str(text).strip().lower()
    try:
        value = float(raw)
    except ValueError:
        pass
    else:
        if value < 0 or math.isnan(value):
            raise ValueError(f"negative duration {text!r}")
        return value
    pos, total = 0, 0.0
    for m in _PART.finditer(raw):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _SCALE[m.group(2)]
        pos = m.end()
    if not raw or pos != len(raw):
        raise ValueError(f"{text!r} is not a duration; use k6 style like 30s, 5m, 1h30m")
    return total


def format_duration(seconds: float) -> str:
    """Seconds → the shortest k6 text: 90 → "1m30s", 3600 → "1h", 0.5 → "500ms"."""
    if seconds < 1:
        return f"{round(seconds * 1000)}ms"
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    out = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{sec}s" if sec else "")
    return out or "0s"
