"""`loadtui profile` on the command line: files, JSON-only output, assignments CSV, errors."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from loadtui.cli import main
from loadtui.profile.pipeline import load_model

NASA = Path("/work/shared/data/access_logs/nasa_aug95_first100_clf.log")


def test_profile_writes_model_and_assignments(
    synth_log: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log, _ = synth_log
    model_path, csv_path = tmp_path / "model.json", tmp_path / "sessions.csv"
    code = main(
        ["profile", str(log), "-o", str(model_path), "--assignments", str(csv_path), "--k", "3"]
    )
    assert code == 0
    out = capsys.readouterr().out
    model = load_model(model_path)
    assert model.clustering.k == 3
    for p in model.personas:
        assert p.name in out
    assert "silhouette" in out and "sessions" in out
    csv = pl.read_csv(csv_path)
    assert csv.columns == ["session", "client", "user_agent", "persona", "is_bot"]
    assert csv.height == model.source.sessions


def test_json_flag_prints_only_the_model(
    synth_log: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    log, _ = synth_log
    assert main(["profile", str(log), "--json", "--session-timeout", "15m"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["source"]["sessions"] > 0
    assert doc["personas"]


def test_tiny_real_log_profiles_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not NASA.exists():
        pytest.skip("shared data not present")
    assert main(["profile", str(NASA), "--algo", "agglomerative", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"]["lines_total"] == 100
    assert doc["source"]["response_ms_p50"] is None


def test_missing_log_is_a_one_line_user_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["profile", str(tmp_path / "missing.log")]) == 2
    err = capsys.readouterr().err.strip()
    assert "not found" in err and len(err.splitlines()) == 1


def test_bad_session_timeout_is_a_user_error(
    synth_log: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    log, _ = synth_log
    assert main(["profile", str(log), "--session-timeout", "soon"]) == 2
    assert "30m" in capsys.readouterr().err
