"""Every number an LLM answer rests on, checked against the data it was given.

A model can invent an evidence value, propose `p(95)<120` when the baseline's median p95 is
150 ms (it would fail on noise), `p(95)<90000` (it would hide anything), loosen a threshold on
a run that regressed or on a broken test, or edit stage 7 of a 3-stage plan. Such edits are
dropped one by one with the reason in `notes`; the rest of the answer stands. An answer that
carries instructions, tool-call text or asks to disable thresholds or remove every stage is
not advice but an injection echoed back: `injection_reason` names it and the caller rejects
the whole answer.
"""

from __future__ import annotations

import contextlib
import math
import re
import statistics
from collections.abc import Iterable, Sequence
from typing import Any

from loadtui.contracts import (
    AdviceInput,
    Evidence,
    StageAdjustment,
    StageRemoval,
    SuggestionSet,
    ThresholdChange,
)
from loadtui.durations import parse_duration
from loadtui.plan.thresholds import Threshold, parse_metric_key, parse_threshold

ABSURD_FACTOR = 10.0  # a latency bound 10x above anything observed guards nothing
MAX_ERROR_RATE = 0.5  # a failure-rate bound above 50 % guards nothing
MIN_SIG = 2  # evidence may round a number of the input to 2 significant digits, no coarser
LATENCY_METRICS = {
    "http_req_duration", "http_req_waiting", "http_req_service", "iteration_duration"
}  # fmt: skip
BROKEN_CLASSES = {"http_4xx", "refused", "dns"}

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_I = re.IGNORECASE
_INJECTION = [
    (
        re.compile(
            r"\b(ignore|disregard|forget)\b.{0,40}\b(instructions?|rules|prompt|previous|prior)\b",
            _I | re.S,
        ),
        "tells the reader to ignore instructions",
    ),
    (
        re.compile(r"system prompt|developer message|\byou are now\b|\bnew instructions?\b", _I),
        "talks about its instructions",
    ),
    (
        re.compile(
            r"<\|?/?(im_start|im_end|system|assistant|tool|endoftext)\|?>|</?tool_call>"
            r"|\btool_calls?\b|\bfunction_call\b",
            _I,
        ),
        "holds tool-call or chat-template text",
    ),
    (
        re.compile(r"\b(curl|wget|sudo|chmod|rm\s+-rf|os\.system|subprocess|eval\(|exec\()", _I),
        "holds shell or code commands",
    ),
    (
        re.compile(
            r"(?<!not )(?<!never )(?<!n't )(?<!rather than )\b(disable|turn off|switch off|delete"
            r"|drop|remove|skip|bypass)\s+(all\s+|the\s+|every\s+|any\s+)?(thresholds?|checks)\b",
            _I,
        ),
        "asks to disable thresholds",
    ),
    (
        re.compile(r"\b(remove|delete|drop|skip)\s+(all|every)\s+(of\s+the\s+)?stages?\b", _I),
        "asks to remove every stage",
    ),
]


def injection_reason(answer: SuggestionSet, inp: AdviceInput) -> str | None:
    """Why the answer looks like an echoed injection rather than advice, or None."""
    for text in _strings(answer.model_dump(mode="json")):
        for pattern, why in _INJECTION:
            m = pattern.search(text)
            if m:
                return f"the answer {why} ({m[0][:40]!r})"
    removed = {r.stage for r in answer.remove}
    if inp.stages and len(removed) >= len(inp.stages):
        return "the answer removes every stage"
    if any(not t.new for t in answer.new_thresholds):
        return "the answer clears a threshold key (no expressions)"
    return None


def crosscheck(answer: SuggestionSet, inp: AdviceInput) -> SuggestionSet:
    """`answer` without the edits the data contradicts, each dropped with a note."""
    numbers = known_numbers(inp)
    notes = list(answer.notes)
    seen: set[str] = set()  # ids and targets: a reviewer accepts edits by id, one per target
    thresholds: list[ThresholdChange] = []
    for change in answer.new_thresholds:
        why = (
            _duplicate(seen, change.id, f"metric {change.metric}")
            or _threshold_problem(change, inp)
            or _evidence_problem(change.evidence, numbers)
        )
        _keep(change, why, thresholds, notes)
    stages: list[StageAdjustment] = []
    for adj in answer.stage_adjustments:
        why = (
            _duplicate(seen, adj.id, f"stage {adj.stage}")
            or _stage_problem(adj, inp)
            or _evidence_problem(adj.evidence, numbers)
        )
        _keep(adj, why, stages, notes)
    removals: list[StageRemoval] = []
    for rem in answer.remove:
        why = (
            _duplicate(seen, rem.id, f"stage {rem.stage}")
            or _removal_problem(rem, inp)
            or _evidence_problem(rem.evidence, numbers)
        )
        _keep(rem, why, removals, notes)
    regression = answer.regression
    if inp.regression is not None and inp.regression.verdict == "regression" and not regression:
        regression = True
        notes.append(
            "the regression test found a regression; the answer's 'no regression' was overruled"
        )
    return answer.model_copy(
        update={
            "new_thresholds": thresholds,
            "stage_adjustments": stages,
            "remove": removals,
            "regression": regression,
            "notes": notes,
        }
    )


