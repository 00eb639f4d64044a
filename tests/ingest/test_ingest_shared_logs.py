"""Every shared third-party log parses in place with the right format, counts and units."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from loadtui.contracts import REQUEST_SCHEMA
from loadtui.ingest.formats import read_logs

# file → (format, lines, bad lines, response_ms p50 or None)
ACCESS_LOGS = {
    "elastic_apache_logs_combined.log": ("combined", 10_000, 1, None),
    "netnea_tutorial5_apache_extended.log": ("netnea", 10_000, 0, 2.4),
    "otus_nginx_request_time_sample.log": ("nginx", 49, 0, 136.0),
    "nasa_aug95_first100_clf.log": ("common", 100, 0, None),
}


@pytest.mark.parametrize("name", sorted(ACCESS_LOGS))
def test_shared_access_log_parses_with_format_counts_and_units(
    name: str, shared_file: Callable[..., Path]
) -> None:
    path = shared_file("access_logs", name)
    fmt, lines, bad, p50 = ACCESS_LOGS[name]
    df, report = read_logs([path])
    assert dict(df.schema) == REQUEST_SCHEMA
    assert report.formats[str(path)].split(" ")[0] == fmt
    assert report.lines_total == lines
    assert report.lines_bad == bad
    assert df.height == lines - bad
    assert df["ts"].is_sorted()
    assert df["ts"].null_count() == 0 and df["route"].null_count() == 0
    if p50 is None:
        assert df["response_ms"].null_count() == df.height
    else:
        assert df["response_ms"].median() == pytest.approx(p50, rel=0.05)


def test_elastic_truncated_line_8899_is_the_one_bad_line(
    shared_file: Callable[..., Path],
) -> None:
    path = shared_file("access_logs", "elastic_apache_logs_combined.log")
    _, report = read_logs([path])
    assert [b.line_no for b in report.bad_examples] == [8899]
    example = report.bad_examples[0]
    assert example.source == str(path)
    assert example.excerpt.startswith("46.118.127.106 - - [20/May/2015:12:05:17 +0000]")
    assert len(example.excerpt) <= 160


def test_netnea_timestamps_without_offset_are_assumed_utc_and_said_so(
    shared_file: Callable[..., Path],
) -> None:
    path = shared_file("access_logs", "netnea_tutorial5_apache_extended.log")
    df, report = read_logs([path])
    assert "assumed UTC" in report.formats[str(path)]
    first = df.filter(pl.col("client") == "75.249.65.145").row(0, named=True)
    assert first["ts"].isoformat() == "2016-09-02T10:42:51.003372+00:00"
    assert first["response_ms"] == pytest.approx(88.871)
    # "-" request lines (408s) are real log lines, kept but never a URL to replay
    assert (
        df.filter(pl.col("path") == "-")["method"].null_count()
        == df.filter(pl.col("path") == "-").height
    )


def test_otus_offsets_are_converted_to_utc(shared_file: Callable[..., Path]) -> None:
    df, _ = read_logs([shared_file("access_logs", "otus_nginx_request_time_sample.log")])
    assert df["ts"].min().isoformat() == "2017-06-29T00:50:22+00:00"  # 03:50:22 +0300
    assert df["response_ms"].max() == pytest.approx(5246.0)


@pytest.mark.parametrize(
    ("name", "site", "kept", "others"),
    [
        ("pagexray_www.nytimes.com.har", "www.nytimes.com", 24, 304),
        ("pagexray_http2-chrome.har", "run.sitespeed.io", 9, 2),
    ],
)
def test_shared_har_files_keep_the_site_and_count_third_party_hosts(
    name: str, site: str, kept: int, others: int, shared_file: Callable[..., Path]
) -> None:
    path = shared_file("har", name)
    df, report = read_logs([path])
    note = report.formats[str(path)]
    assert note.startswith("har") and f"site {site}" in note
    assert f"{others} entries for " in note and "left out" in note
    assert (report.lines_total, report.lines_bad, df.height) == (kept, 0, kept)
    assert df["path"].str.starts_with("/").all()
    assert df["response_ms"].null_count() < kept
    assert df["status"].null_count() == 0


def test_all_shared_logs_at_once_are_concatenated_and_sorted(
    shared_file: Callable[..., Path],
) -> None:
    paths = [shared_file("access_logs", name) for name in sorted(ACCESS_LOGS)]
    df, report = read_logs(paths)
    assert len(report.formats) == 4
    assert report.lines_total == sum(v[1] for v in ACCESS_LOGS.values())
    assert df.height == report.lines_total - report.lines_bad
    assert df["ts"].is_sorted()
