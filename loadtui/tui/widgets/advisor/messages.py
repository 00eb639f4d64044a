"""Messages the Advisor's thread workers post to its panel (workers never touch widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.message import Message

from loadtui.contracts import RunRecord, SuggestionSet


@dataclass
class AdviceReady(Message):
    """The advisor answered for `run_dir`."""

    advice: SuggestionSet
    run_dir: Path


@dataclass
class AdviceFailed(Message):
    reason: str


@dataclass
class VerifyProgress(Message):
    """A verification run moved on (`run` is 1-based)."""

    run: int
    detail: str


@dataclass
class VerifyRunDone(Message):
    """One verification run ended (record None: it did not run; `error` says why)."""

    run: int
    record: RunRecord | None
    run_dir: Path | None
    error: str | None = None


@dataclass
class VerifyStopped(Message):
    """No more verification runs (all done, cancelled, or one could not start)."""

    reason: str = ""
