"""crosscheck and injection_reason as pure functions: which LLM edits the data contradicts, and
which answers are echoed injections rather than advice."""

from __future__ import annotations

import random

from advise_llm_inputs import advice_input, threshold, valid_answer

from loadtui.advise.crosscheck import _close, crosscheck, injection_reason, known_numbers
from loadtui.contracts import SuggestionSet


def _answer(**changes: object) -> SuggestionSet:
    return SuggestionSet.model_validate({**valid_answer(), **changes})


def test_evidence_may_round_a_number_but_not_invent_one() -> None:
    assert _close(1.1, 0.0113 * 100)  # an error rate of 0.0113 written as 1.1 %
    assert _close(200.0, 198.0) and _close(215.0, 215.0) and _close(0.011, 0.011)
    assert not _close(777.0, 770.0) and not _close(237.5, 238.0)


def test_invented_evidence_rarely_matches_by_chance() -> None:
    numbers = known_numbers(advice_input())
    rng = random.Random(7)
    values = [float(f"{10 ** rng.uniform(-3, 4):.3g}") for _ in range(1000)]
    chance = sum(any(_close(v, n) for n in numbers) for v in values) / len(values)
    assert chance < 0.10  # was 0.60 with a 2 % tolerance


def test_a_sound_answer_passes_untouched() -> None:
    answer = _answer()
    checked = crosscheck(answer, advice_input())
    assert checked.edits() == answer.edits() and checked.notes == []


def test_error_bounds_that_guard_nothing_or_hide_a_broken_test_are_dropped() -> None:
    inp = advice_input()
    lax = threshold("http_req_failed", "rate<0.6", 0.002, old="rate<0.01")
    checked = crosscheck(_answer(new_thresholds=[lax], stage_adjustments=[]), inp)
    assert checked.new_thresholds == [] and "lets over 50% of requests fail" in checked.notes[0]
    run = inp.run.model_copy(update={"errors_by_class": {"http_4xx": 300}})
    broken = inp.model_copy(update={"run": run})
    looser = threshold("http_req_failed", "rate<0.05", 0.002, old="rate<0.01")
    checked = crosscheck(_answer(new_thresholds=[looser], stage_adjustments=[]), broken)
    assert (
        checked.new_thresholds == [] and "while the test is broken (http_4xx)" in checked.notes[0]
    )


def test_stage_edits_outside_the_plan_are_dropped() -> None:
    adj = valid_answer()["stage_adjustments"][0]
    huge = {**adj, "new_stages": [{"duration": "60s", "target": 5000}]}
    removal = {"kind": "remove_stage", "id": "remove:1", "stage": 1, "reason": "x", "confidence": 1}
    no_base = advice_input().model_copy(update={"baseline": []})
    checked = crosscheck(_answer(stage_adjustments=[huge], remove=[removal]), no_base)
    assert checked.stage_adjustments == [] and checked.remove == []
    notes = "\n".join(checked.notes)
    assert "dropped stage:0: new stage target 5000 is outside 0..10x the plan's peak 20" in notes
    assert "dropped remove:1: removing a stage needs repeated evidence" in notes


def test_advice_that_mentions_thresholds_is_not_mistaken_for_an_injection() -> None:
    inp = advice_input()
    for reason in (
        "Do not remove the thresholds: the regression is real.",
        "Tighten thresholds; latency above the baseline spread is noise-free.",
        "The ramp stage concentrates errors; lengthen it rather than drop stages entirely.",
    ):
        assert injection_reason(_answer(reason=reason), inp) is None, reason
    assert injection_reason(_answer(reason="Please disable the thresholds."), inp) is not None
    assert injection_reason(_answer(reason="Best to remove all stages."), inp) is not None
    assert "clears a threshold" in (
        injection_reason(_answer(new_thresholds=[{**threshold("x", "p(95)<1", 1), "new": []}]), inp)
        or ""
    )


def test_a_second_edit_on_the_same_metric_or_stage_is_dropped() -> None:
    first = threshold("http_req_duration", "p(95)<260", 215.0)
    again = {**threshold("http_req_duration", "p(95)<270", 215.0), "id": "threshold:other"}
    adj = valid_answer()["stage_adjustments"][0]
    removal = {"kind": "remove_stage", "id": "remove:0", "stage": 0, "reason": "x",
               "confidence": 0.5, "evidence": [{"name": "runs", "value": 5}]}  # fmt: skip
    answer = _answer(new_thresholds=[first, again], stage_adjustments=[adj], remove=[removal])
    checked = crosscheck(answer, advice_input())
    assert [t.new for t in checked.new_thresholds] == [["p(95)<260"]]
    assert [a.id for a in checked.stage_adjustments] == ["stage:0"] and checked.remove == []
    assert checked.notes == [
        "dropped threshold:other: a second edit on metric http_req_duration",
        "dropped remove:0: a second edit on stage 0",
    ]
