"""`loadtui profile`'s persona table reads at 80 columns: names and shares in full, columns
dropped by priority, routes ellipsized; the real elastic slice gets distinct, short names."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from loadtui.cli import build_parser, main
from loadtui.commands.profile import FORMATS as PROFILE_FORMATS
from loadtui.commands.profile import render
from loadtui.contracts import TrafficModel
from loadtui.ingest.formats import FORMATS as INGEST_FORMATS
from loadtui.profile.pipeline import build_model, load_model
from loadtui.resources import sample_data_dir

ELASTIC = sample_data_dir() / "elastic_apache_sample.log"
SHOP = sample_data_dir() / "shop_access.log"


@pytest.fixture(scope="module")
def elastic_model() -> TrafficModel:
    model, _ = build_model([ELASTIC])
    return model


def _table(model: TrafficModel, width: int) -> list[str]:
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    render(model, console)
    return console.export_text().splitlines()


def _share(share: float) -> str:
    return f"{share * 100:.1f}%"


@pytest.mark.parametrize("log", [ELASTIC, SHOP], ids=["elastic", "shop"])
def test_every_persona_name_and_share_read_in_full_at_80_columns(
    log: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("COLUMNS", "80")  # what a user's 80-column terminal (or a pipe) says
    model_path = tmp_path / "model.json"
    assert main(["profile", str(log), "-o", str(model_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    model = load_model(model_path)
    assert max(cell_len(line) for line in lines) <= 80
    for p in model.personas:
        row = [
            line for line in lines if re.match(rf"{re.escape(p.name)}\s+{_share(p.share)}", line)
        ]
        assert len(row) == 1, (p.name, _share(p.share), lines)
        assert "…" not in row[0].split()[0]


def test_a_narrow_console_drops_columns_by_priority(elastic_model: TrafficModel) -> None:
    wide = _table(elastic_model, 160)
    narrow = _table(elastic_model, 80)
    wide_header = next(line for line in wide if "persona" in line and "┃" in line)
    narrow_header = next(line for line in narrow if line.startswith("persona "))
    for header in ("sess %", "sessions", "duration", "req/s", "writes", "think p50/p90", "bot"):
        assert header in wide_header
    assert narrow_header.split() == ["persona", "share", "req/sess", "think", "top", "routes"]
    assert "┃" not in "".join(narrow)  # the compact layout has no borders to pay for


def test_routes_are_ellipsized_not_wrapped_when_narrow(elastic_model: TrafficModel) -> None:
    narrow = _table(elastic_model, 80)
    long_route = "% GET /files/logstash/logstash-1.3.2-monolithic.jar"
    assert any(line.endswith("…") and "GET /files/logstash/" in line for line in narrow)
    assert not any(long_route in line for line in narrow)
    assert any(long_route in line for line in _table(elastic_model, 160))


def test_elastic_personas_have_distinct_short_names_without_numbers(
    elastic_model: TrafficModel,
) -> None:
    names = [p.name for p in elastic_model.personas]
    assert len(set(names)) == len(names)
    assert all(len(n) <= 18 for n in names), names
    assert not any(re.search(r"_\d+$", n) for n in names), names
    assert sum(n.startswith("one_shot") for n in names) >= 4  # the slice's many one-page visits


def test_profile_accepts_every_format_the_ingest_reads() -> None:
    """The ingest's own error suggests `--format netnea`; argparse must take it."""
    args = build_parser().parse_args(["profile", "x.log", "--format", "netnea"])
    assert args.fmt == "netnea"
    assert PROFILE_FORMATS == INGEST_FORMATS
