"""Write a generated log as text: nginx/Apache lines, JSON lines or CSV; gzip by file name.

Lines are built as whole columns by polars and written in chunks, so a million lines cost about
as much as the disk write. Gzip output sets no name and no time in its header: the same frame
gives the same bytes.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import BinaryIO

import polars as pl

FORMATS = ("nginx", "combined", "jsonl", "csv")
CHUNK_ROWS = 200_000
GZIP_LEVEL = 6


def _request_time(ms: pl.Expr) -> pl.Expr:
    """nginx `$request_time`: seconds with exactly three decimals (`0.012`)."""
    whole = ms.round(0).cast(pl.Int64)
    return pl.concat_str(
        (whole // 1000).cast(pl.String),
        pl.lit("."),
        (whole % 1000).cast(pl.String).str.zfill(3),
    )


def combined_lines(rows: pl.DataFrame, *, request_time: bool = True) -> pl.Series:
    """`host - - [time] "request" status bytes "referer" "ua"` (+ ` request_time`)."""
    target = pl.concat_str(
        "path", pl.when(pl.col("query").is_not_null()).then(pl.lit("?")), "query", ignore_nulls=True
    )
    parts: list[pl.Expr | str] = [
        "client",
        pl.lit(" - - ["),
        pl.col("ts").dt.strftime("%d/%b/%Y:%H:%M:%S %z"),
        pl.lit('] "'),
        "method",
        pl.lit(" "),
        target,
        pl.lit(" "),
        "http_version",
        pl.lit('" '),
        pl.col("status").cast(pl.String),
        pl.lit(" "),
        pl.col("bytes").cast(pl.String),
        pl.lit(' "'),
        "referrer",
        pl.lit('" "'),
        "user_agent",
        pl.lit('"'),
    ]
    if request_time:
        parts += [pl.lit(" "), _request_time(pl.col("response_ms"))]
    return rows.select(pl.concat_str(parts).alias("line")).to_series()


def _json_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """nginx `escape=json` style keys, the aliases log shippers use."""
    return rows.select(
        pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%S%.3f%:z").alias("time"),
        pl.col("client").alias("remote_addr"),
        pl.col("method").alias("request_method"),
        pl.concat_str(
            "path",
            pl.when(pl.col("query").is_not_null()).then(pl.lit("?")),
            "query",
            ignore_nulls=True,
        ).alias("request_uri"),
        pl.col("http_version").alias("server_protocol"),
        "status",
        pl.col("bytes").alias("body_bytes_sent"),
        (pl.col("response_ms") / 1000.0).round(3).alias("request_time"),
        pl.col("referrer").alias("http_referer"),
        pl.col("user_agent").alias("http_user_agent"),
    )


def _csv_frame(rows: pl.DataFrame) -> pl.DataFrame:
    """The request-frame column names, so a CSV reader maps them by header."""
    return rows.select(
        pl.col("ts").dt.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").alias("timestamp"),
        "client",
        "method",
        "path",
        "query",
        "status",
        "bytes",
        "response_ms",
        "user_agent",
        pl.when(pl.col("referrer") == "-").then(None).otherwise("referrer").alias("referrer"),
    )


def _write_chunks(rows: pl.DataFrame, fmt: str, out: BinaryIO) -> None:
    for offset in range(0, rows.height, CHUNK_ROWS):
        chunk = rows.slice(offset, CHUNK_ROWS)
        if fmt in ("nginx", "combined"):
            lines = combined_lines(chunk, request_time=fmt == "nginx").to_frame()
            # one column, never quoted: CSV writing is polars' fastest way to bytes
            lines.write_csv(out, include_header=False, quote_style="never")
        elif fmt == "jsonl":
            _json_frame(chunk).write_ndjson(out)
        else:
            _csv_frame(chunk).write_csv(out, include_header=offset == 0)
    if rows.height == 0 and fmt == "csv":
        _csv_frame(rows).write_csv(out)


def write_stream(rows: pl.DataFrame, out: BinaryIO, fmt: str = "nginx") -> int:
    """Write `rows` to an open binary stream (stdout, a socket, a buffer) uncompressed."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    _write_chunks(rows, fmt, out)
    return rows.height


def write_log(rows: pl.DataFrame, path: str | Path, fmt: str = "nginx") -> int:
    """Write `rows` (a `SynthLog.rows` frame) to `path` in `fmt`; `.gz` compresses. Returns the
    number of requests written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    path = Path(path)
    with path.open("wb") as raw:
        if path.suffix == ".gz":
            with gzip.GzipFile(
                filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0
            ) as gz:
                _write_chunks(rows, fmt, gz)  # type: ignore[arg-type]
        else:
            _write_chunks(rows, fmt, raw)
    return rows.height


def write_truth(truth: pl.DataFrame, path: str | Path) -> None:
    """One row per true session: session, client, user_agent, persona, is_bot, start, end,
    requests. Times are UTC ISO 8601 to the second, as the log shows them."""
    truth.with_columns(
        pl.col("start", "end").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        pl.col("is_bot").cast(pl.String).str.to_lowercase(),
    ).write_csv(Path(path))
