"""Property tests: junk and mangled lines mixed into good ones never crash the parser, and
every line is counted exactly once, as good or as bad."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loadtui.errors import UserError
from loadtui.ingest.formats import read_logs

SETTINGS = settings(
    max_examples=int(os.environ.get("LOADTUI_FUZZ_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
T0 = datetime(2024, 3, 4, 12, 0, tzinfo=UTC)
SAFE = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_characters='"\\'),
    max_size=30,
)
ESCAPED = st.lists(st.one_of(SAFE, st.just('\\"'), st.just("\\\\")), max_size=4).map("".join)
SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12)


@st.composite
def combined_line(draw: st.DrawFn) -> str:
    ip = ".".join(str(draw(st.integers(0, 255))) for _ in range(4))
    when = T0 + timedelta(seconds=draw(st.integers(0, 86_400 * 30)))
    offset = draw(st.sampled_from(["+0000", "-0700", "+0530"]))
    path = "/" + "/".join(draw(st.lists(SEGMENT, max_size=4)))
    query = draw(st.one_of(st.just(""), SEGMENT.map(lambda s: "?q=" + s)))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD"]))
    status = draw(st.integers(100, 599))
    size = draw(st.one_of(st.just("-"), st.integers(0, 10**7).map(str)))
    referrer = draw(st.one_of(st.just("-"), ESCAPED))
    agent = draw(ESCAPED)
    tail = draw(st.sampled_from(["", " 0.123", " 1234", ' "-" 0.5, 0.2']))
    stamp = when.strftime("%d/%b/%Y:%H:%M:%S ") + offset
    return (
        f'{ip} - - [{stamp}] "{method} {path}{query} HTTP/1.1" {status} {size} '
        f'"{referrer}" "{agent}"{tail}'
    )


def _quote_spans(line: str) -> list[tuple[int, int]]:
    """(open, close) indexes of the unescaped quoted fields."""
    spans, i, start = [], 0, -1
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == '"':
            if start < 0:
                start = i
            else:
                spans.append((start, i))
                start = -1
        i += 1
    return spans


@st.composite
def mangled(draw: st.DrawFn, line: str) -> str:
    """A line that can no longer be valid: cut inside a quoted field (leaving it unclosed),
    cut before the status, or one quote removed."""
    spans = _quote_spans(line)
    how = draw(st.sampled_from(["cut_in_quotes", "cut_before_status", "drop_quote"]))
    if how == "cut_in_quotes":
        start, end = draw(st.sampled_from(spans))
        cut = draw(st.integers(start + 1, end))
        text = line[:cut]
        # an escape cut in half would leave a dangling backslash: still bad, still fine
        return text
    if how == "cut_before_status":
        return line[: draw(st.integers(1, spans[0][1]))]
    start, end = draw(st.sampled_from(spans))
    drop = draw(st.sampled_from([start, end]))
    return line[:drop] + line[drop + 1 :]


JUNK = st.binary(min_size=1, max_size=80).filter(
    lambda b: b"[" not in b and b"\n" not in b and b"\r" not in b and b.strip() != b""
)


@SETTINGS
@given(data=st.data())
def test_mangled_and_junk_lines_are_counted_exactly(tmp_path: Path, data: st.DataObject) -> None:
    good = data.draw(st.lists(combined_line(), min_size=1, max_size=15))
    bad_lines = [data.draw(mangled(line)) for line in data.draw(st.lists(st.sampled_from(good)))]
    junk = data.draw(st.lists(JUNK, max_size=5))
    items: list[bytes] = [g.encode() for g in good] + [b.encode() for b in bad_lines] + junk
    order = data.draw(st.permutations(range(len(items))))
    # whitespace-only junk is blank, not bad: JUNK excludes it, so every junk line is bad
    path = tmp_path / "fuzz.log"
    path.write_bytes(b"\n".join(items[i] for i in order) + b"\n")
    df, report = read_logs([path])
    assert report.lines_total == len(items)
    assert report.lines_bad == len(bad_lines) + len(junk)
    assert df.height == len(good)
    assert len(report.bad_examples) == min(5, report.lines_bad)
    assert all(b.excerpt.isprintable() for b in report.bad_examples)


@SETTINGS
@given(line=combined_line())
def test_a_generated_line_round_trips_its_fields(tmp_path: Path, line: str) -> None:
    path = tmp_path / "one.log"
    path.write_text(line + "\n", encoding="utf-8")
    df, report = read_logs([path])
    assert (report.lines_total, report.lines_bad) == (1, 0)
    row = df.row(0, named=True)
    spans = _quote_spans(line)
    request = line[spans[0][0] + 1 : spans[0][1]]
    target = request.split(" ")[1]
    assert row["method"] == request.split(" ")[0]
    assert row["path"] == target.split("?")[0]
    agent = line[spans[2][0] + 1 : spans[2][1]].replace('\\"', '"').replace("\\\\", "\\")
    assert row["user_agent"] == (None if agent == "-" else agent)


@SETTINGS
@given(blob=st.binary(max_size=2000))
def test_random_bytes_never_crash(tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "random.bin"
    path.write_bytes(blob)
    try:
        df, report = read_logs([path])
    except UserError as exc:
        assert "no line matched" in str(exc) or "not" in str(exc)
    else:
        assert df.height == report.lines_total - report.lines_bad


@SETTINGS
@given(data=st.data())
def test_jsonl_with_truncated_records_is_counted_exactly(
    tmp_path: Path, data: st.DataObject
) -> None:
    n = data.draw(st.integers(1, 12))
    records = [
        json.dumps(
            {
                "time": (T0 + timedelta(seconds=i)).isoformat(),
                "remote_addr": f"10.0.0.{i}",
                "request_uri": f"/items/{i}?x={i}",
                "status": 200,
                "request_time": 0.01 * i,
                "http_user_agent": data.draw(SAFE),
            }
        )
        for i in range(n)
    ]
    cut = [
        r[: data.draw(st.integers(1, len(r) - 1))]
        for r in data.draw(st.lists(st.sampled_from(records)))
    ]
    junk = [j for j in data.draw(st.lists(JUNK, max_size=4)) if not j.lstrip().startswith(b"{")]
    items = [r.encode() for r in records] + [c.encode() for c in cut] + junk
    order = data.draw(st.permutations(range(len(items))))
    items = [items[i] for i in order]
    # the format is sniffed from the first lines: put a good record first
    items.insert(
        0, items.pop(next(i for i, b in enumerate(items) if b in {r.encode() for r in records}))
    )
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"\n".join(items) + b"\n")
    df, report = read_logs([path])
    assert report.lines_total == len(items)
    assert report.lines_bad == len(cut) + len(junk)
    assert df.height == n
    assert df["response_ms"].drop_nulls().len() == n
    assert isinstance(df, pl.DataFrame)


# Slots of a CLF line, each with valid and broken variants, so that generated lines are
# often valid and often broken in one place only.
SLOTS = [
    ["1.2.3.4", "host.x", "", "1.2.3.4 "],
    [" - - ", " -  - ", " ", " a b c d e ", " US - ", "-"],
    ["[04/Mar/2024:12:00:00 +0000]", "[x]", "[04/Mar/2024:12:00:00 +0000", "[]"],
    [" ", "", "  "],
    ['"GET /a HTTP/1.1"', '"GET /a\\" HTTP/1.1"', '"GET /a', '"-"', '"GET /a\\\\"', '""'],
    [" 200 12", " 200 -", " 20 12", " 200", "  200  12", " 200 12x"],
    ["", ' "-" "ua"', ' "ref" "u\\"a"', ' "-"', ' "-" "ua', ' "-" x "ua"', '"a" "b"'],
    ["", " 0.5", " 0.1, 0.2", ' "x" 1', " x", ' "', "  ", ' a"b"', ' "a\\"'],
]
CLF_LIKE = st.tuples(*(st.sampled_from(slot) for slot in SLOTS)).map("".join)


@SETTINGS
@given(lines=st.lists(CLF_LIKE, max_size=40))
def test_vectorised_checks_accept_exactly_what_the_line_grammar_accepts(
    tmp_path: Path, lines: list[str]
) -> None:
    """The parser cuts lines at quotes instead of running `LINE` on each; both must agree."""
    from loadtui.ingest.clf import LINE_RE, ClfDialect, parse_chunk

    series = pl.Series("line", lines, dtype=pl.String)
    parsed = parse_chunk(series, 1, ClfDialect(name="combined"))
    bad = dict(zip(parsed.bad["line_no"], parsed.bad["reason"], strict=True))
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            assert number not in bad
        elif LINE_RE.match(line):
            assert bad.get(number) in (None, "bad timestamp"), line
        else:
            assert number in bad, line
    assert parsed.good.height + len(bad) == sum(1 for line in lines if line.strip())
