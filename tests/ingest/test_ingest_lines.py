"""Chunked line reading: any chunk size gives the same lines, numbers and byte progress."""

from __future__ import annotations

import gzip
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loadtui.ingest.lines import iter_line_chunks

LINES = st.lists(
    st.text(
        alphabet=st.characters(exclude_characters="\r\n", exclude_categories=("Cs",)),
        max_size=40,
    ),
    max_size=30,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lines=LINES,
    chunk=st.integers(1, 64),
    ending=st.sampled_from(["\n", "\r\n", "\r"]),
    final=st.booleans(),
    packed=st.booleans(),
)
def test_any_chunk_size_gives_the_same_lines(
    tmp_path: Path, lines: list[str], chunk: int, ending: str, final: bool, packed: bool
) -> None:
    text = ending.join(lines) + (ending if final and lines else "")
    if ending == "\r" and lines and "\n" in text:
        return
    data = text.encode("utf-8")
    path = tmp_path / ("t.log.gz" if packed else "t.log")
    path.write_bytes(gzip.compress(data) if packed else data)
    got: list[str] = []
    for part in iter_line_chunks(path, chunk_bytes=chunk):
        assert part.first_line_no == len(got) + 1
        got.extend(part.lines.to_list())
        assert 0 < part.done_bytes <= path.stat().st_size
    expected = lines if text else []
    if expected and not final and expected[-1] == "":
        expected = expected[:-1]  # "a\n" + "" is just "a\n"
    assert got == expected


def test_invalid_utf8_is_replaced_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "bad.log"
    path.write_bytes(b"ok one\nbad \xff\xfe here\nok two\n")
    lines = [s for c in iter_line_chunks(path, chunk_bytes=5) for s in c.lines.to_list()]
    assert lines == ["ok one", "bad \ufffd\ufffd here", "ok two"]


def test_lines_that_start_like_compressed_data_are_text(tmp_path: Path) -> None:
    # polars would try to decompress a buffer starting with these magic bytes
    path = tmp_path / "magic.log"
    path.write_bytes(b"x^2 + 1\n\x1f\x8bjunk\nx\x9c\nplain\n")
    lines = [s for c in iter_line_chunks(path) for s in c.lines.to_list()]
    assert lines == ["x^2 + 1", "\x1f\ufffdjunk", "x\ufffd", "plain"]
