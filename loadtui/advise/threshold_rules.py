"""Threshold edits: `http_req_duration` p(95)/p(99) and `http_req_failed` rate from the baseline.

Each baseline run gives one value per statistic: the larger of its whole-run value (what the
engine and k6 judge the threshold on, start-up included) and its steady windows' merged value
(what the system does once warm), so the bound holds for both readings. `bounds.py` turns the
run values into a bound.

What the rules refuse:
- loosening a latency bound when the run regressed against the baseline (the edit would hide
  the regression the run just found);
- loosening the error-rate bound while the test is broken (its errors are the test's fault) or
  the run's errors regressed; a missing error threshold is then not added either, the finding
  says what to fix.

Confidence (0..1), the same recipe for every threshold edit:
    0.30 + 0.13 × min(runs, 5)            5 baseline runs → 0.95, 3 → 0.69, 1 → 0.43
    × 0.7 when a latency bound is ≥ 1.2 × the median (too noisy to catch a 20 % regression)
    × 0.8 when the advised run itself breaks the new bound with no regression verdict
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from loadtui.advise.bounds import (
    K_SPREAD,
    OUTLIER_FACTOR,
    UPPER_QUANTILE,
    Bound,
    error_rate_bound,
    latency_bound,
    outliers,
)
from loadtui.contracts import Evidence, RunStats, ThresholdChange
from loadtui.plan.thresholds import Threshold, parse_threshold

LATENCY_KEY = "http_req_duration"
ERROR_KEY = "http_req_failed"
PERCENTILES = (95.0, 99.0)
CATCH_REGRESSION = 1.2  # a bound must fail a run 20 % slower than the baseline median
UPPER_QUANTILE_PCT = round(UPPER_QUANTILE * 100)


@dataclass(frozen=True)
class Guards:
    """What the rest of the advice says about loosening."""

    latency_regressed: bool = False
    errors_regressed: bool = False
    test_fault_errors: int = 0


def confidence(
    bound: Bound, current: float | None, regressed: bool, *, relative: bool = True
) -> float:
    """The recipe in the module docstring; `relative` False for error rates, where a bound
    of 1 % over a median of 0 is not "too noisy" (the 20 % rule is for latencies)."""
    c = 0.30 + 0.13 * min(bound.runs, 5)
    if relative and bound.value >= CATCH_REGRESSION * bound.median:
        c *= 0.7
    if current is not None and current >= bound.value and not regressed:
        c *= 0.8
    return round(min(c, 1.0), 2)


def run_value(run: RunStats, pct: float) -> float | None:
    """A run's value of p(pct) for a threshold: max(whole run, steady windows)."""
    whole, steady = (
        (run.p95_ms, run.steady_p95_ms) if pct == 95.0 else (run.p99_ms, run.steady_p99_ms)
    )
    values = [v for v in (whole, steady) if v is not None and v > 0]
    return max(values) if values else None


def _parsed(exprs: Sequence[str]) -> list[Threshold | None]:
    out: list[Threshold | None] = []
    for e in exprs:
        try:
            out.append(parse_threshold(e))
        except ValueError:
            out.append(None)  # an expression we cannot read stays as it is
    return out


def _with_value(th: Threshold, value: float) -> str:
    return Threshold(
        aggregation=th.aggregation,
        op=th.op,
        value=value,
        percentile=th.percentile,
        abort_on_fail=th.abort_on_fail,
        delay_abort_eval_s=th.delay_abort_eval_s,
    ).to_plan_string()


def _is_upper(th: Threshold | None) -> bool:
    return th is not None and th.op in ("<", "<=")


