"""What both patchers share: the edits sorted by what they touch, checked for conflicts, and the
threshold expressions checked before anything is written."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from loadtui.contracts import StageAdjustment, StageRemoval, ThresholdChange
from loadtui.durations import parse_duration
from loadtui.patch.errors import PatchError
from loadtui.plan.thresholds import Threshold, check_metric, parse_metric_key, parse_threshold

AnyEdit = ThresholdChange | StageAdjustment | StageRemoval


@dataclass
class Sorted:
    """The edits of one patch: threshold changes by metric key, stage edits by original index."""

    thresholds: list[ThresholdChange] = field(default_factory=list)
    replace: dict[int, StageAdjustment] = field(default_factory=dict)
    remove: dict[int, StageRemoval] = field(default_factory=dict)

    @property
    def stage_indexes(self) -> set[int]:
        return set(self.replace) | set(self.remove)


def metric_id(key: str) -> tuple[str, tuple[tuple[str, str], ...]] | str:
    """A threshold key compared by meaning: `http_req_duration{ scenario: a }` equals
    `http_req_duration{scenario:a}`; keys that do not parse compare as text."""
    try:
        name, tags = parse_metric_key(key)
    except ValueError:
        return key.strip()
    return name, tuple(sorted(tags.items()))


def sort_edits(edits: Sequence[AnyEdit]) -> Sorted:
    """PatchError when two edits touch the same threshold key or the same stage."""
    out = Sorted()
    seen: dict[object, str] = {}
    for edit in edits:
        if isinstance(edit, ThresholdChange):
            mid = metric_id(edit.metric)
            if mid in seen:
                raise PatchError(f"{edit.id} and {seen[mid]} both change threshold {edit.metric}")
            seen[mid] = edit.id
            out.thresholds.append(edit)
            continue
        if edit.stage in out.stage_indexes:
            other = (out.replace.get(edit.stage) or out.remove[edit.stage]).id
            raise PatchError(f"{edit.id} and {other} both change stage {edit.stage}; pick one")
        if isinstance(edit, StageAdjustment):
            _check_new_stages(edit)
            out.replace[edit.stage] = edit
        else:
            out.remove[edit.stage] = edit
    out.thresholds.sort(key=lambda c: c.metric)  # new keys land in one order, whatever came first
    return out


def _check_new_stages(edit: StageAdjustment) -> None:
    for stage in edit.new_stages:
        try:
            parse_duration(stage.duration)
        except ValueError as exc:
            raise PatchError(f"{edit.id}: new stage duration {stage.duration!r}: {exc}") from exc
        if not math.isfinite(stage.target) or stage.target < 0:
            raise PatchError(f"{edit.id}: new stage target {stage.target} must be ≥ 0")


def checked_thresholds(change: ThresholdChange) -> list[Threshold]:
    """The new expressions parsed and checked against the metric (no p95 of a rate)."""
    if not change.new:
        raise PatchError(f"{change.id}: no expressions for {change.metric}")
    out = []
    for expr in change.new:
        try:
            th = parse_threshold(expr)
            check_metric(change.metric, th)
        except ValueError as exc:
            raise PatchError(f"{change.id}: {change.metric} {expr!r}: {exc}") from exc
        out.append(th)
    return out


def check_stage_indexes(sorted_: Sorted, count: int, where: str) -> None:
    for index in sorted(sorted_.stage_indexes):
        if index >= count:
            edit = sorted_.replace.get(index) or sorted_.remove[index]
            raise PatchError(f"{edit.id}: {where} has {count} stages, there is no stage {index}")
    if count and len(sorted_.remove) >= count and not sorted_.replace:
        raise PatchError(f"removing every stage of {where} leaves nothing to run")
