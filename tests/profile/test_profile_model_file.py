"""Model files: JSON round trip, versioned, and every way a file can be wrong is a UserError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtui.contracts import MODEL_VERSION, Persona, SourceSummary, TrafficModel
from loadtui.errors import UserError
from loadtui.profile.pipeline import load_model, save_model


def _model() -> TrafficModel:
    return TrafficModel(
        personas=[Persona(name="casual_browser", share=1.0, sessions=3, requests=9)],
        source=SourceSummary(lines_total=9, sessions=3, requests=9),
    )


def test_saved_model_loads_back_equal(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    save_model(_model(), path)
    text = path.read_text()
    assert text.startswith("{\n  ")  # indented for diffs and reviews
    assert json.loads(text)["version"] == MODEL_VERSION
    assert load_model(path) == _model()
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON"),
        ('{"hello": 1}', "not a traffic model"),
        ('{"version": 999, "personas": []}', "newer than this loadtui"),
        ('{"version": 1, "personas": [{"name": 3}]}', "not a valid traffic model"),
    ],
)
def test_bad_model_files_raise_user_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "model.json"
    path.write_text(content)
    with pytest.raises(UserError, match=message):
        load_model(path)


def test_missing_model_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="loadtui profile"):
        load_model(tmp_path / "nope.json")


def test_unwritable_destination_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot write"):
        save_model(_model(), tmp_path / "no-such-dir" / "model.json")
