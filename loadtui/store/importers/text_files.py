"""Opening result files as text: gzip sniffed by its magic bytes (not the name), UTF-8 with or
without a BOM, undecodable bytes replaced rather than fatal, any line ending."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, cast

from loadtui.errors import UserError

GZIP_MAGIC = b"\x1f\x8b"


def open_text(path: Path) -> IO[str]:
    """A text stream over `path` (gunzipped when it is gzip). `newline=""` keeps `\\r\\n` for
    the csv module, which handles it; line readers strip it themselves."""
    if not path.is_file():
        raise UserError(f"{path}: no such file; give the path of a k6 or Locust result file")
    with path.open("rb") as fh:
        magic = fh.read(2)
    # the returned wrapper owns (and closes) the raw stream
    raw = cast(IO[bytes], gzip.GzipFile(path, "rb")) if magic == GZIP_MAGIC else path.open("rb")
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")


def modified_at(path: Path) -> datetime:
    """The file's modification time, the best clock left when a summary carries none."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)
