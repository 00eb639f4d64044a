"""Reading a log file as chunks of text lines, whatever its compression, encoding or line ends.

Logs can be larger than memory is comfortable with, so files are read in fixed-size byte
chunks cut at the last line end; each chunk becomes one polars String column. Bad UTF-8 is
replaced (U+FFFD) instead of failing, so one broken byte never loses the rest of the file.
Line numbers are physical lines from 1, so a rejected line can be found with `sed -n Np`.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import polars as pl

from loadtui.errors import UserError

CHUNK_BYTES = 32 << 20
HEAD_BYTES = 256 << 10
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class LineChunk:
    """Consecutive lines of one file: `lines[i]` is physical line `first_line_no + i`."""

    lines: pl.Series
    first_line_no: int
    done_bytes: int  # bytes of the file on disk consumed so far (compressed bytes for gzip)


class _Source:
    """A file opened for binary reading, with gzip undone and the on-disk position known."""

    def __init__(self, path: Path) -> None:
        try:
            self.raw: BinaryIO = open(path, "rb")  # noqa: SIM115 - closed in close()
        except FileNotFoundError as exc:
            raise UserError(f"log file not found: {path}; check the path") from exc
        except OSError as exc:
            raise UserError(f"cannot read {path}: {exc.strerror or exc}") from exc
        magic = self.raw.read(2)
        self.raw.seek(0)
        self.stream: BinaryIO = self.raw
        if magic == GZIP_MAGIC:
            packed = gzip.GzipFile(fileobj=self.raw, mode="rb")
            try:
                packed.peek(1)  # a plain log may start with these two bytes by chance
                self.stream = packed  # type: ignore[assignment]
            except (OSError, EOFError):
                self.raw.seek(0)
        self.path = path

    def read(self, n: int) -> bytes:
        try:
            return self.stream.read(n)
        except (OSError, EOFError) as exc:  # corrupt or truncated gzip
            raise UserError(f"cannot read {self.path}: {exc}; is the file complete?") from exc

    def position(self) -> int:
        return self.raw.tell()

    def close(self) -> None:
        if self.stream is not self.raw:
            self.stream.close()
        self.raw.close()


def read_head(path: Path, n_bytes: int = HEAD_BYTES) -> bytes:
    """The first `n_bytes` of the (decompressed) file, for sniffing its format."""
    source = _Source(path)
    try:
        return source.read(n_bytes)
    finally:
        source.close()


def read_all(path: Path) -> bytes:
    """The whole (decompressed) file: for formats that are one JSON document (HAR)."""
    source = _Source(path)
    try:
        parts = []
        while block := source.read(CHUNK_BYTES):
            parts.append(block)
        return b"".join(parts)
    finally:
        source.close()


# polars sniffs these at the start of a buffer and tries to decompress it; a text line that
# happens to start with them (`x^2`, junk) must not reach it first.
COMPRESSION_MAGICS = (b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"x\x01", b"x^", b"x\x9c", b"x\xda")


def decode_lines(data: bytes) -> pl.Series:
    """Split bytes into lines (without `\\n` or `\\r\\n`), replacing invalid UTF-8."""
    head: list[str] = []
    while data.startswith(COMPRESSION_MAGICS):
        cut = data.find(b"\n")
        first, data = (data, b"") if cut < 0 else (data[:cut], data[cut + 1 :])
        head.append(first.decode("utf-8", "replace").removesuffix("\r"))
    lines = pl.Series("line", [], dtype=pl.String)
    if data:
        try:
            frame = pl.read_lines(data)
        except pl.exceptions.ComputeError:  # invalid UTF-8 somewhere in the chunk
            frame = pl.read_lines(data.decode("utf-8", "replace").encode("utf-8"))
        lines = frame.to_series().alias("line")
        if b"\r" in data:
            lines = lines.str.strip_suffix("\r")
    return pl.concat([pl.Series("line", head, dtype=pl.String), lines]) if head else lines


def iter_line_chunks(path: Path, chunk_bytes: int = CHUNK_BYTES) -> Iterator[LineChunk]:
    """Yield the file's lines in chunks of about `chunk_bytes`, each cut at a line end.

    A file whose lines end in a bare `\\r` (old Mac) is read as if they ended in `\\n`.
    """
    source = _Source(path)
    try:
        carry = b""
        next_line = 1
        cr_only: bool | None = None
        while True:
            block = source.read(chunk_bytes)
            if cr_only is None:
                if b"\n" in block:
                    cr_only = False
                elif b"\r" in block.rstrip(b"\r") or (not block and b"\r" in carry):
                    cr_only = True  # a CR inside the block (or at the end of the file)
                elif block:  # no line end seen yet, or a CR that may precede an LF
                    carry += block
                    continue
            if cr_only:
                block = block.replace(b"\r", b"\n")
                carry = carry.replace(b"\r", b"\n")
            if block:
                cut = block.rfind(b"\n")
                if cut < 0:
                    carry += block
                    continue
                # one copy per chunk: the carried partial line plus this block's whole lines
                data = carry + block[: cut + 1] if carry else block[: cut + 1]
                carry = block[cut + 1 :]
            else:
                data, carry = carry, b""
            lines = decode_lines(data)
            if lines.len():
                yield LineChunk(lines, next_line, source.position())
                next_line += lines.len()
            if not block:
                return
    finally:
        source.close()
