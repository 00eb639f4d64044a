"""Paths to the committed log fixtures and the shared third-party logs (read in place)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "logs"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def shared_file() -> Callable[..., Path]:
    """A getter for files in ../shared/data that skips, saying why, when one is absent."""

    def get(*parts: str) -> Path:
        path = SHARED.joinpath(*parts)
        if not SHARED.exists():
            pytest.skip(f"shared data folder {SHARED} is absent on this machine")
        if not path.exists():
            pytest.skip(f"{path} is absent from the shared data")
        return path

    return get
