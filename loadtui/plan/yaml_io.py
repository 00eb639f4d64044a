"""Plans on disk: YAML written and read round-trip, so a user's comments and edits survive.

`save_plan` merges into an existing plan file rather than replacing it: keys, list items and
their comments stay where the user put them, only values change. New files get a header and a
comment on each section. Everything that came from a log (routes, parameter values, query
strings) goes through ruamel's emitter, which quotes whatever YAML would misread (`: `, `#`,
quotes, newlines, `{{`, `!!tags`); loading uses the round-trip loader, which never builds Python
objects from tags.

In the file, thresholds that abort are written in k6's object form
(`{threshold: "rate<0.25", abortOnFail: true, delayAbortEval: "30s"}`); in a `TestPlan` they
are strings (`rate<0.25 abortOnFail=30s`).
"""

from __future__ import annotations

import contextlib
import difflib
import io
import os
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from loadtui.contracts import Step, TestPlan
from loadtui.errors import UserError
from loadtui.plan.stages import parse_duration
from loadtui.plan.thresholds import parse_threshold, validate_thresholds

HEADER = """\
loadtui test plan ({type}, {workload} model) — generated {when}{source}.
Edit freely: `loadtui plan -o` on this file keeps your comments.
Run it:  loadtui run {file} --target http://127.0.0.1:8080
Body templates: {{name}} is replaced (JSON-escaped) by a value drawn from the step's params.
"""
SECTION_COMMENTS = {
    "workload": "open: sessions arrive at the stage targets (sessions/s), whatever the target "
    "does;\nclosed: stage targets are VUs looping sessions. mean_requests_per_session converts "
    "req/s to sessions/s.",
    "scenarios": "One scenario per persona: weight = share of sessions; steps walk the "
    "Markov chain\n(entry → matrix → exit; each matrix row + its exit sums to 1).",
    "stages": "k6 stages: each ramps linearly from the previous target to its own over its "
    "duration.",
    "thresholds": "k6 syntax. A failing threshold makes `loadtui run` exit 99; abortOnFail "
    "stops the run.",
    "limits": "Safety limits for the load generator.",
}
_STEP_DEFAULTS = Step(route="/").model_dump(mode="json")
# What gives a k6 script away, whatever the file is called: its imports and its entry point.
K6_SCRIPT = re.compile(r"""from\s+["']k6(/[\w-]+)?["']|^\s*export\s+default\s+function""", re.M)
SCRIPT_SUFFIXES = (".js", ".mjs", ".cjs", ".ts")


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.width = 4096  # flow lists of parameter values stay on one line each
    y.indent(mapping=2, sequence=4, offset=2)
    y.preserve_quotes = True
    return y


def round_trip_yaml() -> YAML:
    """The loader and dumper plan files are written with (for edits that keep comments)."""
    return _yaml()


# -- TestPlan → data ----------------------------------------------------------------------------


def plan_data(plan: TestPlan) -> dict[str, Any]:
    """The plan as plain data for YAML: steps without default fields, k6 threshold objects."""
    data = plan.model_dump(mode="json")
    for sc in data["scenarios"]:
        sc["steps"] = [
            {k: v for k, v in step.items() if k in ("method", "route") or v != _STEP_DEFAULTS[k]}
            for step in sc["steps"]
        ]
    data["thresholds"] = {
        key: [parse_threshold(e).to_k6() for e in exprs] for key, exprs in plan.thresholds.items()
    }
    return data


def _is_number_list(value: Sequence[Any]) -> bool:
    return all(isinstance(x, int | float) and not isinstance(x, bool) for x in value)


def _commented(value: Any, key: str | None = None) -> Any:
    """Plain data → ruamel containers; short lists and numeric rows in flow style."""
    if isinstance(value, Mapping):
        cm = CommentedMap()
        for k, v in value.items():
            cm[k] = _commented(v, str(k))
        return cm
    if isinstance(value, list):
        seq = CommentedSeq(_commented(v) for v in value)
        flat = all(not isinstance(v, Mapping | list) for v in value)
        if flat and (_is_number_list(value) or key in ("query",) or key is None):
            seq.fa.set_flow_style()
        return seq
    return value


