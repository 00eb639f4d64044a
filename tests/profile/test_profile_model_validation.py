"""Model files claim no validation until there is some; older files with the placeholder load."""

from __future__ import annotations

import json
from pathlib import Path

from loadtui.contracts import Persona, TrafficModel, ValidationReport
from loadtui.profile.pipeline import load_model, save_model


def _model(validation: ValidationReport | None = None) -> TrafficModel:
    persona = Persona(name="casual_browser", share=1.0, sessions=3, requests=9)
    return TrafficModel(personas=[persona], validation=validation)


def test_a_saved_model_has_no_validation_field(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    save_model(_model(), path)
    data = json.loads(path.read_text())
    assert "validation" not in data  # not `{"checks": {}, "passed": true}`, not null
    assert load_model(path).validation is None
    assert "validation" not in json.loads(_model().model_dump_json())


def test_an_older_file_with_the_placeholder_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    data = json.loads(_model().model_dump_json())
    data["validation"] = {"checks": {}, "passed": True, "notes": []}
    path.write_text(json.dumps(data))
    model = load_model(path)
    assert model.validation is None  # the placeholder checked nothing: not carried forward
    assert model == _model()


def test_a_real_report_round_trips(tmp_path: Path) -> None:
    report = ValidationReport(checks={"session_length_ks": 0.04}, passed=True)
    path = tmp_path / "model.json"
    save_model(_model(validation=report), path)
    assert json.loads(path.read_text())["validation"]["checks"] == {"session_length_ks": 0.04}
    assert load_model(path).validation == report