def _duplicate(seen: set[str], edit_id: str, target: str) -> str | None:
    """A second edit with the same id or on the same metric/stage (the first one stands)."""
    for key, what in ((f"id:{edit_id}", f"id {edit_id!r}"), (target, target)):
        if key in seen:
            return f"a second edit on {what}"
    seen.update((f"id:{edit_id}", target))
    return None


def _keep(edit: Any, why: str | None, kept: list[Any], notes: list[str]) -> None:
    if why is None:
        kept.append(edit)
    else:
        notes.append(f"dropped {edit.id}: {why}")


# --- thresholds --------------------------------------------------------------------------------


def _parse(change: ThresholdChange) -> list[Threshold] | str:
    try:
        parse_metric_key(change.metric)
        return [parse_threshold(expr) for expr in change.new]
    except ValueError as exc:
        return str(exc)


def _threshold_problem(change: ThresholdChange, inp: AdviceInput) -> str | None:
    parsed = _parse(change)
    if isinstance(parsed, str):
        return parsed
    name, tags = parse_metric_key(change.metric)
    broken = sorted(BROKEN_CLASSES & {k for k, v in inp.run.errors_by_class.items() if v > 0})
    looser = _looser(change, inp)
    if looser and inp.regression is not None and inp.regression.verdict == "regression":
        return "it loosens a threshold on a run that regressed: that would hide the regression"
    if looser and name == "http_req_failed" and broken:
        return f"it loosens the error threshold while the test is broken ({', '.join(broken)})"
    for t in parsed:
        if t.op not in ("<", "<="):
            continue
        if name in LATENCY_METRICS:
            why = _latency_bound_problem(t, inp, tagged=bool(tags))
        elif name == "http_req_failed" and t.aggregation == "rate":
            why = _rate_bound_problem(t, inp)
        else:
            why = None
        if why:
            return why
    return None


def _runs(inp: AdviceInput) -> list[Any]:
    return list(inp.baseline) or [inp.run]


def _latency_refs(t: Threshold, inp: AdviceInput) -> list[float]:
    pct = (
        t.percentile
        if t.aggregation == "p"
        else {"med": 50.0, "avg": 50.0, "max": 99.0}.get(t.aggregation)
    )
    if pct is None:
        return []
    field = "p99_ms" if pct >= 99 else "p95_ms" if pct >= 90 else "p50_ms" if pct >= 50 else None
    if field is None:
        return []
    return [v for run in _runs(inp) if (v := getattr(run, field)) is not None]


def _observed_max_ms(inp: AdviceInput) -> float:
    values = [
        v
        for run in [inp.run, *inp.baseline]
        for v in (run.p95_ms, run.p99_ms, *run.window_p95_ms, *(r.p95_ms for r in run.routes))
        if v is not None
    ]
    return max(values, default=0.0)


def _latency_bound_problem(t: Threshold, inp: AdviceInput, *, tagged: bool) -> str | None:
    top = _observed_max_ms(inp)
    if top > 0 and t.value > ABSURD_FACTOR * top:
        return (
            f"{t.expression} is over {ABSURD_FACTOR:g}x the highest latency seen "
            f"({top:g} ms): it guards nothing"
        )
    refs = [] if tagged else _latency_refs(t, inp)
    if refs:
        median = statistics.median(refs)
        where = "baseline's" if inp.baseline else "run's"
        if t.value < median:
            return (
                f"{t.expression} is below the {where} median {t.stat} of {median:g} ms: "
                "it would fail on noise"
            )
    return None


def _rate_bound_problem(t: Threshold, inp: AdviceInput) -> str | None:
    if t.value > MAX_ERROR_RATE:
        return f"{t.expression} lets over {MAX_ERROR_RATE:.0%} of requests fail: it guards nothing"
    rates = [run.error_rate for run in _runs(inp)]
    median = statistics.median(rates) if rates else 0.0
    if median > 0 and t.value < median:
        return f"{t.expression} is below the median error rate {median:g}: it would fail on noise"
    return None


