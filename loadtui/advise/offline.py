"""The offline advisor: statistical rules a performance engineer would sign, no network.

Deterministic (the same `AdviceInput` gives the same `SuggestionSet`, byte for byte) and
explained: every edit carries its reason, the numbers it rests on and a confidence whose recipe
is documented next to its rule (`threshold_rules.py`, `stage_rules.py`).

Order of judgement, so nothing is "healed" away:
1. a broken test (`broken.py`: refused connections, 4xx on routes the target lacks) is a
   finding, and no error threshold is loosened while it lasts;
2. a regression against the baseline (`analyze.regression`) is a finding and sets
   `regression`; no latency bound is loosened to let it pass;
3. only then thresholds from the baseline's run-to-run spread, and stage changes.
Without baseline runs the run itself is the basis (one run, low confidence, and a note asking
for `loadtui baseline`), unless it is broken or failed its own thresholds.
"""

from __future__ import annotations

from loadtui.advise.broken import find_broken_test
from loadtui.advise.stage_rules import ramp_changes, removals, spike_changes
from loadtui.advise.threshold_rules import (
    ERROR_KEY,
    LATENCY_KEY,
    Guards,
    error_change,
    latency_change,
)
from loadtui.contracts import AdviceInput, Evidence, Finding, RegressionReport, SuggestionSet

FEW_BASELINE_RUNS = 3


def advise(inp: AdviceInput) -> SuggestionSet:
    """Suggestions for the plan behind `inp.run`, judged against `inp.baseline`."""
    run = inp.run
    notes: list[str] = []
    broken = find_broken_test(run)
    findings: list[Finding] = list(broken.findings)
    report = inp.regression
    regressed = report is not None and report.verdict == "regression"
    latency_regressed = errors_regressed = False
    if report is not None and regressed:
        latency_regressed = _latency_regressed(report)
        errors_regressed = _errors_regressed(report)
        findings.append(_regression_finding(report))

    basis = [b for b in inp.baseline if b.requests > 0 and b.state == "complete"]
    if not basis:
        if broken.broken or regressed or any(not v.ok for v in run.thresholds):
            notes.append(
                "no baseline runs and this run is not a sound basis: no thresholds proposed; "
                "mark good runs with `loadtui baseline RUN...`"
            )
        elif run.requests > 0:
            basis = [run]
            notes.append(
                "no baseline runs: thresholds rest on this run alone (low confidence); mark "
                "3 or more good runs with `loadtui baseline RUN...` for a run-to-run spread"
            )
    elif len(basis) < FEW_BASELINE_RUNS:
        notes.append(
            f"{len(basis)} baseline run(s): too few for a run-to-run spread, minimum margin 15 %"
        )

    guards = Guards(
        latency_regressed=latency_regressed,
        errors_regressed=errors_regressed,
        test_fault_errors=broken.test_fault_errors,
    )
    new_thresholds = []
    if basis:
        lat = latency_change(inp.thresholds.get(LATENCY_KEY, []), basis, run, guards)
        if lat is not None:
            new_thresholds.append(lat)
        err, held = error_change(inp.thresholds.get(ERROR_KEY, []), basis, run, guards)
        if err is not None:
            new_thresholds.append(err)
        if held:
            notes.append(held)

    remove = removals(inp.stages, run, inp.baseline)
    dropped = {r.stage for r in remove}
    ramps, ramp_notes = ramp_changes(inp.stages, run, inp.baseline)
    findings += ramp_notes
    spikes = spike_changes(inp.stages, run, inp.baseline)
    taken: set[int] = set(dropped)
    adjustments = []
    for adj in [*ramps, *spikes]:
        if adj.stage not in taken:  # one edit per stage: the patch engine replaces it whole
            adjustments.append(adj)
            taken.add(adj.stage)
    adjustments.sort(key=lambda a: a.stage)

    out = SuggestionSet(
        regression=regressed,
        new_thresholds=new_thresholds,
        stage_adjustments=adjustments,
        remove=remove,
        findings=findings,
        source="offline",
        run_id=run.run_id,
        baseline_runs=[b.run_id for b in inp.baseline],
        notes=notes,
    )
    out.reason = _reason(out, inp, broken.broken)
    out.confidence = _set_confidence(out, inp)
    return out


def _latency_regressed(report: RegressionReport) -> bool:
    rows = [report.overall, *report.routes, *report.stages]
    return any(r.p95.verdict == "regression" for r in rows)


def _errors_regressed(report: RegressionReport) -> bool:
    rows = [report.overall, *report.routes, *report.stages]
    return any(r.errors.verdict == "regression" for r in rows)


def _regression_finding(report: RegressionReport) -> Finding:
    rows = [
        r for r in [report.overall, *report.routes, *report.stages] if r.verdict == "regression"
    ]
    parts = []
    evidence: list[Evidence] = []
    for r in rows[:6]:
        for m in (r.p95, r.errors):
            if m.verdict == "regression":
                parts.append(f"{r.name}: {m.reason}")
                if m.change is not None:
                    evidence.append(
                        Evidence(
                            name=f"{r.name} {m.metric} change",
                            value=round(m.change, 4),
                            unit="ratio",
                        )
                    )
    o = report.overall.p95
    if o.baseline.center is not None and o.candidate.center is not None:
        evidence += [
            Evidence(
                name="baseline p95 (median of runs)", value=round(o.baseline.center, 3), unit="ms"
            ),
            Evidence(name="this run's p95", value=round(o.candidate.center, 3), unit="ms"),
        ]
    return Finding(
        kind="regression",
        message=(
            f"the run regressed against {len(report.baseline_runs)} baseline run(s) ("
            + "; ".join(parts)
            + "): a real change, fix it or accept it on purpose; no bound was loosened to "
            "let it pass"
        ),
        routes=[r.name for r in rows if r.scope == "route"],
        evidence=evidence,
    )


def _reason(out: SuggestionSet, inp: AdviceInput, broken: bool) -> str:
    parts: list[str] = []
    if broken:
        parts.append("the test is broken (see findings): no error threshold loosened")
    if out.regression:
        parts.append("the run regressed against its baseline: no latency bound loosened")
    elif inp.regression is not None:
        parts.append(
            f"against {len(inp.baseline)} baseline run(s) the run is {inp.regression.verdict}"
        )
    n = len(out.edits())
    parts.append(f"{n} edit(s) proposed" if n else "no edits proposed")
    return "; ".join(parts)


def _set_confidence(out: SuggestionSet, inp: AdviceInput) -> float:
    """The edits' lowest confidence (the set is as sure as its weakest edit); with no edits,
    how sure the verdict is: 0.9 against ≥ 3 baseline runs, 0.6 against fewer, 0.4 without."""
    edits = out.edits()
    if edits:
        return min(e.confidence for e in edits)
    if inp.regression is None:
        return 0.4
    return 0.9 if len(inp.baseline) >= FEW_BASELINE_RUNS else 0.6
