"""The patch engine on plan files: comments, key order and abortOnFail objects survive, any subset
of edits applies by the original stage indexes, and a result that would not load is refused."""

from __future__ import annotations

import re
from itertools import combinations

import pytest
from patch_scripts import adjust, remove, small_plan, threshold

from loadtui.contracts import Stage, StageAdjustment
from loadtui.patch.apply import apply_edits
from loadtui.patch.errors import PatchError
from loadtui.plan.yaml_io import dumps_plan, loads_plan

USER_PLAN = """\
# my shop plan, edited by hand
name: shop   # the team calls it that
type: load
target: http://127.0.0.1:8080
stages:
  - duration: 10s   # warm-up
    target: 5
  - {duration: 5s, target: 50}  # the spike
  # the long hold
  - duration: 1m
    target: 50
  - duration: 10s
    target: 0
# pass/fail
thresholds:
  http_req_duration:
    - p(95)<400   # agreed with product
  http_req_failed:
    - rate<0.01
    - threshold: rate<0.25
      abortOnFail: true
      delayAbortEval: 30s
# limits after thresholds
limits:
  request_timeout_s: 5.0
"""


def _edits() -> list:
    return [
        threshold("http_req_duration", "p(95)<450", "p(99)<900"),
        threshold("http_req_failed", "rate<0.02", "rate<0.25 abortOnFail=30s"),
        threshold("http_req_duration{scenario:browser}", "p(95)<600"),
        adjust(1, ("20s", 50)),
        remove(3),
    ]


def test_all_edits_keep_comments_order_and_the_object_form() -> None:
    out = apply_edits("plan", USER_PLAN, _edits())
    plan = loads_plan(out)
    assert [(s.duration, s.target) for s in plan.stages] == [("10s", 5), ("20s", 50), ("1m", 50)]
    assert plan.thresholds == {
        "http_req_duration": ["p(95)<450", "p(99)<900"],
        "http_req_failed": ["rate<0.02", "rate<0.25 abortOnFail=30s"],
        "http_req_duration{scenario:browser}": ["p(95)<600"],
    }
    for comment in (
        "# my shop plan, edited by hand",
        "# the team calls it that",
        "# warm-up",
        "# the long hold",
        "# pass/fail",
        "# limits after thresholds",
    ):
        assert comment in out
    assert "- {duration: 20s, target: 50}" in out  # a flow item stays a flow item
    assert "    - threshold: rate<0.25\n      abortOnFail: true\n      delayAbortEval: 30s\n" in out
    # the new key lands inside thresholds, the section comment stays before limits
    assert out.index("http_req_duration{scenario:browser}") < out.index("# limits after thresholds")
    assert out.index("# limits after thresholds") + len("# limits after thresholds\n") == out.index(
        "limits:"
    )
    keys = [line.split(":")[0] for line in out.splitlines() if re.match(r"^[a-z]", line)]
    assert keys == ["name", "type", "target", "stages", "thresholds", "limits"]


def test_removing_the_last_stage_keeps_the_next_sections_comment() -> None:
    out = apply_edits("plan", USER_PLAN, [remove(3)])
    assert "# pass/fail\nthresholds:" in out
    assert len(loads_plan(out).stages) == 3


def test_every_subset_applies_by_original_index() -> None:
    edits = _edits()
    for size in range(len(edits) + 1):
        for subset in combinations(edits, size):
            out = apply_edits("plan", USER_PLAN, list(subset))
            plan = loads_plan(out)
            expected = [("10s", 5.0), ("5s", 50.0), ("1m", 50.0), ("10s", 0.0)]
            if any(isinstance(e, StageAdjustment) for e in subset):
                expected[1] = ("20s", 50.0)
            if any(e.id == "remove:3" for e in subset):
                expected.pop(3)
            assert [(s.duration, s.target) for s in plan.stages] == expected
            assert apply_edits("plan", USER_PLAN, list(reversed(subset))) == out


def test_a_generated_plan_round_trips_and_names_survive() -> None:
    text = dumps_plan(small_plan())
    edit = StageAdjustment(
        id="stage:0",
        type="spike_to_steps",
        stage=0,
        change="two steps",
        new_stages=[
            Stage(duration="5s", target=20, name="step 1"),
            Stage(duration="5s", target=40),
        ],
        reason="test",
        confidence=0.9,
    )
    plan = loads_plan(apply_edits("plan", text, [edit]))
    assert [(s.name, s.target) for s in plan.stages] == [
        ("step 1", 20),
        (None, 40),
        ("hold", 40),
        ("down", 0),
    ]
    assert apply_edits("plan", text, []) == text


@pytest.mark.parametrize(
    ("text", "edits", "message"),
    [
        (USER_PLAN, [threshold("http_req_failed", "p(95)<5")], "has no p(95)"),
        (USER_PLAN, [threshold("http_req_duration", "p95 < 5")], "p95 < 5"),
        (USER_PLAN, [adjust(4, ("5s", 1))], "has 4 stages, there is no stage 4"),
        (USER_PLAN, [remove(0), remove(1), remove(2), remove(3)], "leaves nothing to run"),
        (USER_PLAN.replace("type: load", "type: [load"), [remove(0)], "not valid YAML"),
        (USER_PLAN.replace("target: 5\n", "target: -5\n", 1), [remove(3)], "would not load"),
        ("- a\n- b\n", [remove(0)], "does not hold a plan"),
    ],
)
def test_refuses_what_would_not_load(text: str, edits: list, message: str) -> None:
    with pytest.raises(PatchError, match=re.escape(message)):
        apply_edits("plan", text, edits)