def _params_flow(doc: CommentedMap) -> None:
    """Parameter value lists in flow style: one line per placeholder, however many values."""
    for sc in doc.get("scenarios") or []:
        for step in sc.get("steps") or []:
            for values in (step.get("params") or {}).values():
                if isinstance(values, CommentedSeq):
                    values.fa.set_flow_style()


def to_document(plan: TestPlan, *, file_name: str = "plan.yaml") -> CommentedMap:
    doc: CommentedMap = _commented(plan_data(plan))
    _params_flow(doc)
    source = f" from {plan.source_model}" if plan.source_model else ""
    doc.yaml_set_start_comment(
        HEADER.format(
            type=plan.type,
            workload=plan.workload.model,
            when=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            source=source,
            file=file_name,
        )
    )
    for key, text in SECTION_COMMENTS.items():
        if key in doc:
            doc.yaml_set_comment_before_after_key(key, before=text)
    return doc


# -- merging into an existing document ------------------------------------------------------------


def _merge(old: CommentedMap, new: Mapping[str, Any]) -> None:
    """Update `old` in place to equal `new`, keeping the comments of what stays."""
    for key in [k for k in old if k not in new]:
        del old[key]
    for key, value in new.items():
        if key in old:
            old[key] = _merged(old[key], value)
        else:
            old[key] = value


def _merged(old: Any, new: Any) -> Any:
    if isinstance(old, CommentedMap) and isinstance(new, Mapping):
        _merge(old, new)
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        for i, value in enumerate(new[: len(old)]):
            old[i] = _merged(old[i], value)
        del old[len(new) :]
        old.extend(new[len(old) :])
        return old
    if type(old) is type(new) and old == new:
        return old  # keep the user's scalar (and its quoting style) when the value is the same
    return new


# -- save / load ----------------------------------------------------------------------------------


def dumps_plan(plan: TestPlan, *, base: str | None = None, file_name: str = "plan.yaml") -> str:
    """YAML text for `plan`; with `base` (an existing plan's text) the result keeps its comments."""
    y = _yaml()
    doc: Any = None
    if base is not None:
        with contextlib.suppress(YAMLError):
            doc = y.load(base)
    fresh = to_document(plan, file_name=file_name)
    if isinstance(doc, CommentedMap):
        _merge(doc, fresh)
    else:
        doc = fresh
    out = io.StringIO()
    y.dump(doc, out)
    return out.getvalue()


def save_plan(plan: TestPlan, path: str | Path) -> None:
    """Write atomically (temp file + rename); an existing plan file keeps its comments."""
    target = Path(path)
    base = None
    if target.is_file():
        with contextlib.suppress(OSError, UnicodeDecodeError):
            base = target.read_text(encoding="utf-8")
    text = dumps_plan(plan, base=base, file_name=target.name)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise UserError(f"cannot write the plan to {target}: {exc.strerror or exc}") from exc


