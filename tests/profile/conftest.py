"""A seeded synth log with ground truth, generated once for the profile tests that need one."""

from __future__ import annotations

from pathlib import Path

import pytest

SYNTH_SESSIONS = 1200
SYNTH_SEED = 7


@pytest.fixture(scope="session")
def synth_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(access log, truth CSV) from `loadtui synth`, through its command-line contract."""
    from loadtui.cli import main

    folder = tmp_path_factory.mktemp("profile-synth")
    log, truth = folder / "shop_access.log", folder / "shop_truth.csv"
    code = main(
        [
            "synth",
            "-o",
            str(log),
            "--truth",
            str(truth),
            "--sessions",
            str(SYNTH_SESSIONS),
            "--seed",
            str(SYNTH_SEED),
        ]
    )
    assert code == 0 and log.exists() and truth.exists()
    return log, truth
