"""A k6 result file of any kind: sniffed by content (never by name), read into an ImportedRun.

NDJSON if its first non-empty line is a `Metric` or `Point` object, else one JSON document
that must be one of the three summary shapes (see `k6_summary`).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from loadtui.errors import UserError
from loadtui.store.importers.imported import ImportedRun
from loadtui.store.importers.k6_ndjson import read_ndjson
from loadtui.store.importers.k6_summary import K6_SHAPES, read_summary
from loadtui.store.importers.text_files import open_text


def _is_ndjson_line(line: str) -> bool:
    try:
        obj = json.loads(line)
    except ValueError:
        return False
    return isinstance(obj, dict) and obj.get("type") in ("Metric", "Point")


def read_k6(path: Path | str) -> ImportedRun:
    path = Path(path)
    with open_text(path) as fh:
        head: list[str] = []
        for line in fh:
            head.append(line)
            if line.strip():
                break
        if head and _is_ndjson_line(head[-1]):
            return read_ndjson(itertools.chain(head, fh), path)
        text = "".join(head) + fh.read()
    if not text.strip():
        raise UserError(f"{path}: the file is empty; it should hold {K6_SHAPES}")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UserError(
            f"{path}: not JSON ({exc.__class__.__name__} at {getattr(exc, 'pos', '?')}); "
            f"k6 import reads {K6_SHAPES}"
        ) from exc
    return read_summary(data, path)
