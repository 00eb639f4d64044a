"""Messages that thread workers post to their screens (workers never touch widgets)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from loadtui.contracts import RegressionReport, TrafficModel
from loadtui.live import RunUpdate


@dataclass
class ModelLoaded(Message):
    """The profiler finished: a model to show."""

    model: TrafficModel


@dataclass
class ModelFailed(Message):
    """The profiler could not build a model; `reason` says what to do."""

    reason: str


@dataclass
class LiveUpdate(Message):
    """One update of the live run (a window, a phase, the demo target started, the end)."""

    update: RunUpdate


@dataclass
class RunNotStarted(Message):
    """The run could not start; `reason` says what to do."""

    reason: str


@dataclass
class ComparisonReady(Message):
    """Two runs (or a run and its baseline set) compared."""

    report: RegressionReport


@dataclass
class ComparisonFailed(Message):
    reason: str
