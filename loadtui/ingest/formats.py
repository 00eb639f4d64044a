"""Read access logs of any supported format into one request frame plus an `IngestReport`.

`read_logs` is the only entry point other stages use. Per file it sniffs the format from the
first lines (or takes the one forced by `fmt`), parses the file in chunks with vectorised
polars expressions (`clf`, `tabular`, `har`), counts every non-empty line as good or bad and
keeps a few bad examples. Files are concatenated, routes templated, rows sorted by time.

Formats reported per file: `combined`, `common`, `nginx` (combined plus extra quoted fields
or a `$request_time`), `netnea` (Apache "extended"), `jsonl`, `csv`, `har`, each with a note
in parentheses: where the response time came from and whether UTC was assumed.

Empty lines are not log lines: they are neither good nor bad. A file of only junk is a
`UserError` that says no line matched (with the counts), never a traceback.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import polars as pl

from loadtui.contracts import REQUEST_SCHEMA, BadLine, IngestReport
from loadtui.errors import UserError
from loadtui.ingest import clf, har, tabular
from loadtui.ingest.fields import ParsedChunk, empty_good, printable_excerpt
from loadtui.ingest.lines import (
    LineChunk,
    decode_lines,
    iter_line_chunks,
    read_all,
    read_head,
)
from loadtui.ingest.routes import STATIC_MODES, add_routes

FORMATS = ("auto", "combined", "common", "nginx", "netnea", "jsonl", "csv", "har")
SNIFF_LINES = 200
BAD_EXAMPLES_PER_FILE = 5
PARSE_THREADS = 2
Progress = Callable[[int, int], None]


class _Sniffed:
    """A file's format decision: a name and the parser settings it needs."""

    def __init__(
        self,
        kind: str,
        dialect: clf.ClfDialect | None = None,
        fmap: tabular.FieldMap | None = None,
    ) -> None:
        self.kind = kind  # clf | jsonl | csv | har | unknown
        self.dialect = dialect
        self.fmap = fmap

    def name(self) -> str:
        if self.kind == "clf" and self.dialect is not None:
            return self.dialect.name
        return self.kind


def _sample_lines(head: bytes) -> list[str]:
    lines = decode_lines(head[: head.rfind(b"\n") + 1] if b"\n" in head else head)
    return [s for s in lines.to_list() if s and s.strip()][:SNIFF_LINES]


def sniff(path: Path, fmt: str = "auto") -> _Sniffed:
    """Decide how to parse `path`; `fmt` other than auto forces the family."""
    if fmt == "har" or (fmt == "auto" and path.name.lower().removesuffix(".gz").endswith(".har")):
        return _Sniffed("har")
    head = read_head(path)
    if b"\r" in head and b"\n" not in head:
        head = head.replace(b"\r", b"\n")
    sample = _sample_lines(head)
    if not sample:
        return _Sniffed("unknown")
    first = sample[0].lstrip("\ufeff").strip()
    # one-line JSON objects (a pretty-printed document has lines that merely open one)
    objects = [
        line
        for line in sample
        if line.lstrip("\ufeff").lstrip().startswith("{") and line.rstrip().endswith("}")
    ]
    if fmt in ("auto", "har") and first.startswith("{"):
        try:
            obj = json.loads(first)
        except ValueError:
            obj = None
        if isinstance(obj, dict) and isinstance(obj.get("log"), dict):
            return _Sniffed("har")  # a one-line HAR
        if obj is None and b'"log"' in head and b'"entries"' in head and len(objects) < 2:
            return _Sniffed("har")  # a pretty-printed HAR document
    if fmt in ("auto", "jsonl") and objects:
        fmap = tabular.sniff_json(objects)
        if fmap is not None:
            return _Sniffed("jsonl", fmap=fmap)
    if fmt in ("auto", "csv") and "," in first:
        fmap = tabular.sniff_csv(sample[0].lstrip("\ufeff"))
        if fmap is not None:
            return _Sniffed("csv", fmap=fmap)
    if fmt in ("auto", "combined", "common", "nginx", "netnea"):
        dialect = clf.sniff(sample, None if fmt == "auto" else fmt)
        if dialect is not None:
            return _Sniffed("clf", dialect=dialect)
    return _Sniffed("unknown")


class _FileResult:
    def __init__(self) -> None:
        self.frames: list[pl.DataFrame] = []
        self.total = 0
        self.bad = 0
        self.naive = 0
        self.examples: list[BadLine] = []
        self.note = ""

    def add(self, chunk: ParsedChunk, source: str) -> None:
        self.frames.append(chunk.good)
        self.total += chunk.good.height + chunk.bad.height
        self.bad += chunk.bad.height
        self.naive += chunk.naive_times
        room = BAD_EXAMPLES_PER_FILE - len(self.examples)
        if room > 0 and chunk.bad.height:
            for line_no, reason, line in chunk.bad.head(room).iter_rows():
                self.examples.append(
                    BadLine(
                        source=source,
                        line_no=int(line_no),
                        reason=str(reason),
                        excerpt=printable_excerpt(str(line)),
                    )
                )