def _where(loc: Sequence[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside a field's type (`list[Step]`, `Limits | None`), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _keys_at(loc: Sequence[int | str]) -> list[str]:
    """The keys a plan accepts in the mapping at `loc` (list indexes step into the items)."""
    model: type[BaseModel] | None = TestPlan
    for part in loc:
        if model is None:
            return []
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field is not None else None
    return list(model.model_fields) if model is not None else []


def _unknown_key(error: ErrorDetails, source: str) -> str:
    """`plan.yaml: unknown key 'stagess' in the plan; did you mean 'stages'?` — pydantic's own
    words ("Extra inputs are not permitted") name neither the fix nor the keys that exist."""
    *parent, key = error["loc"]
    known = _keys_at(parent)
    where = _where(parent) or "the plan"
    text = f"{source}: unknown key {str(key)!r} in {where}"
    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    if close:
        return f"{text}; did you mean {close[0]!r}?"
    return f"{text}; the keys there are {', '.join(known)}" if known else text


def _not_a_plan(data: Any, text: str, source: str) -> str | None:
    """What the file is instead, when it is something else loadtui or k6 users hold: a traffic
    model (from `loadtui profile`) or a k6 script. None when it just is a broken plan."""
    if isinstance(data, Mapping) and "personas" in data and "scenarios" not in data:
        return (
            f"{source} is a traffic model, not a plan: run "
            f"`loadtui plan {source} -o plan.yaml` first, then `loadtui run plan.yaml`"
        )
    script = K6_SCRIPT.search(text) or Path(source).suffix.lower() in SCRIPT_SUFFIXES
    if script and not isinstance(data, Mapping):  # a script never reads as a YAML mapping
        return (
            f"{source} is a k6 script, not a loadtui plan: run it with `k6 run {source}`, or "
            "make a plan from access logs with `loadtui profile` then `loadtui plan`"
        )
    return None


def _check_shapes(plan: TestPlan) -> None:
    """What pydantic cannot see: Markov shapes and sums, durations. ValueError names the field."""
    for i, sc in enumerate(plan.scenarios):
        where = f"scenarios[{i}] ({sc.name})"
        n = len(sc.steps)
        if sc.entry and len(sc.entry) != n:
            raise ValueError(f"{where}.entry has {len(sc.entry)} values for {n} steps")
        if sc.matrix and (len(sc.matrix) != n or any(len(r) != n for r in sc.matrix)):
            raise ValueError(f"{where}.matrix must be {n}×{n} (one row and column per step)")
        if sc.exit and len(sc.exit) != n:
            raise ValueError(f"{where}.exit has {len(sc.exit)} values for {n} steps")
        if sc.matrix and sc.exit:
            for r, row in enumerate(sc.matrix):
                total = sum(row) + sc.exit[r]
                if abs(total - 1.0) > 1e-3:
                    raise ValueError(
                        f"{where}.matrix[{r}] plus exit[{r}] sums to {total:.4g}, not 1"
                    )
        if sc.weight < 0:
            raise ValueError(f"{where}.weight must be ≥ 0")
    for i, stage in enumerate(plan.stages):
        try:
            parse_duration(stage.duration)
        except ValueError as exc:
            raise ValueError(f"stages[{i}].duration: {exc}") from exc
        if stage.target < 0:
            raise ValueError(f"stages[{i}].target must be ≥ 0")


def loads_plan(text: str, source: str = "plan") -> TestPlan:
    """Parse plan YAML text; UserError naming the line or the field on any problem."""
    try:
        data = _yaml().load(text)
    except YAMLError as exc:
        instead = _not_a_plan(None, text, source)
        if instead:
            raise UserError(instead) from exc
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{source}{line}: not valid YAML: {problem}") from exc
    instead = _not_a_plan(data, text, source)
    if instead:
        raise UserError(instead)
    if not isinstance(data, Mapping):
        raise UserError(f"{source} does not hold a plan (expected a mapping at the top)")
    data = dict(data)
    thresholds = data.get("thresholds")
    try:
        if thresholds is not None:
            if not isinstance(thresholds, Mapping):
                raise ValueError("thresholds must map metric names to lists of expressions")
            data["thresholds"] = validate_thresholds(thresholds)
    except ValueError as exc:
        raise UserError(f"{source}: {exc}") from exc
    try:
        plan = TestPlan.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        # a misspelt key also leaves its field missing: name the misspelling, it is the cause
        unknown = [e for e in errors if e["type"] == "extra_forbidden"]
        if unknown:
            raise UserError(_unknown_key(unknown[0], source)) from exc
        first = errors[0]
        raise UserError(f"{source}: {_where(first['loc'])}: {first['msg']}") from exc
    try:
        _check_shapes(plan)
    except ValueError as exc:
        raise UserError(f"{source}: {exc}") from exc
    return plan


def load_plan(path: str | Path) -> TestPlan:
    """Read a plan file written by `save_plan` (or by hand)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UserError(
            f"plan file {p} not found; create one with `loadtui plan MODEL -o`"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the plan {p}: {exc}") from exc
    return loads_plan(text, str(p))
