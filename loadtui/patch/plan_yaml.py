"""Edits on a loadtui plan file, round-trip through ruamel (plan/yaml_io's settings): comments,
key order, quoting and the `abortOnFail` object form of untouched entries stay as they were."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.tokens import CommentToken

from loadtui.contracts import Stage, StageAdjustment
from loadtui.errors import UserError
from loadtui.patch.edits import (
    AnyEdit,
    check_stage_indexes,
    checked_thresholds,
    metric_id,
    sort_edits,
)
from loadtui.patch.errors import PatchError
from loadtui.plan.thresholds import Threshold, parse_threshold
from loadtui.plan.yaml_io import loads_plan, round_trip_yaml


def _same(entry: Any, th: Threshold) -> bool:
    """Whether a file entry (string or k6 object) is the threshold `th`."""
    try:
        return parse_threshold(entry).to_plan_string() == th.to_plan_string()
    except ValueError:
        return False


def _entry(th: Threshold) -> Any:
    k6 = th.to_k6()
    if isinstance(k6, str):
        return k6
    return CommentedMap(k6)


def _thresholds_value(old: Any, new: list[Threshold]) -> CommentedSeq:
    """The new list, reusing an old entry (its form, quotes and comments) where it is unchanged."""
    olds = list(old) if isinstance(old, list) else ([old] if old is not None else [])
    out = CommentedSeq()
    for th in new:
        reuse = next((e for e in olds if _same(e, th)), None)
        out.append(reuse if reuse is not None else _entry(th))
    if isinstance(old, CommentedSeq) and old.fa.flow_style():
        out.fa.set_flow_style()
    return out


def _number(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _stage_item(stage: Stage, like: Any) -> CommentedMap:
    item = CommentedMap()
    item["duration"] = stage.duration
    item["target"] = _number(stage.target)
    if stage.name is not None:
        item["name"] = stage.name
    if isinstance(like, CommentedMap) and like.fa.flow_style():
        item.fa.set_flow_style()
    return item


def _end_place(seq: CommentedSeq, i: int) -> tuple[Any, Any, int]:
    """Where ruamel keeps the comment after item `i` (its end-of-line comment and the comment
    lines before the next item): on a block mapping's last key, else on the list item."""
    item = seq[i]
    if isinstance(item, CommentedMap) and len(item) and not item.fa.flow_style():
        return item, list(item)[-1], 2
    return seq, i, 0


def _take_comment(seq: CommentedSeq, i: int) -> CommentToken | None:
    container, key, slot = _end_place(seq, i)
    entry = container.ca.items.get(key)
    if not entry or len(entry) <= slot or entry[slot] is None:
        return None
    token: CommentToken = entry[slot]
    entry[slot] = None
    return token


def _put_comment(seq: CommentedSeq, i: int, token: CommentToken) -> None:
    container, key, slot = _end_place(seq, i)
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    old = entry[slot]
    if old is not None:  # the item has its own: the moved lines come after it
        old.value += token.value[1:] if token.value.startswith("\n") else token.value
        return
    entry[slot] = token


def _tail(token: CommentToken | None) -> CommentToken | None:
    """The comment lines after the item's own end-of-line comment (they sit before the next
    item), as a token of their own; None when there are none."""
    if token is None:
        return None
    cut = token.value.find("\n")
    rest = token.value[cut:] if cut >= 0 else ""
    if not rest.strip():
        return None
    return CommentToken(rest, CommentMark(0), None)


def _apply_stages(seq: CommentedSeq, replace: dict[int, StageAdjustment], remove: set[int]) -> None:
    """By original index, from the end, so earlier indexes still mean what they meant. A
    replaced stage's comments move to its last new stage; a removed stage's own comment goes
    with it, the comment lines before the next stage stay."""
    for index in sorted({*replace, *remove}, reverse=True):
        like = seq[index]
        token = _take_comment(seq, index)
        del seq[index]
        if index in replace:
            news = replace[index].new_stages
            for offset, stage in enumerate(news):
                seq.insert(index + offset, _stage_item(stage, like))
            if token is not None:
                _put_comment(seq, index + len(news) - 1, token)
        elif index > 0:
            tail = _tail(token)
            if tail is not None:
                _put_comment(seq, index - 1, tail)


