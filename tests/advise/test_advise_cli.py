"""`loadtui advise RUN` over run folders written by RunSink: baseline resolution shared with
analyze, JSON as one SuggestionSet, text with verdict/evidence/confidence, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from advise_runs import write_run

from loadtui.cli import main
from loadtui.contracts import SuggestionSet

ROUTE = "GET /[bold]x"  # log text: must print literally, never as markup


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for i, (rid, p95) in enumerate((("b1", 30.0), ("b2", 31.0), ("b3", 29.5), ("b4", 30.5))):
        write_run(tmp_path, rid, p95=p95, minute=i, routes=[ROUTE], seed=i)
    write_run(tmp_path, "same", p95=30.0, minute=10, routes=[ROUTE], seed=10)
    write_run(tmp_path, "slow", p95=40.0, minute=11, routes=[ROUTE], seed=11)
    return tmp_path


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_is_one_suggestion_set_from_the_marked_baseline(
    runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli(capsys, "baseline", "b1", "b2", "b3", "b4", "--out", str(runs))[0] == 0
    code, out, _ = cli(capsys, "advise", "same", "--baseline", "auto", "--json", "--out", str(runs))
    assert code == 0
    result = SuggestionSet.model_validate(json.loads(out))
    assert result.source == "offline" and not result.regression
    assert sorted(result.baseline_runs) == ["b1", "b2", "b3", "b4"]
    lat, err = result.new_thresholds
    assert lat.id == "threshold:http_req_duration" and lat.old == ["p(95)<500"]
    (expr,) = lat.new
    assert expr.startswith("p(95)<") and 31.0 < float(expr[6:]) < 36.0, expr  # < +20 %
    assert (err.id, err.old, err.new) == ("threshold:http_req_failed", [], ["rate<0.01"])


def test_text_shows_a_regression_with_its_evidence(
    runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(
        capsys,
        "advise",
        str(runs / "slow"),
        "--baseline",
        "b1",
        "b2",
        "b3",
        "b4",
        "--offline",
        "--out",
        str(runs),
    )
    assert code == 0
    assert "REGRESSION:" in out and "no latency bound loosened" in out
    assert "findings" in out and "evidence:" in out
    assert ROUTE in out  # printed as text, not eaten as a [bold] tag


def test_bad_references_are_user_errors(runs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "advise", "nope", "--out", str(runs))
    assert code == 2 and "no run 'nope'" in err
    code, _, err = cli(capsys, "advise", "same", "--baseline", "auto", "--out", str(runs))
    assert code == 2 and "no baseline marked" in err
    code, _, err = cli(capsys, "advise", "same", "--baseline", "same", "--out", str(runs))
    assert code == 2 and "its own baseline" in err


def test_llm_without_an_endpoint_says_so_and_answers_offline(
    runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(
        capsys, "advise", "same", "--baseline", "b1", "b2", "--llm", "--json", "--out", str(runs)
    )
    assert code == 0
    result = SuggestionSet.model_validate(json.loads(out))
    assert result.source == "offline"
    assert any("no LLM endpoint: set OPENAI_API_KEY or OPENAI_BASE_URL" in n for n in result.notes)
