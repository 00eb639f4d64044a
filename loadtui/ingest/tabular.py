"""JSON-lines and CSV access logs: named fields, mapped to the request frame by `aliases`.

Both formats are parsed a chunk of lines at a time, like the text formats, so a line is the
unit of good and bad and the line numbers in the report are real. Field names are chosen once
per file from the first lines (the sniff); values are pulled out with vectorised polars string
operations: `json_path_match` for JSON and a quoted-field regex for CSV.

CSV is read line by line on purpose: a generic CSV reader lets one stray quote swallow every
following line into a single field, which would lose the rest of the file. A record that spans
lines (a quoted newline) is therefore counted bad; access-log exports do not write those.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

import polars as pl

from loadtui.ingest.aliases import ALIASES, pick, pick_response_time
from loadtui.ingest.fields import (
    ParsedChunk,
    conform,
    is_naive_time,
    parse_time_any,
    seconds_list_to_ms,
    split_target,
)

CSV_FIELD = r'(?:"(?:[^"]|"")*"|[^,"]*)'
CSV_LINE = rf"^{CSV_FIELD}(?:,{CSV_FIELD})*$"
REQUEST_LINE = r"^([A-Za-z]+) +(\S+)"


@dataclass(frozen=True)
class FieldMap:
    """Which source field feeds each request column (a JSON path or a CSV column index)."""

    sources: dict[str, str | int] = field(default_factory=dict)
    rt_factor: float = 1.0  # response-time value × factor = milliseconds
    rt_name: str | None = None

    def describe(self, name: str) -> str:
        notes = []
        if "response_ms" in self.sources:
            notes.append(f"response time from {self.rt_name!r} × {self.rt_factor:g} → ms")
        else:
            notes.append("no response time")
        return f"{name} ({'; '.join(notes)})"


def _flatten(obj: dict[str, object], parts: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """`{"a": {"b": 1}}` → `{"a.b": ["a", "b"]}`: dotted name → key path."""
    out: dict[str, list[str]] = {}
    for key, value in obj.items():
        path = (*parts, str(key))
        if isinstance(value, dict):
            for name, sub in _flatten(value, path).items():
                out.setdefault(name, sub)
        else:
            out.setdefault(".".join(path), list(path))
    return out


def _json_path(parts: list[str]) -> str:
    return "$" + "".join(f"[{json.dumps(p)}]" for p in parts)


def sniff_json(sample: list[str]) -> FieldMap | None:
    """Field map from the first JSON-object lines; None when no line is a usable object."""
    names: dict[str, list[str]] = {}
    for line in sample:
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            for name, parts in _flatten(obj).items():
                names.setdefault(name, parts)
    if not names:
        return None
    sources: dict[str, str | int] = {}
    for column in ALIASES:
        chosen = pick(column, names)
        if chosen is not None:
            sources[column] = _json_path(names[chosen])
    rt = pick_response_time(names)
    if rt is not None:
        sources["response_ms"] = _json_path(names[rt[0]])
    if "ts" not in sources or not ({"path", "request"} & sources.keys()):
        return None
    return FieldMap(sources, rt_factor=rt[1] if rt else 1.0, rt_name=rt[0] if rt else None)


def sniff_csv(header_line: str) -> FieldMap | None:
    """Field map from a CSV header; None when it lacks a time or a path column."""
    try:
        header = next(csv.reader(io.StringIO(header_line)))
    except (StopIteration, csv.Error):
        return None
    names = {h.strip().strip("\ufeff").strip(): i for i, h in enumerate(header)}
    sources: dict[str, str | int] = {}
    for column in ALIASES:
        chosen = pick(column, names)
        if chosen is not None:
            sources[column] = names[chosen]
    rt = pick_response_time(names)
    if rt is not None:
        sources["response_ms"] = names[rt[0]]
    if "ts" not in sources or not ({"path", "request"} & sources.keys()):
        return None
    return FieldMap(sources, rt_factor=rt[1] if rt else 1.0, rt_name=rt[0] if rt else None)


def _csv_value(fields: pl.Expr, index: int) -> pl.Expr:
    raw = fields.list.get(index, null_on_oob=True).str.strip_prefix(",")
    quoted = raw.str.starts_with('"')
    unquoted = raw.str.slice(1, raw.str.len_chars() - 2).str.replace_all('""', '"', literal=True)
    value = pl.when(quoted).then(unquoted).otherwise(raw)
    return pl.when(value == "").then(None).otherwise(value)


def _finish(frame: pl.DataFrame, fmap: FieldMap) -> ParsedChunk:
    """Shared tail of JSON and CSV: typed columns from the raw `_raw_<column>` strings,
    bad rows with reasons. `_ok` says whether the line had the file's shape at all."""
    get = {c[5:]: pl.col(c) for c in frame.columns if c.startswith("_raw_")}
    if "ts" not in get:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("_raw_ts"))
    request = get.get("request", pl.lit(None, dtype=pl.String)).str.extract_groups(REQUEST_LINE)
    target = pl.coalesce(get.get("path", pl.lit(None, dtype=pl.String)), request.struct.field("2"))
    path, query_in_target = split_target(target)
    query = pl.coalesce(get["query"], query_in_target) if "query" in get else query_in_target
    method = pl.coalesce(
        get.get("method", pl.lit(None, dtype=pl.String)), request.struct.field("1")
    )
    rt = get.get("response_ms")
    out = (
        frame.lazy()
        .with_columns(
            pl.col("_ok").fill_null(False),
            # no client column: the session id is the best stand-in (see REQUEST_SCHEMA)
            pl.coalesce(
                get.get("client", pl.lit(None, dtype=pl.String)),
                get.get("session_id", pl.lit(None, dtype=pl.String)),
            ).alias("client"),
            get.get("session_id", pl.lit(None, dtype=pl.String)).alias("session_id"),
            method.str.to_uppercase().alias("method"),
            path.alias("path"),
            query.alias("query"),
            get.get("status", pl.lit(None, dtype=pl.String))
            .cast(pl.Float64, strict=False)
            .cast(pl.Int32, strict=False)
            .alias("status"),
            get.get("bytes", pl.lit(None, dtype=pl.String))
            .cast(pl.Float64, strict=False)
            .cast(pl.Int64, strict=False)
            .alias("bytes"),
            (
                seconds_list_to_ms(rt, fmap.rt_factor)
                if rt is not None
                else pl.lit(None, dtype=pl.Float64)
            ).alias("response_ms"),
            get.get("user_agent", pl.lit(None, dtype=pl.String)).alias("user_agent"),
            get.get("referrer", pl.lit(None, dtype=pl.String)).replace("-", None).alias("referrer"),
        )
        .collect()
    )
    out = out.with_columns(parse_time_any(out, "_raw_ts"))
    reason = (
        pl.when(~pl.col("_ok"))
        .then(pl.lit("not a record of this file's format"))
        .when(pl.col("_raw_ts").is_null())
        .then(pl.lit("no timestamp"))
        .when(pl.col("ts").is_null())
        .then(pl.lit("bad timestamp"))
        .otherwise(pl.lit("no path or URL"))
    )
    is_bad = ~pl.col("_ok") | pl.col("ts").is_null() | pl.col("path").is_null()
    bad = out.filter(is_bad).select("line_no", reason.alias("reason"), "line")
    good = out.filter(~is_bad)
    naive = int(good.select(is_naive_time(pl.col("_raw_ts")).sum()).item() or 0)
    return ParsedChunk(conform(good), bad, naive_times=naive)


