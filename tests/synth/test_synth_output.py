"""Same seed, same bytes; every format and compression readable; bad arguments rejected."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import polars as pl
import pytest
from synth_runs import LINE, run_synth

from loadtui.contracts import REQUEST_SCHEMA
from loadtui.synth.generator import TRUTH_COLUMNS, generate, persona_counts


def _make(path: Path, *extra: str) -> bytes:
    assert run_synth("-o", str(path), "--sessions", "120", "--quiet", *extra) == 0
    return path.read_bytes()


def test_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    a = _make(tmp_path / "a.log", "--seed", "3", "--truth", str(tmp_path / "a.csv"))
    b = _make(tmp_path / "b.log", "--seed", "3", "--truth", str(tmp_path / "b.csv"))
    assert a == b and len(a) > 10_000
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_another_seed_gives_another_log(tmp_path: Path) -> None:
    assert _make(tmp_path / "a.log", "--seed", "3") != _make(tmp_path / "b.log", "--seed", "4")


def test_gzip_output_is_deterministic_and_holds_the_plain_log(tmp_path: Path) -> None:
    plain = _make(tmp_path / "p.log", "--seed", "5")
    first = _make(tmp_path / "a.log.gz", "--seed", "5")
    second = _make(tmp_path / "b.log.gz", "--seed", "5")
    assert first == second  # no file name or time in the gzip header
    assert first[:2] == b"\x1f\x8b"
    assert gzip.decompress(first) == plain


def test_combined_format_has_no_request_time(tmp_path: Path) -> None:
    nginx = _make(tmp_path / "n.log").decode().splitlines()
    combined = _make(tmp_path / "c.log", "--format", "combined").decode().splitlines()
    assert len(nginx) == len(combined)
    assert all(LINE.match(line) for line in nginx)
    # the same line minus the trailing " 0.012"
    assert [line.rsplit(" ", 1)[0] for line in nginx] == combined


def test_jsonl_format_by_file_name(tmp_path: Path) -> None:
    lines = _make(tmp_path / "x.jsonl").decode().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == len(_make(tmp_path / "n.log").decode().splitlines())
    first = records[0]
    assert set(first) >= {"time", "remote_addr", "request_uri", "status", "request_time"}
    assert first["time"].startswith("2026-11-0") and first["time"].endswith("+00:00")
    assert all(0 <= r["request_time"] < 120 for r in records)


def test_csv_format_uses_request_frame_names(tmp_path: Path) -> None:
    text = _make(tmp_path / "x.csv").decode()
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0]) == [
        "timestamp", "client", "method", "path", "query", "status", "bytes", "response_ms",
        "user_agent", "referrer",
    ]  # fmt: skip
    assert {r["method"] for r in rows} >= {"GET", "POST"}
    assert all(r["path"].startswith("/") and "?" not in r["path"] for r in rows)


def test_requests_frame_follows_the_contract() -> None:
    log = generate(sessions=60, seed=2)
    frame = log.requests()
    assert frame.schema == pl.Schema(REQUEST_SCHEMA)
    assert frame["session_id"].null_count() == frame.height
    assert frame["ts"].is_sorted()
    assert (
        frame.filter(pl.col("route") == "/products/{id}")["path"]
        .str.contains(r"^/products/\d+$")
        .all()
    )
    assert tuple(log.truth.columns) == TRUTH_COLUMNS
    rows, truth = log
    assert rows.height == frame.height == truth["requests"].sum()


def test_persona_counts_add_up_exactly() -> None:
    counts = persona_counts(1001)
    assert sum(counts.values()) == 1001
    assert counts["casual_browser"] > counts["power_user"] > counts["stealth_scraper"] > 0
    only_api = persona_counts(10, {"api_consumer": 1.0})
    assert only_api["api_consumer"] == 10 and sum(only_api.values()) == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mix", "shoppers=1"], "unknown persona"),
        (["--mix", "api_consumer=x"], "must be a number"),
        (["--start", "yesterday"], "cannot read --start"),
        (["--sessions", "0"], "--sessions"),
        (["--days", "0"], "--days"),
    ],
)
def test_bad_arguments_exit_2_with_a_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert run_synth("-o", str(tmp_path / "x.log"), *args) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.log").exists()


def test_missing_output_folder_is_a_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_synth("-o", str(tmp_path / "nope" / "x.log")) == 2
    assert "does not exist" in capsys.readouterr().err


def test_summary_names_the_personas(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_synth("-o", str(tmp_path / "x.log"), "--sessions", "200") == 0
    err = capsys.readouterr().err
    assert "200 sessions" in err and "casual_browser" in err and "api_consumer" in err


def test_dash_writes_the_log_to_stdout(tmp_path: Path) -> None:
    import subprocess
    import sys

    args = ["--sessions", "40", "--seed", "2"]
    to_file = _make(tmp_path / "f.log", *args)
    done = subprocess.run(
        [sys.executable, "-m", "loadtui", "synth", "-o", "-", *args],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == to_file
