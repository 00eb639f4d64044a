"""Messages that thread workers post to their screens (workers never touch widgets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from loadtui.contracts import Forecast, RegressionReport, TrafficModel
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


@dataclass
class ForecastReady(Message):
    """The twin is fitted: its document, the twin itself (for what-if answers), the points."""

    forecast: Forecast
    twin: Any  # analyze.twin.Twin (kept untyped here: messages import no analysis code)
    points: list[Any]  # forecast_view.Measured


@dataclass
class ForecastFailed(Message):
    reason: str


@dataclass
class RunsImported(Message):
    """Result files became run folders (their ids, in the order given)."""

    run_ids: list[str]