def _lines_frame(lines: pl.Series, first_line_no: int) -> pl.DataFrame:
    frame = pl.DataFrame({"line": lines}).with_row_index("line_no", offset=first_line_no)
    return frame.with_columns(pl.col("line_no").cast(pl.Int64)).filter(
        pl.col("line").str.strip_chars() != ""
    )


def _json_dtype(fmap: FieldMap) -> pl.Struct:
    """A struct type holding exactly the mapped fields, every leaf read as a string."""
    tree: dict[str, object] = {}
    for src in fmap.sources.values():
        node = tree
        parts = json.loads("[" + str(src)[2:-1].replace("][", ",") + "]")
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            assert isinstance(child, dict)
            node = child
        node.setdefault(parts[-1], None)

    def build(node: dict[str, object]) -> pl.Struct:
        return pl.Struct(
            {k: build(v) if isinstance(v, dict) else pl.String() for k, v in node.items()}
        )

    return build(tree)


def _json_field(src: str) -> pl.Expr:
    parts = json.loads("[" + src[2:-1].replace("][", ",") + "]")
    expr = pl.col("_json")
    for part in parts:
        expr = expr.struct.field(part)
    return expr


def parse_json_chunk(lines: pl.Series, first_line_no: int, fmap: FieldMap) -> ParsedChunk:
    """One JSON parse per line: a cheap validity probe, then `json_decode` into a struct of
    the mapped fields. A chunk that still trips the decoder (valid JSON of an unexpected
    shape) falls back to one `json_path_match` per field, which never raises."""
    frame = _lines_frame(lines, first_line_no)
    text = pl.col("line").str.strip_chars()
    frame = frame.with_columns(
        (
            text.str.starts_with("{")
            & text.str.ends_with("}")
            & pl.col("line").str.json_path_match("$").is_not_null()
        )
        .fill_null(False)
        .alias("_ok")
    )
    valid = frame.filter(pl.col("_ok"))
    get: dict[str, pl.Expr]
    try:
        decoded = valid.with_columns(
            pl.col("line").str.json_decode(_json_dtype(fmap)).alias("_json")
        )
        get = {name: _json_field(str(src)) for name, src in fmap.sources.items()}
    except pl.exceptions.PolarsError:
        decoded = valid
        get = {
            name: pl.col("line").str.json_path_match(str(src)) for name, src in fmap.sources.items()
        }
    raw = decoded.select("line_no", "line", "_ok", *(e.alias(f"_raw_{n}") for n, e in get.items()))
    rejected = frame.filter(~pl.col("_ok")).select("line_no", "line", "_ok")
    return _finish(pl.concat([raw, rejected], how="diagonal"), fmap)


def parse_csv_chunk(
    lines: pl.Series, first_line_no: int, fmap: FieldMap, skip_header: bool
) -> ParsedChunk:
    """Lines without a quote are cut with a plain split; quoted ones with the field regex."""
    frame = _lines_frame(lines, first_line_no)
    if skip_header and frame.height:
        frame = frame.slice(1)
    needed = max(int(i) for i in fmap.sources.values()) + 1
    quoted = pl.col("line").str.contains('"', literal=True)
    parts = [
        frame.filter(~quoted).with_columns(pl.col("line").str.split(",").alias("_fields")),
        frame.filter(quoted).with_columns(
            pl.col("line").str.extract_all(rf"(?:^|,){CSV_FIELD}").alias("_fields")
        ),
    ]
    cut = pl.concat(parts).with_columns(
        (pl.col("line").str.contains(CSV_LINE) & (pl.col("_fields").list.len() >= needed))
        .fill_null(False)
        .alias("_ok")
    )
    raw = cut.select(
        "line_no",
        "line",
        "_ok",
        *(
            _csv_value(pl.col("_fields"), int(i)).alias(f"_raw_{n}")
            for n, i in fmap.sources.items()
        ),
    )
    return _finish(raw, fmap)