def _parse_file(path: Path, sniffed: _Sniffed, on_bytes: Callable[[int], None]) -> _FileResult:
    result = _FileResult()
    source = str(path)
    if sniffed.kind == "har":
        data = read_all(path)
        entries, version = har.load_har(data, path)
        parsed = har.parse_har(entries, path)
        notes = [f"HAR {version}".strip(), f"site {parsed.site}" if parsed.site else ""]
        result.note = "; ".join(n for n in [*notes, parsed.describe_others()] if n)
        result.add(parsed.chunk, source)
        on_bytes(path.stat().st_size)
        return result
    # Two chunks in flight: polars releases the GIL, so one chunk is cut while the other is
    # typed; results are taken in file order, so counts, examples and progress stay ordered.
    with ThreadPoolExecutor(max_workers=PARSE_THREADS) as pool:
        pending: deque[tuple[LineChunk, Future[ParsedChunk]]] = deque()
        for chunk in iter_line_chunks(path):
            first = chunk.first_line_no == 1
            pending.append((chunk, pool.submit(_parse_chunk, sniffed, chunk, first)))
            while len(pending) >= PARSE_THREADS:
                done, future = pending.popleft()
                result.add(future.result(), source)
                on_bytes(done.done_bytes)
        while pending:
            done, future = pending.popleft()
            result.add(future.result(), source)
            on_bytes(done.done_bytes)
    return result


def _parse_chunk(sniffed: _Sniffed, chunk: LineChunk, first: bool) -> ParsedChunk:
    if sniffed.kind == "clf" and sniffed.dialect is not None:
        return clf.parse_chunk(chunk.lines, chunk.first_line_no, sniffed.dialect)
    if sniffed.kind == "jsonl" and sniffed.fmap is not None:
        return tabular.parse_json_chunk(chunk.lines, chunk.first_line_no, sniffed.fmap)
    if sniffed.kind == "csv" and sniffed.fmap is not None:
        return tabular.parse_csv_chunk(
            chunk.lines, chunk.first_line_no, sniffed.fmap, skip_header=first
        )
    return _all_bad(chunk.lines, chunk.first_line_no)


def _all_bad(lines: pl.Series, first_line_no: int) -> ParsedChunk:
    frame = pl.DataFrame({"line": lines}).with_row_index("line_no", offset=first_line_no)
    bad = frame.filter(pl.col("line").str.strip_chars() != "").select(
        pl.col("line_no").cast(pl.Int64),
        pl.lit("no known log format matches").alias("reason"),
        "line",
    )
    return ParsedChunk(empty_good(), bad)


def _describe(sniffed: _Sniffed, result: _FileResult) -> str:
    if sniffed.kind == "clf" and sniffed.dialect is not None:
        return sniffed.dialect.describe()
    if sniffed.kind in ("jsonl", "csv") and sniffed.fmap is not None:
        text = sniffed.fmap.describe(sniffed.kind)
        if result.naive:
            text = text[:-1] + f"; {result.naive} timestamps without UTC offset: assumed UTC)"
        return text
    if sniffed.kind == "har":
        return f"har ({result.note}; response time = entry time, ms)"
    return "unknown"


def read_logs(
    paths: Sequence[str | Path],
    fmt: str = "auto",
    *,
    static: str = "group",
    progress: Progress | None = None,
) -> tuple[pl.DataFrame, IngestReport]:
    """Parse `paths` into one frame with exactly `REQUEST_SCHEMA`'s columns, sorted by `ts`.

    `fmt` is auto|combined|common|nginx|netnea|jsonl|csv|har; `.gz` files are read as is;
    `static` says what happens to static assets: group (one route per directory and
    extension), drop, or keep. `progress(done_bytes, total_bytes)` is called after each chunk.
    """
    if fmt not in FORMATS:
        raise UserError(f"unknown log format {fmt!r}; use one of {', '.join(FORMATS)}")
    if static not in STATIC_MODES:
        raise UserError(f"unknown static option {static!r}; use one of {', '.join(STATIC_MODES)}")
    files = [Path(p) for p in paths]
    if not files:
        raise UserError("no log file given")
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise UserError(f"log file not found: {', '.join(missing)}; check the path")
    sizes = [p.stat().st_size for p in files]
    total_bytes = sum(sizes)
    report = IngestReport(files=[str(p) for p in files])
    frames: list[pl.DataFrame] = []
    done_before = 0
    for path, size in zip(files, sizes, strict=True):
        sniffed = sniff(path, fmt)

        def on_bytes(done: int, base: int = done_before) -> None:
            if progress is not None:
                progress(base + done, total_bytes)

        result = _parse_file(path, sniffed, on_bytes)
        done_before += size
        report.formats[str(path)] = _describe(sniffed, result)
        report.lines_total += result.total
        report.lines_bad += result.bad
        report.bad_examples.extend(result.examples)
        frames.extend(f for f in result.frames if f.height)
    if report.lines_total and report.lines_bad == report.lines_total:
        raise UserError(
            f"no line matched any known log format ({report.lines_total} lines read, "
            f"{report.lines_bad} rejected) in {', '.join(report.files)}; check the file or "
            f"force one with --format ({', '.join(FORMATS[1:])})"
        )
    df = pl.concat(frames, how="vertical") if frames else empty_good()
    df = add_routes(df, static).select(list(REQUEST_SCHEMA)).sort("ts", maintain_order=True)
    return df, report
