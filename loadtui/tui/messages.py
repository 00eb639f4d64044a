"""Messages that thread workers post to their screens (workers never touch widgets)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from loadtui.contracts import (
    AnomalyFlag,
    MetricWindow,
    RunRecord,
    TestPlan,
    ThresholdVerdict,
    TrafficModel,
)


@dataclass
class ModelLoaded(Message):
    """The profiler finished: a model to show."""

    model: TrafficModel


@dataclass
class ModelFailed(Message):
    """The profiler could not build a model; `reason` says what to do."""

    reason: str


@dataclass
class PlanReady(Message):
    plan: TestPlan


@dataclass
class PlanFailed(Message):
    reason: str


@dataclass
class TargetReady(Message):
    """The run's target answers at `url` (`started` when loadtui started it)."""

    url: str
    started: bool


@dataclass
class WindowArrived(Message):
    """One merged metric window of the live run, with the live verdicts and new flags."""

    window: MetricWindow
    verdicts: list[ThresholdVerdict]
    flags: list[AnomalyFlag]


@dataclass
class RunEnded(Message):
    record: RunRecord | None
    reason: str | None = None  # why it failed, when it did
