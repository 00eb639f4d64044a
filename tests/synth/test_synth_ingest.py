"""The log reads back through loadtui's own ingest as exactly what was generated."""

from __future__ import annotations

import polars as pl
import pytest
from synth_runs import Synth

from loadtui.synth.generator import generate
from loadtui.synth.writer import write_log


def test_log_parses_with_read_logs_without_bad_lines(synth: Synth) -> None:
    formats = pytest.importorskip("loadtui.ingest.formats")
    frame, report = formats.read_logs([synth.log])
    assert report.lines_bad == 0
    assert frame.height == synth.requests.height == report.lines_total
    assert frame["response_ms"].null_count() == 0
    assert set(frame["method"]) == {"GET", "POST", "PUT", "DELETE"}


@pytest.mark.parametrize("fmt", ["nginx", "jsonl", "csv"])
def test_every_format_reads_back_as_the_same_requests(tmp_path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    formats = pytest.importorskip("loadtui.ingest.formats")
    log = generate(sessions=80, seed=9)
    path = tmp_path / f"shop.{'log' if fmt == 'nginx' else fmt}"
    write_log(log.rows, path, fmt)
    frame, report = formats.read_logs([path], fmt, static="keep")
    assert report.lines_bad == 0
    expected = log.requests()
    key = ["client", "method", "path", "status", "bytes"]
    assert frame.select(key).sort(key).equals(expected.select(key).sort(key))
    assert frame["response_ms"].sum() == pytest.approx(expected["response_ms"].sum(), rel=1e-6)
    got_ts = frame["ts"].dt.truncate("1s").sort()
    assert got_ts.equals(expected["ts"].sort().alias(got_ts.name))
    assert pl.Series(frame["route"]).n_unique() > 5