def _looser(change: ThresholdChange, inp: AdviceInput) -> bool | None:
    """Whether any new upper bound is above the old one for the same statistic."""
    old = inp.thresholds.get(change.metric) or change.old
    try:
        before = {t.stat: t for t in map(parse_threshold, old) if t.op in ("<", "<=")}
        after = [t for t in map(parse_threshold, change.new) if t.op in ("<", "<=")]
    except ValueError:
        return None
    pairs = [(before[t.stat].value, t.value) for t in after if t.stat in before]
    if not pairs:
        return None
    return any(new > prev for prev, new in pairs)


# --- stages ------------------------------------------------------------------------------------


def _stage_problem(adj: StageAdjustment, inp: AdviceInput) -> str | None:
    if adj.stage >= len(inp.stages):
        return f"stage {adj.stage} does not exist (the plan has {len(inp.stages)} stages, 0-based)"
    peak = max((s.target for s in inp.stages), default=0.0)
    for s in adj.new_stages:
        try:
            parse_duration(s.duration)
        except ValueError as exc:
            return f"new stage duration {s.duration!r}: {exc}"
        if s.target < 0 or (peak > 0 and s.target > ABSURD_FACTOR * peak):
            return (
                f"new stage target {s.target:g} is outside 0..{ABSURD_FACTOR:g}x "
                f"the plan's peak {peak:g}"
            )
    return None


def _removal_problem(rem: StageRemoval, inp: AdviceInput) -> str | None:
    if rem.stage >= len(inp.stages):
        return f"stage {rem.stage} does not exist (the plan has {len(inp.stages)} stages, 0-based)"
    if not inp.baseline:
        return "removing a stage needs repeated evidence: there is no baseline run set"
    return None


# --- evidence ----------------------------------------------------------------------------------


def _evidence_problem(evidence: Sequence[Evidence], numbers: Sequence[float]) -> str | None:
    for ev in evidence:
        if not any(_close(ev.value, n) for n in numbers):
            return f"evidence {ev.name!r} = {ev.value:g} appears nowhere in the run's data"
    return None


def _significant(x: float) -> int:
    """Significant digits the answer wrote: 215 → 3, 0.011 → 2, 200 → 1 (then MIN_SIG)."""
    mantissa = f"{abs(x):.12g}".split("e")[0]
    integer, _, fraction = mantissa.partition(".")
    digits = (integer + fraction).lstrip("0") if fraction else integer.strip("0")
    return max(len(digits), MIN_SIG)


def _close(evidence: float, number: float) -> bool:
    """`evidence` is `number` as written at the evidence's own precision (a 2 % tolerance
    let 60 % of random values through on a 5-run input; rounding lets ~10 % through)."""
    if abs(evidence - number) <= 1e-9 * max(1.0, abs(number)):
        return True
    sig = _significant(evidence)
    return float(f"{number:.{sig}g}") == float(f"{evidence:.{sig}g}")


def known_numbers(inp: AdviceInput) -> list[float]:
    """Every number of the input, its summaries across runs and windows, and unit variants."""
    base: list[float] = []
    data = inp.model_dump(mode="json")
    _collect(data, base)
    for text in _strings(data):
        base.extend(float(m) for m in _NUMBER.findall(text))
        with contextlib.suppress(ValueError):
            base.append(parse_duration(text))
    runs = [inp.run, *inp.baseline]
    series: list[list[float]] = [list(r.window_p95_ms) for r in runs]
    for field in ("p50_ms", "p95_ms", "p99_ms", "error_rate", "rps", "requests", "duration_s"):
        series.append([v for r in inp.baseline if (v := getattr(r, field)) is not None])
        series.append([v for r in runs if (v := getattr(r, field)) is not None])
    for values in series:
        base.extend(_summaries(values))
    base.extend([float(len(inp.baseline)), float(len(runs)), float(len(inp.stages))])
    out: set[float] = set()
    for v in base:
        if math.isfinite(v):
            out.update((v, v * 100, v * 1000, v / 1000))  # ratio → %, s ↔ ms
    return sorted(out)


def _summaries(values: list[float]) -> Iterable[float]:
    if not values:
        return []
    ordered = sorted(values)
    out = [ordered[0], ordered[-1], statistics.fmean(ordered), statistics.median(ordered)]
    if len(ordered) >= 2:
        out.append(statistics.stdev(ordered))
        q = statistics.quantiles(ordered, n=20, method="inclusive")  # 5 % steps
        out.extend((q[17], q[18]))  # the 90th and 95th percentiles
    return out


def _collect(value: Any, out: list[float]) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        out.append(float(value))
    elif isinstance(value, list):
        for v in value:
            _collect(v, out)
    elif isinstance(value, dict):
        for v in value.values():
            _collect(v, out)


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                yield k
            yield from _strings(v)
