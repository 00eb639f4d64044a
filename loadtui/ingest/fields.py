"""Field conversions every format shares: targets → path + query, timestamps → UTC, units → ms.

Each format parser turns its lines into the same raw columns (strings where the source has
strings) and calls these expressions, so the rules for a URL or a time are written once.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from loadtui.contracts import REQUEST_SCHEMA
from loadtui.safe_text import clean

# Columns a parser hands over before routes are templated (route is filled later).
PARSED_COLUMNS = [c for c in REQUEST_SCHEMA if c != "route"]
BAD_SCHEMA: dict[str, pl.DataType] = {
    "line_no": pl.Int64(),
    "reason": pl.String(),
    "line": pl.String(),
}
NO_REQUEST_PATH = "-"  # path and route of a logged line that carried no HTTP request
EXCERPT_CHARS = 160


@dataclass(frozen=True)
class ParsedChunk:
    """What one chunk of one file gave: good rows (`PARSED_COLUMNS`) and rejected lines."""

    good: pl.DataFrame
    bad: pl.DataFrame  # BAD_SCHEMA
    naive_times: int = 0  # good rows whose timestamp had no UTC offset (assumed UTC)


def empty_bad() -> pl.DataFrame:
    return pl.DataFrame(schema=BAD_SCHEMA)


def empty_good() -> pl.DataFrame:
    return pl.DataFrame(schema={c: REQUEST_SCHEMA[c] for c in PARSED_COLUMNS})


def split_target(target: pl.Expr, *, absolute: bool = True) -> tuple[pl.Expr, pl.Expr]:
    """A request target → (path, query). Absolute URLs lose scheme and host; `#frag` goes; the
    query is null when there is no `?` and the raw text after it otherwise. `absolute=False`
    skips the scheme and fragment handling, for callers that know no target needs it."""
    local = target
    if absolute:
        local = local.str.replace(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*", "").str.replace(
            r"#.*$", ""
        )
    parts = local.str.splitn("?", 2)
    path = parts.struct.field("field_0")
    if absolute:
        path = pl.when(path == "").then(pl.lit("/")).otherwise(path)
    return path, parts.struct.field("field_1")


APACHE_TIME = "%d/%b/%Y:%H:%M:%S %z"
ISO_OFFSET = "%Y-%m-%dT%H:%M:%S%.f%#z"
ISO_NAIVE = "%Y-%m-%dT%H:%M:%S%.f"
UTC_US = pl.Datetime("us", "UTC")
OFFSET_SUFFIX = r"(?:[Zz]|[+-]\d\d:?\d\d)$"


def _iso_offset(text: pl.Expr) -> pl.Expr:
    return text.str.strptime(UTC_US, ISO_OFFSET, strict=False)


def _iso_naive(text: pl.Expr) -> pl.Expr:
    return text.str.strptime(pl.Datetime("us"), ISO_NAIVE, strict=False).dt.replace_time_zone("UTC")


def _space_to_t(text: pl.Expr) -> pl.Expr:
    return text.str.replace(r"^(\d{4}-\d\d-\d\d) ", "${1}T")


def _epoch(text: pl.Expr) -> pl.Expr:
    """Unix time in seconds (`1498697422.123`) or milliseconds (13 digits)."""
    value = text.str.strip_chars().cast(pl.Float64, strict=False)
    micros = pl.when(value > 1e11).then(value * 1e3).otherwise(value * 1e6)
    return (
        pl.when(value.is_between(1e8, 1e14))
        .then(micros.cast(pl.Int64, strict=False))
        .otherwise(None)
        .cast(UTC_US)
    )


# Tried in order, each only on the values the previous ones could not read.
TIME_PARSERS = (
    _iso_offset,
    _iso_naive,
    lambda t: _iso_offset(_space_to_t(t)),
    lambda t: _iso_naive(_space_to_t(t)),
    lambda t: t.str.strptime(UTC_US, APACHE_TIME, strict=False),
    _epoch,
)


def parse_time_any(frame: pl.DataFrame, column: str) -> pl.Series:
    """Any timestamp a JSON, CSV or HAR log is likely to hold → UTC; null when none fits.

    Accepts ISO 8601 (T or space, optional fraction, `Z`/offset, or none = UTC), the Apache
    `10/Oct/2000:13:55:36 -0700` form and Unix epoch seconds or milliseconds. Eager and
    staged: a file uses one form, so the first parser reads nearly everything and the others
    only see what is left.
    """
    text = frame.get_column(column)
    result = pl.Series("ts", [None] * len(text), dtype=UTC_US)
    todo = text.is_not_null()
    for parser in TIME_PARSERS:
        if not todo.any():
            break
        parsed = pl.select(parser(pl.lit(text.filter(todo)))).to_series()
        result = result.scatter(todo.arg_true(), parsed)
        todo = result.is_null() & text.is_not_null()
    return result.alias("ts")


def is_naive_time(text: pl.Expr) -> pl.Expr:
    """True where a textual ISO timestamp carries no UTC offset (so UTC was assumed)."""
    return text.str.contains(r"^\d{4}-\d\d-\d\d[ T]") & ~text.str.contains(OFFSET_SUFFIX)


def seconds_list_to_ms(text: pl.Expr, unit_ms: float) -> pl.Expr:
    """`0.012` or nginx's `0.012, 0.034` / `0.01 : 0.02` (one value per upstream tried) → ms.

    Several upstream attempts ran one after another, so their times add up. `-` is null.
    """
    values = text.str.replace_all(r"\s*[,:]\s*", ",").str.split(",")
    total = values.list.eval(pl.element().cast(pl.Float64, strict=False)).list.sum()
    numbers = values.list.eval(pl.element().cast(pl.Float64, strict=False).is_not_null())
    any_number = numbers.list.any()
    return pl.when(any_number).then(total * unit_ms).otherwise(None)


def printable_excerpt(line: str, limit: int = EXCERPT_CHARS) -> str:
    """A rejected line as a short, single-line, printable string for reports and terminals
    (escaped by `safe_text.clean`, the one rule for outside text on a terminal)."""
    text = clean(line[: limit + 1])
    return text if len(text) <= limit else text[: limit - 1] + "…"


def conform(df: pl.DataFrame) -> pl.DataFrame:
    """Select and cast to `PARSED_COLUMNS` (missing columns are null)."""
    exprs = []
    for name in PARSED_COLUMNS:
        dtype = REQUEST_SCHEMA[name]
        if name in df.columns:
            exprs.append(pl.col(name).cast(dtype, strict=False))
        else:
            exprs.append(pl.lit(None, dtype=dtype).alias(name))
    return df.select(exprs)
