"""`loadtui import`: --json prints only the created runs; bad input is exit 2 with the fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtui.cli import main
from loadtui.store.history import list_runs
from loadtui.store.runs import load_run

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
LOCUST = SHARED / "locust" / "veroliut_loadTestRetailDemoStore"


@pytest.mark.skipif(not LOCUST.is_dir(), reason="../shared/data is not here")
def test_one_locust_prefix_named_twice_is_one_indexed_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(LOCUST / "results_stats.csv"), str(LOCUST / "results_failures.csv")]
    code = main(["import", "locust", *files, "--out", str(tmp_path), "--json"])

    assert code == 0
    (created,) = json.loads(capsys.readouterr().out)["runs"]
    record, windows = load_run(created["path"])
    assert record.run_id == created["run_id"] and record.source == "locust"
    assert created["requests"] == 37219 and created["p95_ms"] == 33000.0
    assert len(windows) == 61 and sum(w.requests for w in windows) == 37219
    assert record.errors_by_class == {"dns": 1}
    assert [r.run_id for r in list_runs(tmp_path / "runs.db")] == [record.run_id]


def test_not_a_result_file_is_exit_2_naming_what_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b\n1,2\n")
    assert main(["import", "locust", str(bad), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "PREFIX_stats.csv" in err and err.count("\n") == 1
    assert not (tmp_path / "runs.db").exists()
