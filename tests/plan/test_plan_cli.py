"""`loadtui plan MODEL -o plan.yaml` end to end (model file in, plan file out)."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtui.cli import main
from loadtui.contracts import TrafficModel
from loadtui.plan.stages import total_seconds
from loadtui.plan.yaml_io import load_plan


@pytest.fixture
def model_file(model: TrafficModel, tmp_path: Path) -> Path:
    path = tmp_path / "model.json"
    path.write_text(model.model_dump_json(indent=2))
    return path


def test_plan_command_writes_a_loadable_plan(
    model_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "stress.yaml"
    code = main(
        [
            "plan", str(model_file), "-o", str(out), "--type", "stress", "--peak-rps", "200",
            "--duration", "6m", "--target", "http://127.0.0.1:9999",
        ]
    )  # fmt: skip
    assert code == 0
    plan = load_plan(out)
    assert plan.type == "stress" and plan.target == "http://127.0.0.1:9999"
    assert total_seconds(plan.stages) == 360
    assert plan.source_model == "model.json"
    said = capsys.readouterr().out
    assert f"wrote {out}" in said and "stress test" in said and "casual_browser" in said


def test_regenerating_keeps_the_users_comments(model_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    assert main(["plan", str(model_file), "-o", str(out)]) == 0
    out.write_text(out.read_text().replace("limits:\n", "limits:  # ops asked for this\n"))
    assert main(["plan", str(model_file), "-o", str(out), "--peak-factor", "5"]) == 0
    assert "# ops asked for this" in out.read_text()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--duration", "forever"], "--duration"),
        (["--peak-vus", "10"], "--peak-vus sets VUs"),
        (["--target", "ftp://x"], "--target"),
    ],
)
def test_bad_options_exit_2_with_a_reason(
    model_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    assert main(["plan", str(model_file), "-o", str(tmp_path / "p.yaml"), *extra]) == 2
    assert message in capsys.readouterr().err


def test_missing_model_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(tmp_path / "none.json"), "-o", str(tmp_path / "p.yaml")]) == 2
    assert "loadtui profile" in capsys.readouterr().err
