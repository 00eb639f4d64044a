"""The Common Log Format family: common, combined, nginx variants and netnea "extended".

All of them share `host … [time] "request" status bytes`, optionally followed by
`"referer" "user-agent"` and any number of further tokens (quoted or bare). What differs is
the time format and where a response time hides:

- Apache `%D` (microseconds) or nginx `$request_time` / `$upstream_response_time` (seconds,
  maybe `-` or a comma list): the first bare token after the last quoted field.
- netnea "extended": the token after the deflate ratio (`39%` or `-%`), in microseconds, and
  timestamps like `2016-09-02 10:42:51.003372` without an offset (read as UTC).

Speed: capturing a whole 250-character line with a regex costs ~4 µs a line. Instead the
line is cut at `"` with `splitn` and small regexes check the short pieces; together they
accept exactly what `LINE` (the grammar, used for sniffing) accepts, as a property test
checks. Apache escapes `"` inside fields as `\\"`; those (rare) escapes are swapped for
private-use characters before the cut and restored after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from loadtui.ingest.fields import (
    APACHE_TIME,
    NO_REQUEST_PATH,
    PARSED_COLUMNS,
    UTC_US,
    ParsedChunk,
    conform,
    seconds_list_to_ms,
    split_target,
)

QUOTED = r'"(?:[^"\\]|\\.)*"'
# A whole valid line. This is the definition of "good" for the family: anything else is bad.
LINE = (
    rf"^\S+(?: +\S+){{0,3}}? +\[[^\]]+\] +{QUOTED} +\d{{3}} +(?:\d+|-)"
    rf"(?: +{QUOTED} +{QUOTED})?(?: +(?:{QUOTED}|[^\s\"]+))* *$"
)
LINE_RE = re.compile(LINE)
NETNEA_TIME = "%Y-%m-%d %H:%M:%S%.f"
ESC_QUOTE, ESC_BACKSLASH = "\ue000", "\ue001"
RT_TOKEN = r"^ *((?:\d+(?:\.\d*)?|-)(?: *[,:] *(?:\d+(?:\.\d*)?|-))*)(?: |$)"
RATIO_RT = r"(?:^| )(?:\d+|-)% (\d+)(?: |$)"


@dataclass(frozen=True)
class ClfDialect:
    """What sniffing learned about one file of the family."""

    name: str  # common | combined | nginx | netnea
    iso_time: bool = False  # netnea-style `YYYY-mm-dd HH:MM:SS.ffffff`, no offset
    rt: str = "none"  # none | ratio_us | tail_s | tail_us

    def describe(self) -> str:
        notes = {
            "ratio_us": "response time %D µs after the ratio token",
            "tail_s": "response time in seconds ($request_time)",
            "tail_us": "response time %D µs",
        }
        parts = [notes[self.rt]] if self.rt in notes else ["no response time"]
        if self.iso_time:
            parts.append("timestamps have no UTC offset: assumed UTC")
        return f"{self.name} ({'; '.join(parts)})"


def _after_last_quote(line: str) -> str:
    cut = line.rfind('"')
    return line[cut + 1 :] if cut >= 0 else ""


def sniff(lines: list[str], forced: str | None = None) -> ClfDialect | None:
    """Pick the dialect from sample lines; None when none of them is in the family."""
    good = [line for line in lines if LINE_RE.match(line)]
    if not good:
        return None
    iso = sum(bool(re.search(r"\[\d{4}-\d\d-\d\d ", line)) for line in good) > len(good) / 2
    quotes = [line.count('"') - 2 * line.count('\\"') for line in good]
    combined = sum(q >= 6 for q in quotes) > len(good) / 2
    extra_quoted = sum(q >= 8 for q in quotes) > len(good) / 2
    ratio = sum(bool(re.search(RATIO_RT, line)) for line in good) > len(good) / 2
    tails = []
    for line, q in zip(good, quotes, strict=True):
        tail = _after_last_quote(line)
        if q < 6:  # common: the last quote closes the request; skip status and bytes
            tail = re.sub(r"^ +\d{3} +(?:\d+|-)", "", tail)
        found = re.match(RT_TOKEN, tail)
        if found and found.group(1).strip("-, :"):
            tails.append(found.group(1))
    rt = "none"
    if ratio:
        rt = "ratio_us"
    elif tails and len(tails) > len(good) / 2:
        rt = "tail_s" if any("." in t for t in tails) else "tail_us"
    if iso and ratio:
        name = "netnea"
    elif combined and (extra_quoted or rt == "tail_s"):
        name = "nginx"
    elif combined:
        name = "combined"
    else:
        name = "common"
    if forced in {"common", "combined", "nginx", "netnea"}:
        name = forced
    return ClfDialect(name=name, iso_time=iso, rt=rt)


def _unescape(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace_all(ESC_QUOTE, '"', literal=True).str.replace_all(
        ESC_BACKSLASH, "\\", literal=True
    )


def _time(text: pl.Expr, iso_first: bool) -> pl.Expr:
    apache = text.str.strptime(UTC_US, APACHE_TIME, strict=False)
    iso = text.str.strptime(pl.Datetime("us"), NETNEA_TIME, strict=False).dt.replace_time_zone(
        "UTC"
    )
    return pl.coalesce(iso, apache) if iso_first else pl.coalesce(apache, iso)


# Pieces of a line cut at `"` (escapes swapped out first): 0 prefix, 1 request, 2 status and
# bytes, 3 referer, 4 separator, 5 user agent, 6 the rest. These checks on the pieces accept
# exactly the lines `LINE` accepts, without running a regex over the whole line.
PREFIX = r"^\S+(?: +\S+){0,3}? +\[[^\]]+\] +$"
STATUS_BYTES = r"^ +(\d{3}) +(\d+|-)((?: +[^\s\"]+)*) *$"
STATUS_BYTES_THEN_QUOTE = r"^ +\d{3} +(?:\d+|-)(?: +[^\s\"]+)* +$"
BARE_TOKENS_THEN_SPACE = r"^(?: +[^\s\"]+)* +$"
BARE_TOKENS_TO_END = r"^(?: +[^\s\"]+)* *$"
REST = r"^(?: +(?:\"[^\"]*\"|[^\s\"]+))* *$"


def _structure() -> pl.Expr:
    """True where the cut pieces form a valid line of the family: after the request come
    status and bytes, then any tokens, each bare or quoted, separated by spaces."""
    f = [pl.col(f"_f{i}") for i in range(7)]
    common = f[3].is_null() & f[1].is_not_null() & f[2].str.contains(STATUS_BYTES)
    then_quote = f[2].str.contains(STATUS_BYTES_THEN_QUOTE)
    one_quoted = (
        f[3].is_not_null()
        & f[4].is_not_null()
        & f[5].is_null()
        & then_quote
        & f[4].str.contains(BARE_TOKENS_TO_END)
    )
    more_quoted = (
        f[6].is_not_null()
        & then_quote
        & f[4].str.contains(BARE_TOKENS_THEN_SPACE)
        & f[6].str.contains(REST)
    )
    return f[0].str.contains(PREFIX) & (common | one_quoted | more_quoted)


def parse_chunk(lines: pl.Series, first_line_no: int, dialect: ClfDialect) -> ParsedChunk:
    """Parse one chunk of lines; empty lines are skipped (neither good nor bad)."""
    frame = pl.DataFrame({"line": lines}).with_row_index("line_no", offset=first_line_no)
    frame = frame.filter(pl.col("line").str.len_bytes() > 0)
    work = pl.col("line")
    escaped = bool(frame["line"].str.contains("\\", literal=True).any())

    def unescape(expr: pl.Expr) -> pl.Expr:
        return _unescape(expr) if escaped else expr

    if escaped:
        work = work.str.replace_all("\\\\", ESC_BACKSLASH, literal=True).str.replace_all(
            '\\"', ESC_QUOTE, literal=True
        )
    cut = pl.col("_w").str.splitn('"', 7)
    status_bytes = pl.col("_f2").str.strip_chars_start(" ").str.splitn(" ", 3)
    combined = (
        pl.col("_f5").is_not_null()
        & pl.col("_f4").str.contains(r"^ +$")
        & pl.col("_f2").str.contains(r"^ +\d{3} +(?:\d+|-) +$")
    )
    req = pl.col("_f1").str.splitn(" ", 3)
    cut_frame = (
        frame.lazy()
        .with_columns(pl.col("line_no").cast(pl.Int64), work.alias("_w"))
        .with_columns(*(cut.struct.field(f"field_{i}").alias(f"_f{i}") for i in range(7)))
        .with_columns(
            _structure().fill_null(False).alias("_ok"),
            combined.fill_null(False).alias("_combined"),
            status_bytes.alias("_sb"),
            req.struct.field("field_0").alias("_method"),
            unescape(req.struct.field("field_1")).alias("_target"),
        )
        .collect(engine="streaming")
    )
    # absolute URLs and #fragments are rare: clean targets only in chunks that have them
    targets = cut_frame["_target"].drop_nulls()
    plain = bool(targets.str.starts_with("/").all()) and not bool(
        targets.str.contains("#", literal=True).any()
    )
    method, target = pl.col("_method"), pl.col("_target")
    is_request = method.str.contains(r"^[A-Za-z][A-Za-z0-9_\-]{0,19}$") & target.is_not_null()
    path, query = split_target(target, absolute=not plain)
    f0 = pl.col("_f0")
    opening, closing = f0.str.find("[", literal=True), f0.str.find("]", literal=True)
    lazy = cut_frame.lazy().with_columns(
        f0.str.slice(0, f0.str.find(" ", literal=True)).alias("client"),
        _time(f0.str.slice(opening + 1, closing - opening - 1), dialect.iso_time).alias("ts"),
        pl.col("_sb").struct.field("field_0").cast(pl.Int32, strict=False).alias("status"),
        pl.col("_sb")
        .struct.field("field_1")
        .str.strip_chars(" ")
        .cast(pl.Int64, strict=False)
        .alias("bytes"),
        _dash_is_null(pl.when(pl.col("_combined")).then(unescape(pl.col("_f3")))).alias("referrer"),
        _dash_is_null(pl.when(pl.col("_combined")).then(unescape(pl.col("_f5")))).alias(
            "user_agent"
        ),
        _rt_token(dialect).alias("_rt"),
        pl.when(is_request).then(method.str.to_uppercase()).alias("method"),
        pl.when(is_request).then(path).otherwise(pl.lit(NO_REQUEST_PATH)).alias("path"),
        pl.when(is_request).then(query).alias("query"),
    )
    keep = [c for c in PARSED_COLUMNS if c != "session_id"]
    typed = [c for c in keep if c != "response_ms"]
    done = lazy.select("line_no", "line", "_ok", "_rt", *typed).collect(engine="streaming")
    done = done.with_columns(_response_ms(done["_rt"], dialect))
    accepted = done["_ok"] & done["ts"].is_not_null()
    reason = (
        pl.when(~pl.col("_ok"))
        .then(pl.lit(f"not a {dialect.name} log line"))
        .otherwise(pl.lit("bad timestamp"))
    )
    # whitespace-only lines are blank, not bad (checked on the few rejected rows only)
    rejected = done.select("line_no", "line", "_ok").filter(~accepted)
    bad = rejected.filter(pl.col("_ok") | pl.col("line").str.contains(r"\S")).select(
        "line_no", reason.alias("reason"), "line"
    )
    good = done.select(keep).filter(accepted)
    naive = good.height if dialect.iso_time else 0
    return ParsedChunk(conform(good), bad, naive_times=naive)


def _dash_is_null(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr == "-").then(None).otherwise(expr)


def _rt_unit(dialect: ClfDialect) -> float:
    """Milliseconds per unit of the response-time token."""
    return {"ratio_us": 0.001, "tail_us": 0.001, "tail_s": 1000.0}.get(dialect.rt, 1.0)


def _rt_token(dialect: ClfDialect) -> pl.Expr:
    """The raw response-time token (a number, `-`, or nginx's list of upstream times)."""
    if dialect.rt == "ratio_us":
        return pl.col("_f6").str.extract(RATIO_RT, 1)
    if dialect.rt in {"tail_s", "tail_us"}:
        # text after the last quote: for a common line that follows status and bytes
        after_quote = (
            pl.when(pl.col("_f3").is_null())
            .then(pl.col("_sb").struct.field("field_2"))
            .when(pl.col("_f5").is_null())
            .then(pl.col("_f4"))
            .when(pl.col("_f6").str.contains('"', literal=True))
            .then(pl.col("_f6").str.extract(r'"([^"]*)$', 1))
            .otherwise(pl.col("_f6"))
        )
        return after_quote.str.extract(RT_TOKEN, 1)
    return pl.lit(None, dtype=pl.String)


def _response_ms(tokens: pl.Series, dialect: ClfDialect) -> pl.Series:
    """Tokens → ms. A plain number is one cast; the rare lists (`0.05, 0.03`) are summed on
    their own rows only, because list arithmetic over every row would cost more than the
    rest of the parse."""
    unit = _rt_unit(dialect)
    values = tokens.cast(pl.Float64, strict=False) * unit
    lists = values.is_null() & tokens.str.contains(r"[,:]").fill_null(False)
    if lists.any():
        summed = pl.select(seconds_list_to_ms(pl.lit(tokens.filter(lists)), unit)).to_series()
        values = values.scatter(lists.arg_true(), summed)
    return values.alias("response_ms")
