"""Messages the wizard's own screens post up to the app (which hands them to the driver)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message


@dataclass
class LogPicked(Message):
    """The collect step's picker chose these logs."""

    paths: list[Path]


@dataclass
class ScriptExported(Message):
    """The export step wrote these files (a script, its data file, a CI workflow)."""

    paths: list[Path]
    what: str