def latency_change(
    old: Sequence[str], basis: Sequence[RunStats], run: RunStats, guards: Guards
) -> ThresholdChange | None:
    """New p(95)/p(99) bounds on http_req_duration, or None when nothing should change."""
    parsed = _parsed(old)
    new = list(old)
    evidence: list[Evidence] = []
    reasons: list[str] = []
    confidences: list[float] = []
    for pct in PERCENTILES:
        pairs = [(r.run_id, v) for r, v in ((r, run_value(r, pct)) for r in basis) if v is not None]
        if not pairs:
            continue
        stat = f"p({pct:g})"
        left_out = outliers([v for _id, v in pairs])
        if left_out:
            reasons.append(
                f"{stat}: left out baseline run(s) "
                + ", ".join(f"{pairs[i][0]} ({pairs[i][1]:.1f} ms)" for i in left_out)
                + f", over {OUTLIER_FACTOR:g}× the median of the others (a busy neighbour, "
                "not the system's spread)"
            )
            evidence.append(
                Evidence(name=f"baseline runs left out of {stat}", value=len(left_out), unit="runs")
            )
        bound = latency_bound([v for i, (_id, v) in enumerate(pairs) if i not in left_out])
        idx = next(
            (
                i
                for i, th in enumerate(parsed)
                if th is not None and _is_upper(th) and th.stat == stat
            ),
            None,
        )
        current = run_value(run, pct)
        if idx is None:
            if pct == 99.0 and old and not any(p and p.stat == "p(99)" for p in parsed):
                continue  # a plan that chose not to bound p99 keeps that choice
            new.append(f"{stat}<{bound.value:g}")
        else:
            th = parsed[idx]
            assert th is not None
            if bound.value == th.value:
                continue
            if bound.value > th.value and guards.latency_regressed:
                reasons.append(
                    f"{stat} stays at {th.value:g} ms: the run regressed, a looser bound "
                    "would hide it"
                )
                continue
            new[idx] = _with_value(th, bound.value)
        confidences.append(confidence(bound, current, guards.latency_regressed))
        evidence += _evidence(stat, bound, current, "ms")
        reasons.append(
            f"{stat}<{bound.value:g}: the {UPPER_QUANTILE_PCT} % quantile of {bound.runs} "
            f"run(s) ({bound.upper:.1f} ms) plus {bound.margin:.1f} ms "
            f"(max of {K_SPREAD:g} × sd {bound.spread:.1f} ms and a minimum margin), rounded up"
        )
    if new == list(old):
        return None
    return ThresholdChange(
        id=f"threshold:{LATENCY_KEY}",
        metric=LATENCY_KEY,
        old=list(old),
        new=new,
        reason="; ".join(reasons),
        evidence=evidence,
        confidence=min(confidences) if confidences else 0.5,
    )


def error_change(
    old: Sequence[str], basis: Sequence[RunStats], run: RunStats, guards: Guards
) -> tuple[ThresholdChange | None, str | None]:
    """A new http_req_failed rate bound, or None and (maybe) why it was held back."""
    if not basis:
        return None, None
    bound = error_rate_bound([r.error_rate for r in basis])
    parsed = _parsed(old)
    # the main bound: the tightest upper rate bound without abortOnFail (an abort at 25 % is
    # the run's emergency stop, not its pass mark)
    mains = [
        (i, th)
        for i, th in enumerate(parsed)
        if th is not None and _is_upper(th) and th.stat == "rate" and not th.abort_on_fail
    ]
    idx, th = min(mains, key=lambda it: it[1].value) if mains else (None, None)
    blocked = guards.test_fault_errors > 0 or guards.errors_regressed
    why = (
        "the test is broken (its errors are its own fault)"
        if guards.test_fault_errors
        else "the run's errors regressed"
    )
    if th is None:
        if blocked:
            return None, f"no {ERROR_KEY} bound added: {why}"
        new = [*old, f"rate<{bound.value:g}"]
    else:
        if bound.value == th.value:
            return None, None
        if bound.value > th.value and blocked:
            return None, f"{ERROR_KEY} stays at rate<{th.value:g}: {why}"
        new = list(old)
        assert idx is not None
        new[idx] = _with_value(th, bound.value)
    reason = (
        f"rate<{bound.value:g}: the {UPPER_QUANTILE_PCT} % quantile of {bound.runs} run(s)' "
        f"error rates ({bound.upper:.4f}) plus {bound.margin:.4f}, rounded up to a bound people "
        "write (never below 1 %)"
    )
    return (
        ThresholdChange(
            id=f"threshold:{ERROR_KEY}",
            metric=ERROR_KEY,
            old=list(old),
            new=new,
            reason=reason,
            evidence=_evidence("error rate", bound, run.error_rate, "ratio"),
            confidence=confidence(bound, run.error_rate, guards.errors_regressed, relative=False),
        ),
        None,
    )


def _evidence(stat: str, bound: Bound, current: float | None, unit: str) -> list[Evidence]:
    out = [
        Evidence(name=f"baseline runs behind the {stat} bound", value=bound.runs, unit="runs"),
        Evidence(name=f"median of the runs' {stat}", value=round(bound.median, 4), unit=unit),
        Evidence(
            name=f"{UPPER_QUANTILE_PCT}th pct of the runs' {stat}",
            value=round(bound.upper, 4),
            unit=unit,
        ),
        Evidence(name=f"run-to-run sd of {stat}", value=round(bound.spread, 4), unit=unit),
        Evidence(name=f"proposed {stat} bound", value=bound.value, unit=unit),
    ]
    if current is not None:
        out.append(Evidence(name=f"this run's {stat}", value=round(current, 4), unit=unit))
    return out