def _last_comment(node: Any) -> tuple[list[Any], int] | None:
    """(comment slot list, index) of the deepest comment at the end of `node`: ruamel hangs a
    comment on the line before the next section there, so it moves with the section's last item."""
    found = None
    while isinstance(node, CommentedMap | CommentedSeq) and len(node):
        key: Any = list(node)[-1] if isinstance(node, CommentedMap) else len(node) - 1
        slot = 2 if isinstance(node, CommentedMap) else 0
        entry = node.ca.items.get(key)
        if entry and len(entry) > slot and entry[slot] is not None:
            found = (entry, slot)
        node = node[key]
    return found


def _detach_section_comment(doc: CommentedMap, key: str) -> str:
    """Cut the comment lines that close section `key` (they belong to the next section)."""
    found = _last_comment(doc.get(key))
    if found is None:
        return ""
    entry, slot = found
    value = entry[slot].value
    cut = value.find("\n")
    if cut < 0 or not value[cut + 1 :].strip():
        return ""
    entry[slot].value = value[: cut + 1]
    return str(value[cut + 1 :])


def _reattach_section_comment(doc: CommentedMap, key: str, comment: str) -> None:
    """Put cut comment lines back, before the key that follows section `key`."""
    keys = list(doc)
    if not comment or key not in keys or keys.index(key) + 1 >= len(keys):
        return
    lines = [line.strip() for line in comment.splitlines() if line.strip()]
    text = "\n".join(line[1:].removeprefix(" ") if line.startswith("#") else line for line in lines)
    doc.yaml_set_comment_before_after_key(keys[keys.index(key) + 1], before=text)


def apply_plan_edits(text: str, edits: Sequence[AnyEdit], source: str = "plan") -> str:
    """`text` (a plan file) with `edits` applied; PatchError if one cannot apply or the result
    is not a valid plan."""
    y = round_trip_yaml()
    try:
        doc = y.load(text)
    except YAMLError as exc:
        raise PatchError(f"{source} is not valid YAML; fix it before healing: {exc}") from exc
    if not isinstance(doc, CommentedMap):
        raise PatchError(f"{source} does not hold a plan (expected a mapping at the top)")
    plan_edits = sort_edits(edits)
    if not edits:
        return text
    if plan_edits.thresholds:
        closing = _detach_section_comment(doc, "thresholds")
        block = doc.get("thresholds")
        if block is None:
            block = CommentedMap()
            doc["thresholds"] = block
        if not isinstance(block, CommentedMap):
            raise PatchError(f"{source}: thresholds is not a mapping of metric → expressions")
        for change in plan_edits.thresholds:
            new = checked_thresholds(change)
            key = next((k for k in block if metric_id(str(k)) == metric_id(change.metric)), None)
            if key is None:
                block[change.metric] = _thresholds_value(None, new)
            else:
                block[key] = _thresholds_value(block[key], new)
        _reattach_section_comment(doc, "thresholds", closing)
    if plan_edits.stage_indexes:
        stages = doc.get("stages")
        if not isinstance(stages, CommentedSeq):
            raise PatchError(f"{source} has no stages list to change")
        check_stage_indexes(plan_edits, len(stages), source)
        closing = _detach_section_comment(doc, "stages")
        _apply_stages(stages, plan_edits.replace, set(plan_edits.remove))
        _reattach_section_comment(doc, "stages", closing)
    out = io.StringIO()
    y.dump(doc, out)
    result = out.getvalue()
    try:
        loads_plan(result, source)
    except UserError as exc:
        raise PatchError(f"the edited plan would not load, nothing written: {exc}") from exc
    return result
