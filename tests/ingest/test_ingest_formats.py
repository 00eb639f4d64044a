"""Each supported format, from a small committed fixture; plus the edges of `read_logs`."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from loadtui.contracts import REQUEST_SCHEMA
from loadtui.errors import UserError
from loadtui.ingest.formats import read_logs


def _read(path: Path, **kwargs: object) -> tuple[pl.DataFrame, str]:
    df, report = read_logs([path], **kwargs)  # type: ignore[arg-type]
    assert dict(df.schema) == REQUEST_SCHEMA
    return df, report.formats[str(path)]


def test_elastic_slice_is_combined_with_one_truncated_line(fixtures: Path) -> None:
    path = fixtures / "elastic_combined_slice.log"
    df, report = read_logs([path])
    assert report.formats[str(path)].startswith("combined")
    assert (report.lines_total, report.lines_bad) == (35, 1)
    assert report.bad_examples[0].line_no == 33
    assert df["user_agent"].null_count() < df.height
    row = df.filter(pl.col("path").str.ends_with("kibana-search.png")).row(0, named=True)
    assert row["bytes"] == 203023 and row["status"] == 200


def test_common_log_format_has_no_agent_and_splits_the_query(fixtures: Path) -> None:
    df, fmt = _read(fixtures / "common_clf.log")
    assert fmt.startswith("common")
    assert df["user_agent"].null_count() == df.height
    search = df.filter(pl.col("path") == "/cgi-bin/search").row(0, named=True)
    assert search["query"] == "q=orbit" and search["status"] == 404
    assert df.filter(pl.col("client") == "dialup-12.isp.example")["bytes"].to_list() == [None]
    assert df["ts"].min().isoformat() == "2024-03-03T13:00:01+00:00"  # -0400 → UTC


def test_nginx_request_time_is_seconds_to_ms(fixtures: Path) -> None:
    df, fmt = _read(fixtures / "nginx_request_time.log")
    assert fmt.startswith("nginx")
    assert sorted(df["response_ms"].to_list()) == pytest.approx([3.0, 133.0, 199.0, 390.0, 704.0])
    assert df["client"].to_list()[:2] == ["192.0.2.10", "192.0.2.11"]


def test_nginx_upstream_lists_add_up_and_dash_is_null(fixtures: Path) -> None:
    df, _ = _read(fixtures / "nginx_upstream.log")
    by_path = dict(zip(df["path"], df["response_ms"], strict=True))
    assert by_path["/products/12"] == pytest.approx(85.0)  # "0.051, 0.034"
    assert by_path["/static/app.js"] is None  # "-"
    assert by_path["/cart/items"] == pytest.approx(150.0)  # "0.120 : 0.030"
    search = df.filter(pl.col("path") == "/search").row(0, named=True)
    assert search["query"] == 'q="red"'  # Apache's \" escape undone


def test_apache_percent_d_is_microseconds(fixtures: Path) -> None:
    df, fmt = _read(fixtures / "apache_combined_d.log")
    assert fmt.startswith("combined") and "µs" in fmt
    assert df["response_ms"].to_list() == pytest.approx([15.234, 2.21, 0.98])
    assert df["route"].to_list() == ["/orders/{uuid}", "/orders", "/orders/{id}"]


def test_netnea_response_time_follows_the_ratio_token(fixtures: Path) -> None:
    df, fmt = _read(fixtures / "netnea_extended.log")
    assert fmt.startswith("netnea") and "assumed UTC" in fmt
    assert df["response_ms"].to_list() == pytest.approx([2.4, 144.443, 0.026, 1.2])
    timeout = df.filter(pl.col("status") == 408).row(0, named=True)
    assert timeout["method"] is None and timeout["path"] == "-" and timeout["route"] == "-"


def test_jsonl_aliases_offsets_and_naive_times(fixtures: Path) -> None:
    df, fmt = _read(fixtures / "access_nginx.jsonl")
    assert fmt.startswith("jsonl") and "assumed UTC" in fmt
    first = df.row(0, named=True)
    assert first["ts"].isoformat() == "2024-03-04T11:00:00.250000+00:00"
    assert (first["path"], first["query"], first["status"]) == ("/products/7", "color=red", 200)
    assert first["response_ms"] == pytest.approx(42.0)
    assert df["method"].to_list() == ["GET", "POST", "GET"]
    assert df.row(1, named=True)["referrer"] is None  # "-"


def test_jsonl_nested_fields_epoch_times_and_session_ids(fixtures: Path) -> None:
    df, _ = _read(fixtures / "access_app.jsonl")
    assert df["client"].to_list() == ["203.0.113.8"] * 2
    assert df["method"].to_list() == ["GET", "PUT"]
    assert df["status"].to_list() == [200, 204]
    assert df["session_id"].to_list() == ["s-1", "s-1"]
    assert df["response_ms"].to_list() == pytest.approx([12.5, 30.0])
    assert [t.isoformat() for t in df["ts"]] == [
        "2024-03-04T12:00:00.500000+00:00",  # epoch seconds
        "2024-03-04T12:00:01.500000+00:00",  # epoch milliseconds
    ]


def test_csv_by_header_with_crlf_quotes_and_extra_columns(fixtures: Path) -> None:
    df, fmt = _read(fixtures / "sessions.csv")
    assert fmt.startswith("csv")
    assert df["session_id"].to_list() == ["abc", "xyz", "abc"]  # sorted by time
    assert df["client"].to_list() == ["abc", "xyz", "abc"]  # no client column
    assert df.row(1, named=True)["user_agent"] == 'say "hi" client'
    assert df["response_ms"].to_list() == pytest.approx([35.5, 80.0, 12.0])
    assert df.row(0, named=True)["query"] == "page=2"


def test_csv_with_bare_cr_line_ends(tmp_path: Path, fixtures: Path) -> None:
    text = (fixtures / "sessions.csv").read_bytes().replace(b"\r\n", b"\r")
    path = tmp_path / "mac.csv"
    path.write_bytes(text)
    df, report = read_logs([path])
    assert (report.lines_total, report.lines_bad, df.height) == (3, 0, 3)


def test_har_slice_gives_paths_times_and_agents(fixtures: Path) -> None:
    df, fmt = _read(fixtures / "pagexray_http2_chrome_slice.har")
    assert fmt.startswith("har (HAR 1.2; site run.sitespeed.io")
    assert "1 entry for 1 other host left out (www.google-analytics.com 1)" in fmt
    # the page's own requests only: the analytics script is another host's load
    assert df["path"].to_list() == ["/", "/img/bg_cat.png"]
    assert df["response_ms"][0] == pytest.approx(456.054, abs=1e-3)
    assert df["user_agent"].str.contains("Chrome").all()


def test_gzip_is_read_transparently(tmp_path: Path, fixtures: Path) -> None:
    plain = fixtures / "elastic_combined_slice.log"
    packed = tmp_path / "access.log.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    a, ra = read_logs([plain])
    b, rb = read_logs([packed])
    assert a.equals(b)
    assert (ra.lines_total, ra.lines_bad) == (rb.lines_total, rb.lines_bad)


def test_several_files_are_concatenated_and_sorted_by_time(fixtures: Path) -> None:
    paths = [fixtures / "nginx_upstream.log", fixtures / "common_clf.log"]
    df, report = read_logs(paths)
    assert df.height == 10 and df["ts"].is_sorted()
    assert set(report.formats) == {str(p) for p in paths}
    assert df["client"][0] == "198.51.100.4"  # Feb 2024 before Mar 2024


def test_static_assets_grouped_dropped_or_kept(fixtures: Path) -> None:
    path = fixtures / "nginx_upstream.log"
    grouped, _ = read_logs([path], static="group")
    dropped, _ = read_logs([path], static="drop")
    kept, _ = read_logs([path], static="keep")
    assert "/static/{asset}.js" in grouped["route"].to_list()
    assert "/static/app.js" in kept["route"].to_list()
    assert dropped.height == grouped.height - 1
    assert not dropped["path"].str.ends_with(".js").any()


def test_progress_reports_bytes_up_to_the_total(fixtures: Path) -> None:
    paths = [fixtures / "common_clf.log", fixtures / "sessions.csv"]
    seen: list[tuple[int, int]] = []
    read_logs(paths, progress=lambda done, total: seen.append((done, total)))
    total = sum(p.stat().st_size for p in paths)
    assert seen and all(t == total for _, t in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[-1][0] == total


def test_bad_utf8_is_replaced_and_loses_nothing(tmp_path: Path, fixtures: Path) -> None:
    lines = (fixtures / "common_clf.log").read_bytes().splitlines()
    lines[1] = lines[1].replace(b"logo.gif", b"l\xff\xfeo.gif")
    lines.insert(3, b"\x00\x81\xfe garbage \xc3")
    path = tmp_path / "mixed.log"
    path.write_bytes(b"\n".join(lines) + b"\n")
    df, report = read_logs([path])
    assert (report.lines_total, report.lines_bad, df.height) == (7, 1, 6)
    assert "\ufffd" in df.filter(pl.col("client") == "203.0.113.7")["path"][0]
    assert report.bad_examples[0].line_no == 4
    assert report.bad_examples[0].excerpt.isprintable()


def test_bad_timestamp_is_a_bad_line_with_that_reason(tmp_path: Path) -> None:
    path = tmp_path / "t.log"
    path.write_text(
        '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 200 1\n'
        '1.2.3.4 - - [99/Foo/2000:13:55:36 -0700] "GET /b HTTP/1.0" 200 1\n'
    )
    df, report = read_logs([path])
    assert df["path"].to_list() == ["/a"]
    assert [(b.line_no, b.reason) for b in report.bad_examples] == [(2, "bad timestamp")]


def test_examples_are_capped_per_file_but_all_bad_lines_counted(tmp_path: Path) -> None:
    good = '1.2.3.4 - - [10/Oct/2000:13:55:36 -0700] "GET /a HTTP/1.0" 200 1\n'
    path = tmp_path / "many.log"
    path.write_text(good + "junk line\n" * 40)
    _, report = read_logs([path])
    assert report.lines_bad == 40 and len(report.bad_examples) == 5


def test_a_file_of_only_junk_is_a_user_error_with_counts(tmp_path: Path) -> None:
    path = tmp_path / "junk.log"
    path.write_bytes(b"\x00\x01 not a log\nstill not\n\xff\xfe\n")
    with pytest.raises(UserError, match=r"no line matched any known log format \(3 lines"):
        read_logs([path])


def test_missing_file_and_unknown_options_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="not found"):
        read_logs([tmp_path / "nope.log"])
    with pytest.raises(UserError, match="unknown log format"):
        read_logs([tmp_path], "xml")
    with pytest.raises(UserError, match="static"):
        read_logs([tmp_path], static="maybe")


def test_empty_file_gives_an_empty_frame(tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_text("\n\n")
    df, report = read_logs([path])
    assert df.height == 0 and dict(df.schema) == REQUEST_SCHEMA
    assert report.lines_total == 0


def test_forced_format_is_honoured(fixtures: Path) -> None:
    path = fixtures / "nginx_upstream.log"
    _, report = read_logs([path], "combined")
    assert report.formats[str(path)].startswith("combined")
    with pytest.raises(UserError, match="no line matched"):
        read_logs([path], "jsonl")


def test_har_is_recognised_without_its_extension(tmp_path: Path, fixtures: Path) -> None:
    pretty = tmp_path / "capture.json"
    pretty.write_bytes((fixtures / "pagexray_http2_chrome_slice.har").read_bytes())
    one_line = tmp_path / "capture-min.json"
    one_line.write_text(json.dumps(json.loads(pretty.read_text())))
    for path in (pretty, one_line):
        df, report = read_logs([path])
        assert report.formats[str(path)].startswith("har") and df.height == 2


def test_jsonl_is_recognised_when_its_first_line_is_junk(tmp_path: Path, fixtures: Path) -> None:
    path = tmp_path / "late.jsonl"
    path.write_bytes(b"\x00garbage\n" + (fixtures / "access_nginx.jsonl").read_bytes())
    df, report = read_logs([path])
    assert report.formats[str(path)].startswith("jsonl")
    assert (report.lines_total, report.lines_bad, df.height) == (4, 1, 3)
    assert report.bad_examples[0].line_no == 1
