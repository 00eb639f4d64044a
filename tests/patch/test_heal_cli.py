"""`loadtui heal RUN --plan|--script FILE` over run folders written by RunSink: the patch and
the markdown summary, --min-confidence, --apply (atomic, with .bak), and the exit status CI
reads (0 nothing to change, 3 changes, 2 bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from heal_runs import PLAN, write_runs
from patch_scripts import SEEDS, parses

from loadtui.cli import main
from loadtui.plan.yaml_io import load_plan, save_plan

BASE = ("--baseline", "b1", "b2", "b3", "b4")


@pytest.fixture
def runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    write_runs(tmp_path / "runs")
    save_plan(PLAN, tmp_path / "shop.yaml")
    (tmp_path / "load.js").write_text(SEEDS)
    return tmp_path


def heal(capsys: pytest.CaptureFixture[str], root: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["heal", *argv, *BASE, "--out", str(root / "runs"), "--offline"])
    out, err = capsys.readouterr()
    return code, out, err


def test_apply_writes_the_edits_at_or_above_the_confidence(
    runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = runs / "shop.yaml"
    before = plan_file.read_text()
    code, out, _ = heal(capsys, runs, "same", "--plan", str(plan_file), "--min-confidence", "0.99")
    assert code == 0 and "Nothing to change." in out and "held back (< 0.99)" in out
    assert plan_file.read_text() == before

    md = runs / "heal.md"
    code, out, _ = heal(
        capsys,
        runs,
        "same",
        "--plan",
        str(plan_file),
        "--min-confidence",
        "0.5",
        "--apply",
        "--markdown",
        str(md),
    )
    assert code == 3
    assert (runs / "shop.yaml.bak").read_text() == before
    plan = load_plan(plan_file)
    (bound,) = plan.thresholds["http_req_duration"]
    assert bound.startswith("p(95)<") and 31 < float(bound[6:]) < 36  # baseline ~30 ms
    assert plan.thresholds["http_req_failed"] == ["rate<0.01"]
    assert "# k6 syntax." in plan_file.read_text()  # the file's comments are still there
    assert out.startswith(f"--- a/{plan_file}\n+++ b/{plan_file}\n")
    summary = md.read_text()
    assert (
        "## loadtui heal: same" in summary
        and "| applied | threshold:http\\_req\\_duration" in summary
    )
    assert "```diff" in summary and "applied 2 edit(s)" in out

    # healed: the same advice again changes nothing
    code, out, _ = heal(capsys, runs, "same", "--plan", str(plan_file), "--min-confidence", "0.5")
    assert code == 0 and "Nothing to change." in out


def test_a_k6_script_gets_the_thresholds_in_its_options(
    runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = runs / "load.js"
    code, out, _ = heal(
        capsys, runs, "same", "--script", str(script), "--min-confidence", "0.5", "--json"
    )
    assert code == 3
    doc = json.loads(out)
    assert doc["changed"] and not doc["applied"] and doc["exit_code"] == 3
    assert {v["status"] for v in doc["edits"].values()} == {"proposed"}
    assert script.read_text() == SEEDS and not (runs / "load.js.bak").exists()
    code, _, _ = heal(
        capsys, runs, "same", "--script", str(script), "--min-confidence", "0.5", "--apply"
    )
    new = script.read_text()
    assert code == 3 and parses(new) and "http_req_failed: ['rate<0.01']" in new
    assert new.startswith(SEEDS.split("  thresholds:")[0])  # the stages line untouched
    assert (runs / "load.js.bak").read_text() == SEEDS


def test_a_regression_is_reported_not_healed(
    runs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = runs / "shop.yaml"
    code, out, _ = heal(
        capsys, runs, "slow", "--plan", str(plan_file), "--min-confidence", "0", "--json"
    )
    doc = json.loads(out)
    assert code == doc["exit_code"] == (3 if doc["changed"] else 0)
    assert doc["suggestions"]["regression"] is True
    assert "**REGRESSION**" in doc["markdown"]
    for line in doc["patch"].splitlines():  # no latency bound raised to swallow +33 %
        if line.startswith("+") and "p(95)<" in line:
            assert float(line.split("p(95)<")[1]) < 40


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["same", "--plan", "nope.yaml"], "not found"),
        (["same", "--script", "broken.js"], "does not parse"),
        (["same", "--plan", "shop.yaml", "--min-confidence", "1.5"], "between 0 and 1"),
        (["ghost", "--plan", "shop.yaml"], "no run 'ghost'"),
    ],
)
def test_bad_input_exits_2(
    runs: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(runs)
    (runs / "broken.js").write_text("export const options = {\n")
    code, _, err = heal(capsys, runs, *argv)
    assert code == 2 and message in err


def test_help_documents_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["heal", "--help"])
    out = capsys.readouterr().out
    assert "0 nothing to change, 3 changes proposed" in out and "--min-confidence" in out
