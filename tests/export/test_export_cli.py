"""`loadtui export k6|locust|artillery PLAN -o FILE` from a plan file on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from export_plans import NODE, node_check, sample_plan
from ruamel.yaml import YAML

from loadtui.cli import main
from loadtui.plan import save_plan


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "smoke.yaml"
    save_plan(sample_plan(type="smoke"), path)
    return path


@pytest.mark.skipif(NODE is None, reason="node is needed")
def test_export_k6_writes_script_and_data(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "smoke.js"
    assert main(["export", "k6", str(plan_file), "-o", str(out), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == {"format": "k6", "files": [str(out), str(tmp_path / "smoke.data.json")]}
    node_check(out)


def test_export_artillery_and_locust(plan_file: Path, tmp_path: Path) -> None:
    assert main(["export", "artillery", str(plan_file), "-o", str(tmp_path / "a.yml")]) == 0
    assert YAML(typ="safe").load((tmp_path / "a.yml").read_text())["config"]["phases"]
    assert main(["export", "locust", str(plan_file), "-o", str(tmp_path / "lf.py")]) == 0
    compile((tmp_path / "lf.py").read_text(), "lf.py", "exec")


def test_missing_folder_is_a_user_error(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "k6", str(plan_file), "-o", str(tmp_path / "no/x.js")]) == 2
    assert "does not exist" in capsys.readouterr().err
