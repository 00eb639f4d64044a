"""Edits on a k6 script's `options`, located with tree-sitter-javascript and spliced in place:
only the changed values' bytes change (a threshold key's array, a stages array's elements, a new
property), every other byte of the script stays as it was.

Options may be written `export const options = {...}`, `export let`/`var`, or
`const options = {...}; export { options }`, and built from variables in the same file:
`const thresholds = {...}; export const options = { thresholds, stages: myStages }` (each
identifier is followed to its declaration's object or array literal).

Stage edits name the plan's stage by its index and carry targets in the plan's unit. They apply
to `options.stages` (targets as given, VUs) and to the `stages` of each ramping scenario
(`ramping-vus`, `ramping-arrival-rate`), each scaled by that scenario's share of the scenarios'
total at that stage (per `timeUnit` for arrival rates), so a persona split stays the same.

Threshold changes name the plan's metric key; in the script it is the key `loadtui export k6`
wrote (k6's metric name, `{scenario:casual browser}` as `{scenario:casual_browser}`, cleaned by
the exporter's own k6_scenario_name), matched by meaning: `{ scenario: x }` is `{scenario:x}`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import tree_sitter as ts

from loadtui.contracts import Stage, ThresholdChange
from loadtui.durations import parse_duration
from loadtui.export.escape import js_string
from loadtui.export.k6_options import k6_metric_key, k6_scenario_name
from loadtui.patch import js_tree as js
from loadtui.patch.edits import (
    AnyEdit,
    Sorted,
    check_stage_indexes,
    checked_thresholds,
    metric_id,
    sort_edits,
)
from loadtui.patch.errors import PatchError
from loadtui.plan.thresholds import Threshold, parse_metric_key, parse_threshold

RAMPING = ("ramping-vus", "ramping-arrival-rate")
_IDENT = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_FOLLOW_LIMIT = 8  # identifiers followed in a row before giving up (a = b; b = a)


@dataclass(frozen=True)
class Splice:
    start: int
    end: int
    text: bytes


@dataclass(frozen=True)
class _StagesArray:
    label: str  # "options.stages", "scenario browser"
    node: ts.Node
    unit_s: float | None  # None: top-level stages (targets as given); else the scenario's unit
    group: str  # scenarios scale within their executor family


def _quote(value: str, quote: str) -> str:
    """A JS string literal in the file's quote style (escaped as js_string does)."""
    double = js_string(value)
    if quote == '"':
        return double
    out, body, i = [], double[1:-1], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            nxt = body[i + 1]
            out.append('"' if nxt == '"' else "\\" + nxt)
            i += 2
            continue
        out.append("\\'" if ch == "'" else ch)
        i += 1
    return "'" + "".join(out) + "'"


@dataclass(frozen=True)
class _K6Key:
    """Where a threshold change lands in a k6 script: `exported` is the key as `loadtui export
    k6` writes it (k6's metric name, `{scenario:NAME}` cleaned by k6_scenario_name);
    `as_given` keeps the plan's scenario name, for a hand-written script that uses it."""

    exported: str
    as_given: str
    scenario: str | None  # the exported key's scenario tag, if it has one
    scenario_as_given: str | None


def k6_key(change: ThresholdChange) -> _K6Key:
    """The change's metric key in k6's names, as `loadtui export k6` writes them (the engine's
    http_req_service is k6's http_req_duration); PatchError for a metric k6 does not have."""
    try:
        name, tags = parse_metric_key(change.metric)
    except ValueError:
        return _K6Key(change.metric, change.metric, None, None)  # checked_thresholds says why
    exported = k6_metric_key(change.metric, k6_scenario_name)
    as_given = k6_metric_key(change.metric, lambda sc: sc)
    if exported is None or as_given is None:
        raise PatchError(f"{change.id}: k6 has no {name} metric; set it in the loadtui plan")
    raw = tags.get("scenario")
    return _K6Key(exported, as_given, None if raw is None else k6_scenario_name(raw), raw)


def _num(x: float) -> str:
    return str(round(x))


