"""One small synth log (and truth) per test session, made through the command line."""

from __future__ import annotations

import polars as pl
import pytest
from synth_runs import SEED, SESSIONS, Synth, parse_lines, run_synth


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    folder = tmp_path_factory.mktemp("synth")
    log, truth = folder / "shop.log", folder / "truth.csv"
    code = run_synth(
        "-o", str(log), "--truth", str(truth), "--sessions", str(SESSIONS), "--seed", str(SEED),
        "--quiet",
    )  # fmt: skip
    assert code == 0
    frame = pl.read_csv(truth, try_parse_dates=True)
    return Synth(log, truth, parse_lines(log), frame)