class _Script:
    """One parsed script: its top-level declarations and its options object."""

    def __init__(self, src: bytes, source: str) -> None:
        self.src = src
        self.source = source
        tree = js.check_parses(src, f"{source} (before editing)")
        self.root = tree.root_node
        self.decls = self._declarations()
        self.options = self._options()
        self.quote = self._quote_style()

    def _declarators(self, stmt: ts.Node) -> list[ts.Node]:
        if stmt.type == "export_statement":
            decl = stmt.child_by_field_name("declaration")
            return self._declarators(decl) if decl is not None else []
        if stmt.type in ("lexical_declaration", "variable_declaration"):
            return [c for c in stmt.named_children if c.type == "variable_declarator"]
        return []

    def _declarations(self) -> dict[str, ts.Node]:
        out: dict[str, ts.Node] = {}
        for stmt in self.root.named_children:
            for d in self._declarators(stmt):
                name, value = d.child_by_field_name("name"), d.child_by_field_name("value")
                if name is not None and value is not None and name.type == "identifier":
                    out.setdefault(js.text(name, self.src), value)
        return out

    def resolve(self, node: ts.Node) -> ts.Node:
        """Follow identifiers (and parentheses) to the literal they were declared with."""
        for _ in range(_FOLLOW_LIMIT):
            if node.type == "parenthesized_expression" and node.named_child_count == 1:
                node = node.named_children[0]
            elif node.type in ("identifier", "shorthand_property_identifier"):
                found = self.decls.get(js.text(node, self.src))
                if found is None:
                    return node
                node = found
            else:
                return node
        return node

    def _options(self) -> ts.Node:
        local: str | None = None
        value: ts.Node | None = None
        for stmt in self.root.named_children:
            if stmt.type != "export_statement" or stmt.child_by_field_name("source") is not None:
                continue
            for d in self._declarators(stmt):
                name = d.child_by_field_name("name")
                if name is not None and js.text(name, self.src) == "options":
                    value = d.child_by_field_name("value")
            for clause in (c for c in stmt.named_children if c.type == "export_clause"):
                for spec in clause.named_children:
                    name, alias = (
                        spec.child_by_field_name("name"),
                        spec.child_by_field_name("alias"),
                    )
                    if name is not None and js.text(alias or name, self.src) == "options":
                        local = js.text(name, self.src)
        if value is None and local is not None:
            value = self.decls.get(local)
        if value is None:
            raise PatchError(
                f"{self.source} has no `export const options = {{...}}`: heal edits a k6 "
                "script's options object"
            )
        options = self.resolve(value)
        if options.type != "object":
            raise PatchError(
                f"{self.source}: `options` is not an object literal (it is built by "
                f"{js.text(options, self.src)[:40]!r}), so heal cannot find its thresholds "
                "and stages; write it as `export const options = { ... }` (values may name "
                "consts of this file), or read `loadtui advise RUN` and edit the script by hand"
            )
        return options

    def _quote_style(self) -> str:
        stack = [self.options]
        while stack:
            node = stack.pop()
            if node.type == "string":
                return chr(self.src[node.start_byte])
            stack.extend(reversed(node.named_children))
        return '"'

    def prop(self, obj: ts.Node, name: str) -> tuple[ts.Node, ts.Node] | None:
        """(property node, its value resolved) for key `name`; the last one wins, as in JS."""
        found = None
        for m in js.members(obj):
            if m.type == "pair":
                key, value = m.child_by_field_name("key"), m.child_by_field_name("value")
                if key is not None and value is not None and js.key_name(key, self.src) == name:
                    found = (m, self.resolve(value))
            elif m.type == "shorthand_property_identifier" and js.text(m, self.src) == name:
                found = (m, self.resolve(m))
        return found

    def string_prop(self, obj: ts.Node, name: str) -> str | None:
        found = self.prop(obj, name)
        return js.string_value(found[1], self.src) if found else None

    # -- layout ----------------------------------------------------------------------------

    def sep(self, ms: list[ts.Node]) -> bytes:
        """How the file separates the members of this array or object."""
        if len(ms) >= 2:
            between = self.src[ms[0].end_byte : ms[1].start_byte]
            if between.strip() == b",":
                return between
        if ms and js.starts_line(self.src, ms[0].start_byte):
            return b",\n" + js.line_indent(self.src, ms[0].start_byte)
        return b", "

    def step(self) -> bytes:
        """One level of indentation, as the options object uses it."""
        ms = js.members(self.options)
        if ms and js.starts_line(self.src, ms[0].start_byte):
            inner = js.line_indent(self.src, ms[0].start_byte)
            outer = js.line_indent(self.src, self.options.start_byte)
            if len(inner) > len(outer) and inner.startswith(outer):
                return inner[len(outer) :]
        return b"  "

    def insert_props(self, obj: ts.Node, props: list[bytes]) -> list[Splice]:
        """Splices adding `props` (`key: value`) at the end of `obj`, in its layout: one per
        line at the members' indentation when they are on their own lines, trailing comma
        kept when the object has one."""
        src, ms = self.src, js.members(obj)
        if not ms:
            if b"\n" in src[obj.start_byte : obj.end_byte]:
                outer = js.line_indent(src, obj.start_byte)
                inner = outer + self.step()
                body = b"".join(b"\n" + inner + p + b"," for p in props)
                return [Splice(obj.start_byte, obj.end_byte, b"{" + body + b"\n" + outer + b"}")]
            return [Splice(obj.start_byte, obj.end_byte, b"{ " + b", ".join(props) + b" }")]
        last = ms[-1]
        comma = next(
            (c for c in obj.children if c.type == "," and c.start_byte >= last.end_byte), None
        )
        if not js.starts_line(src, last.start_byte):
            if comma is not None:
                return [
                    Splice(comma.end_byte, comma.end_byte, b"".join(b" " + p + b"," for p in props))
                ]
            return [Splice(last.end_byte, last.end_byte, b"".join(b", " + p for p in props))]
        indent = js.line_indent(src, last.start_byte)
        anchor = comma.end_byte if comma is not None else last.end_byte
        line_end = src.find(b"\n", anchor)
        line_end = len(src) if line_end == -1 else line_end
        rest = src[anchor:line_end].strip()
        pos = (
            line_end
            if rest == b"" or (rest.startswith(b"//") and obj.end_byte > line_end)
            else anchor
        )
        if comma is not None:
            return [Splice(pos, pos, b"".join(b"\n" + indent + p + b"," for p in props))]
        body = b",".join(b"\n" + indent + p for p in props)
        if pos == anchor:
            return [Splice(anchor, anchor, b"," + body)]
        return [Splice(anchor, anchor, b","), Splice(pos, pos, body)]

    # -- thresholds -------------------------------------------------------------------------

    def entry_threshold(self, node: ts.Node) -> Threshold | None:
        """A threshold array element as parsed: a string, or `{threshold, abortOnFail, ...}`."""
        try:
            value = js.string_value(node, self.src)
            if value is not None:
                return parse_threshold(value)
            if node.type != "object":
                return None
            spec: dict[str, object] = {}
            for m in js.members(node):
                key = m.child_by_field_name("key") if m.type == "pair" else None
                raw = m.child_by_field_name("value") if m.type == "pair" else None
                if key is None or raw is None:
                    return None
                name = js.key_name(key, self.src) or ""
                if raw.type in ("true", "false"):
                    spec[name] = raw.type == "true"
                else:
                    spec[name] = js.string_value(raw, self.src)
            return parse_threshold(spec)
        except ValueError:
            return None

    def render_threshold(self, th: Threshold) -> bytes:
        k6 = th.to_k6()
        if isinstance(k6, str):
            return _quote(k6, self.quote).encode("utf-8")
        parts = []
        for key, value in k6.items():
            lit = (
                ("true" if value else "false")
                if isinstance(value, bool)
                else _quote(str(value), self.quote)
            )
            parts.append(f"{key}: {lit}")
        return ("{ " + ", ".join(parts) + " }").encode("utf-8")

    def render_key(self, metric: str) -> bytes:
        key = metric if _IDENT.fullmatch(metric) else _quote(metric, self.quote)
        return key.encode("utf-8")

    def threshold_value(self, new: list[Threshold], old: list[ts.Node]) -> list[bytes]:
        """Entry texts, reusing an old element's bytes where it holds the same threshold."""
        olds = [(n, self.entry_threshold(n)) for n in old]
        out = []
        for th in new:
            same = next(
                (n for n, o in olds if o is not None and o.to_plan_string() == th.to_plan_string()),
                None,
            )
            out.append(
                self.src[same.start_byte : same.end_byte] if same else self.render_threshold(th)
            )
        return out

    def threshold_members(self, obj: ts.Node) -> dict[object, ts.Node]:
        """The thresholds object's `key: value` pairs by metric_id (tags compared by meaning,
        whitespace and order inside `{...}` ignored)."""
        keyed: dict[object, ts.Node] = {}
        for m in js.members(obj):
            if m.type == "pair":
                key = m.child_by_field_name("key")
                name = js.key_name(key, self.src) if key is not None else None
                if name is not None:
                    keyed[metric_id(name)] = m
        return keyed

    def script_key(self, key: _K6Key, keyed: dict[object, ts.Node]) -> tuple[str, ts.Node | None]:
        """The script's key for a change and its pair, if the script has one: the key as the
        exporter wrote it, else as given; a new key is the exporter's unless only the plan's
        own scenario name is a scenario of this script."""
        for candidate in dict.fromkeys((key.exported, key.as_given)):
            member = keyed.get(metric_id(candidate))
            if member is not None:
                return candidate, member
        names = {name for name, _ in self.scenario_entries()}
        if key.scenario not in names and key.scenario_as_given in names:
            return key.as_given, None
        return key.exported, None

    def threshold_splices(self, changes: list[ThresholdChange]) -> list[Splice]:
        if not changes:
            return []
        found = self.prop(self.options, "thresholds")
        if found is not None and found[1].type != "object":
            raise PatchError(f"{self.source}: options.thresholds is not an object literal")
        keyed = self.threshold_members(found[1]) if found is not None else {}
        targets: list[tuple[ThresholdChange, list[Threshold], ts.Node | None]] = []
        claimed: dict[object, str] = {}
        for change in changes:
            metric, member = self.script_key(k6_key(change), keyed)
            mid = metric_id(metric)
            if mid in claimed:  # `{scenario:a b}` and `{scenario:a_b}` are one key in k6
                raise PatchError(
                    f"{claimed[mid]} and {change.id} both change threshold {metric} in "
                    f"{self.source}; pick one"
                )
            claimed[mid] = change.id
            change = change.model_copy(update={"metric": metric})
            targets.append((change, checked_thresholds(change), member))
        if found is None:
            inner = self.step()
            multi = (
                js.starts_line(self.src, js.members(self.options)[0].start_byte)
                if js.members(self.options)
                else False
            )
            items = [
                self.render_key(c.metric) + b": [" + b", ".join(self.threshold_value(t, [])) + b"]"
                for c, t, _ in targets
            ]
            if multi:
                indent = js.line_indent(self.src, js.members(self.options)[-1].start_byte)
                body = b"".join(b"\n" + indent + inner + i + b"," for i in items)
                block = b"{" + body + b"\n" + indent + b"}"
            else:
                block = b"{ " + b", ".join(items) + b" }"
            return self.insert_props(self.options, [b"thresholds: " + block])
        obj = found[1]
        splices: list[Splice] = []
        missing: list[bytes] = []
        for change, new, member in targets:
            if member is None:
                entries = b", ".join(self.threshold_value(new, []))
                missing.append(self.render_key(change.metric) + b": [" + entries + b"]")
                continue
            raw = member.child_by_field_name("value")
            assert raw is not None
            value = self.resolve(raw)
            if value.type == "array":
                elements = js.members(value)
                texts = self.threshold_value(new, elements)
                if [self.src[e.start_byte : e.end_byte] for e in elements] == texts:
                    continue
                if elements:
                    splices.append(
                        Splice(
                            elements[0].start_byte,
                            elements[-1].end_byte,
                            self.sep(elements).join(texts),
                        )
                    )
                else:
                    splices.append(
                        Splice(value.start_byte, value.end_byte, b"[" + b", ".join(texts) + b"]")
                    )
            elif value.type in ("string", "template_string", "object"):
                texts = self.threshold_value(new, [value])
                splices.append(
                    Splice(value.start_byte, value.end_byte, b"[" + b", ".join(texts) + b"]")
                )
            else:
                raise PatchError(
                    f"{change.id}: the value of {change.metric} is computed "
                    f"({js.text(value, self.src)[:40]!r}); edit it by hand"
                )
        if missing:
            splices += self.insert_props(obj, missing)
        return splices

    # -- stages -----------------------------------------------------------------------------

    def scenario_entries(self) -> list[tuple[str, ts.Node]]:
        """(k6 scenario name, its value resolved) for each member of `options.scenarios`."""
        scenarios = self.prop(self.options, "scenarios")
        if scenarios is None or scenarios[1].type != "object":
            return []
        out = []
        for m in js.members(scenarios[1]):
            if m.type == "pair":
                key, raw = m.child_by_field_name("key"), m.child_by_field_name("value")
                if key is not None and raw is not None:
                    out.append((js.key_name(key, self.src) or "?", self.resolve(raw)))
            elif m.type == "shorthand_property_identifier":
                out.append((js.text(m, self.src), self.resolve(m)))
        return out

    def stage_arrays(self) -> list[_StagesArray]:
        out: list[_StagesArray] = []
        top = self.prop(self.options, "stages")
        if top is not None and top[1].type == "array":
            out.append(_StagesArray("options.stages", top[1], None, ""))
        for name, sc in self.scenario_entries():
            if sc.type != "object":
                continue
            executor = self.string_prop(sc, "executor")
            stages = self.prop(sc, "stages")
            if executor not in RAMPING or stages is None or stages[1].type != "array":
                continue
            unit_s = 1.0
            if executor == "ramping-arrival-rate":
                unit = self.string_prop(sc, "timeUnit") or "1s"
                try:
                    unit_s = parse_duration(unit)
                except ValueError as exc:
                    raise PatchError(
                        f"{self.source}: scenario {name} timeUnit {unit!r}: {exc}"
                    ) from exc
            out.append(_StagesArray(f"scenario {name}", stages[1], unit_s, executor))
        seen: set[int] = set()
        unique = []
        for arr in out:  # one array shared by several scenarios is edited once
            if arr.node.start_byte not in seen:
                seen.add(arr.node.start_byte)
                unique.append(arr)
        return unique

    def stage_field(self, element: ts.Node, name: str, label: str, index: int) -> ts.Node:
        found = self.prop(element, name) if element.type == "object" else None
        if found is None or found[0].type != "pair":
            raise PatchError(
                f"{self.source}: {label} stage {index} has no literal `{name}`; edit it by hand"
            )
        value = found[0].child_by_field_name("value")
        assert value is not None
        return value

    def target(self, element: ts.Node, label: str, index: int) -> float:
        value = js.number_value(self.stage_field(element, "target", label, index), self.src)
        if value is None:
            raise PatchError(
                f"{self.source}: {label} stage {index} target is not a number; edit it by hand"
            )
        return value

    def stage_text(
        self, element: ts.Node, stage: Stage, target: float, label: str, index: int
    ) -> bytes:
        """Element `element` rewritten with a new duration and target, its layout kept."""
        dur = self.stage_field(element, "duration", label, index)
        tgt = self.stage_field(element, "target", label, index)
        quote = chr(self.src[dur.start_byte]) if dur.type == "string" else self.quote
        parts = sorted(
            [
                (dur.start_byte, dur.end_byte, _quote(stage.duration, quote).encode("utf-8")),
                (tgt.start_byte, tgt.end_byte, _num(target).encode("utf-8")),
            ],
            reverse=True,
        )
        out = self.src[element.start_byte : element.end_byte]
        for start, end, new in parts:
            out = out[: start - element.start_byte] + new + out[end - element.start_byte :]
        return out

    def shares(self, arrays: list[_StagesArray], index: int) -> dict[int, float]:
        """Each scenario array's share of its executor family's total at stage `index`."""
        out: dict[int, float] = {}
        for group in {a.group for a in arrays if a.unit_s is not None}:
            members = [a for a in arrays if a.group == group]
            per = {
                a.node.start_byte: [
                    self.target(e, a.label, i) / (a.unit_s or 1.0)
                    for i, e in enumerate(js.members(a.node))
                ]
                for a in members
            }
            at = {k: v[index] for k, v in per.items()}
            total = sum(at.values())
            overall = {k: sum(v) for k, v in per.items()}
            whole = sum(overall.values())
            for k in per:
                if total > 0:
                    out[k] = at[k] / total
                elif whole > 0:
                    out[k] = overall[k] / whole
                else:
                    out[k] = 1.0 / len(per)
        return out

    def stage_splices(self, edits: Sorted) -> list[Splice]:
        if not edits.stage_indexes:
            return []
        arrays = self.stage_arrays()
        if not arrays:
            raise PatchError(
                f"{self.source}: options has no stages to change (no options.stages and no "
                "ramping-vus or ramping-arrival-rate scenario with stages)"
            )
        for arr in arrays:
            elements = js.members(arr.node)
            check_stage_indexes(edits, len(elements), f"{self.source} {arr.label}")
            for i in edits.stage_indexes:
                if elements[i].type != "object":
                    raise PatchError(
                        f"{self.source}: {arr.label} stage {i} is not an object literal"
                    )
        shares = {i: self.shares(arrays, i) for i in edits.replace}
        splices = []
        for arr in arrays:
            elements = js.members(arr.node)
            items: list[tuple[int, bytes]] = []
            for i, element in enumerate(elements):
                if i in edits.remove:
                    continue
                if i not in edits.replace:
                    items.append((i, self.src[element.start_byte : element.end_byte]))
                    continue
                share = shares[i].get(arr.node.start_byte, 1.0)
                scale = 1.0 if arr.unit_s is None else share * arr.unit_s
                for stage in edits.replace[i].new_stages:
                    items.append(
                        (i, self.stage_text(element, stage, stage.target * scale, arr.label, i))
                    )
            out = b""
            for k, (i, body) in enumerate(items):
                if k:
                    prev = items[k - 1][0]
                    if prev == i:
                        out += self._typical_sep(elements, i)
                    else:
                        out += self.src[elements[prev].end_byte : elements[prev + 1].start_byte]
                out += body
            end = elements[-1].end_byte
            if len(elements) - 1 in edits.remove and items:
                out, end = self._drop_last(arr.node, elements, items[-1][0], out, end)
            splices.append(Splice(elements[0].start_byte, end, out))
        return splices

    def _drop_last(
        self, array: ts.Node, elements: list[ts.Node], kept: int, out: bytes, end: int
    ) -> tuple[bytes, int]:
        """The last stage removed from a one-per-line array with a trailing comma: the last
        kept stage keeps its own comma and comment, the removed one's line goes entirely."""
        last = elements[-1]
        comma = next(
            (c for c in array.children if c.type == "," and c.start_byte >= last.end_byte), None
        )
        if comma is None or not js.starts_line(self.src, last.start_byte):
            return out, end
        line_end = self.src.find(b"\n", comma.end_byte)
        rest = self.src[comma.end_byte : line_end].strip() if line_end >= 0 else b"?"
        if rest and not rest.startswith(b"//"):
            return out, end
        own = self.src[elements[kept].end_byte : elements[kept + 1].start_byte].rstrip()
        return out + own, line_end

    def _typical_sep(self, elements: list[ts.Node], i: int) -> bytes:
        """Between two stages replacing one: `,` + the line break and indent of the array."""
        if js.starts_line(self.src, elements[i].start_byte):
            return b",\n" + js.line_indent(self.src, elements[i].start_byte)
        return self.sep(elements)


def check_script(text: str, source: str = "script") -> None:
    """PatchError unless `text` parses and exports an options object literal heal can edit."""
    _Script(text.encode("utf-8"), source)


def apply_k6_edits(text: str, edits: Sequence[AnyEdit], source: str = "script") -> str:
    """`text` (a k6 script) with `edits` applied to its options; PatchError if one cannot apply
    or the result does not parse. Bytes outside the changed values are kept."""
    if not edits:
        return text
    src = text.encode("utf-8")
    script = _Script(src, source)
    sorted_ = sort_edits(edits)
    splices = script.threshold_splices(sorted_.thresholds) + script.stage_splices(sorted_)
    splices.sort(key=lambda s: (s.start, s.end))
    for a, b in itertools.pairwise(splices):
        if a.end > b.start:
            raise PatchError(
                f"{source}: two edits change the same part of options; apply them one at a time"
            )
    out = src
    for s in reversed(splices):
        out = out[: s.start] + s.text + out[s.end :]
    js.check_parses(out, f"{source} after the edits (nothing written)")
    _Script(out, source)  # the options object is still there and still an object
    return out.decode("utf-8")
