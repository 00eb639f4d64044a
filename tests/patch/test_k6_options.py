"""The patch engine on k6 scripts: the options of several styles edited in place, every byte
outside the changed values kept, the result accepted by node; edits that cannot apply refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from patch_scripts import (
    NODE,
    SEEDS,
    SPREAD,
    VARIABLES,
    adjust,
    node_check,
    parses,
    remove,
    same_outside,
    small_plan,
    threshold,
)

from loadtui.export.k6 import function_names, render_k6
from loadtui.export.k6_options import k6_scenario_names, k6_scenarios
from loadtui.patch.apply import apply_edits
from loadtui.patch.errors import PatchError

needs_node = pytest.mark.skipif(NODE is None, reason="node is needed (make sysdeps installs it)")


@needs_node
def test_seeds_example_ramp_over_20s_and_a_new_latency_bound(tmp_path: Path) -> None:
    edits = [adjust(0, ("20s", 2000)), threshold("http_req_duration", "p(95)<800")]
    out = apply_edits("k6", SEEDS, edits)
    expected = SEEDS.replace("{duration:'5s', target: 2000}", "{duration:'20s', target: 2000}")
    expected = expected.replace("['p(95)<500']", "['p(95)<800']")
    assert out == expected
    same_outside(SEEDS, out, "{duration:'5s'", "['p(95)<500']")
    node_check(tmp_path, out)


@needs_node
def test_spike_to_steps_keeps_the_element_layout(tmp_path: Path) -> None:
    out = apply_edits("k6", SEEDS, [adjust(0, ("10s", 1000), ("10s", 2000))])
    assert "[{duration:'10s', target: 1000}, {duration:'10s', target: 2000}, {duration:'1m'" in out
    same_outside(SEEDS, out, "{duration:'5s'", "target: 2000}")
    node_check(tmp_path, out)


@needs_node
def test_spread_options_with_comments_tags_and_object_form(tmp_path: Path) -> None:
    edits = [
        threshold("http_req_duration{scenario:browser}", "p(95)<700"),
        threshold("http_req_failed{status:500}", "rate<0.05 abortOnFail=10s", "rate<0.1"),
        threshold("checks", "rate>0.99"),
        adjust(0, ("1m", 50)),
        remove(2),
    ]
    out = apply_edits("k6", SPREAD, edits)
    expected = (
        SPREAD.replace(
            '{ duration: "30s", target: 50 }, // warm-up',
            '{ duration: "1m", target: 50 }, // warm-up',
        )
        .replace(
            '{ duration: "2m", target: 50 },\n    { duration: "30s", target: 0 },',
            '{ duration: "2m", target: 50 },',
        )
        .replace('[\n      "p(95)<600",\n    ]', '[\n      "p(95)<700",\n    ]')
        .replace(
            '{ threshold: "rate<0.05", abortOnFail: true, delayAbortEval: "10s" }]',
            '{ threshold: "rate<0.05", abortOnFail: true, delayAbortEval: "10s" }, "rate<0.1"]',
        )
        .replace(
            '[{ threshold: "rate<0.01", abortOnFail: true }],\n',
            '[{ threshold: "rate<0.01", abortOnFail: true }],\n    checks: ["rate>0.99"],\n',
        )
    )
    assert out == expected
    # the comments inside the options and the untouched threshold keys are still there
    for kept in (
        "// warm-up",
        "// the plateau",
        "/* ramp, hold, down */",
        "// latency SLO",
        'http_req_duration: ["p(95)<400", "p(99)<900"]',
        "// keep-alive",
    ):
        assert kept in out
    same_outside(SPREAD, out, '{ duration: "30s", target: 50 }', "abortOnFail: true }],")
    node_check(tmp_path, out)


@needs_node
def test_options_built_from_variables_follow_identifiers(tmp_path: Path) -> None:
    edits = [threshold("http_req_duration", "p(95)<450"), adjust(0, ("30s", 20)), remove(2)]
    out = apply_edits("k6", VARIABLES, edits)
    assert "const thresholds = {\n  http_req_duration: ['p(95)<450'],\n};" in out
    assert (
        "const rampStages = [\n  { duration: '30s', target: 20 },\n"
        "  { duration: '20s', target: 20 },\n];" in out
    )
    assert "const options = { thresholds, scenarios: { browse }, tags: { team: 'shop' } };" in out
    same_outside(VARIABLES, out, "['p(95)<300']", "{ duration: '5s', target: 0 },")
    node_check(tmp_path, out)


def test_a_new_key_on_one_line_and_a_missing_thresholds_block() -> None:
    out = apply_edits("k6", SEEDS, [threshold("http_req_failed", "rate<0.01")])
    assert "thresholds: {http_req_duration: ['p(95)<500'], http_req_failed: ['rate<0.01']}," in out
    bare = "export const options = {\n  vus: 10,\n  duration: '30s'\n};\n"
    out = apply_edits(
        "k6", bare, [threshold("http_req_duration{scenario:a b}", "p(99)<900 abortOnFail")]
    )
    assert out == (
        "export const options = {\n  vus: 10,\n  duration: '30s',\n  thresholds: {\n"
        "    'http_req_duration{scenario:a_b}': [{ threshold: 'p(99)<900', abortOnFail: true }],\n"
        "  }\n};\n"
    )
    assert parses(out)


def _stage_targets(text: str, scenario: str) -> list[int]:
    block = text.split(f"    {scenario}: {{", 1)[1].split("stages: [", 1)[1].split("]", 1)[0]
    return [int(t) for t in re.findall(r"target: (\d+)", block)]


@pytest.mark.parametrize("model", ["open", "closed"])
@needs_node
def test_our_own_export_scales_each_scenario_by_its_share(tmp_path: Path, model: str) -> None:
    plan = small_plan(model)
    script = render_k6(plan, "shop.json")
    names = k6_scenario_names(plan)
    scenarios = k6_scenarios(plan, function_names(plan))
    out = apply_edits(
        "k6",
        script,
        [adjust(0, ("25s", 80), ("15s", 100)), threshold("http_req_duration", "p(95)<350")],
    )
    for sc, share in (("browser", 0.75), ("buyer", 0.25)):
        unit_s = {"1s": 1, "1m": 60, "1h": 3600}[scenarios[names[sc]].get("timeUnit", "1s")]
        before = _stage_targets(script, names[sc])
        after = _stage_targets(out, names[sc])
        assert after == [round(80 * share * unit_s), round(100 * share * unit_s), *before[1:]]
    assert out.count('{ duration: "25s"') == 2 and out.count('{ duration: "15s"') == 2
    assert 'http_req_duration: ["p(95)<350"]' in out
    same_outside(script, out, '{ duration: "5s"', '["p(95)<300"]')
    node_check(tmp_path, out)


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        ([threshold("http_req_failed", "p(95)<500")], "has no p(95)"),
        ([threshold("http_req_duration", "p(95)<<500")], "p(95)<<500"),
        ([threshold("http_req_duration{oops", "p(95)<500")], "http_req_duration{oops"),
        ([adjust(5, ("10s", 1))], "has 3 stages, there is no stage 5"),
        ([adjust(0, ("5 parsecs", 1))], "5 parsecs"),
        ([remove(0), remove(1), remove(2)], "leaves nothing to run"),
        ([remove(1), adjust(1, ("10s", 5))], "both change stage 1"),
    ],
)
def test_edits_that_cannot_apply_are_refused(edits: list, message: str) -> None:
    with pytest.raises(PatchError, match=re.escape(message)):
        apply_edits("k6", SEEDS, edits)


@pytest.mark.parametrize(
    ("script", "message"),
    [
        (SEEDS.replace("thresholds: {", "thresholds: {{", 1), "does not parse"),
        (
            "import http from 'k6/http';\nexport default function () {}\n",
            "no `export const options",
        ),
        ("export const options = buildOptions();\n", "not an object literal"),
        ("export const options = { thresholds: { http_req_duration: make() } };\n", "computed"),
        ("export const options = { vus: 5, duration: '1m' };\n", "no stages"),
    ],
)
def test_scripts_it_cannot_edit_are_refused(script: str, message: str) -> None:
    edits = [threshold("http_req_duration", "p(95)<500")]
    if "vus: 5" in script:
        edits = [adjust(0, ("10s", 5))]
    with pytest.raises(PatchError, match=re.escape(message)):
        apply_edits("k6", script, edits)


def test_hostile_values_stay_inside_string_literals() -> None:
    tag = 'http_req_duration{url:x\'];require("child_process")//}'
    out = apply_edits("k6", SEEDS, [threshold(tag, "p(95)<500")])
    assert parses(out)
    assert "\\'];require" in out  # the quote is escaped inside the key's literal
    # a scenario tag is named as the exporter names k6 scenarios: nothing but [A-Za-z0-9_-]
    out = apply_edits("k6", SEEDS, [threshold(tag.replace("url:", "scenario:"), "p(95)<500")])
    assert "'http_req_duration{scenario:x_require_child_process}': ['p(95)<500']" in out


@needs_node
def test_multibyte_text_before_and_inside_the_options(tmp_path: Path) -> None:
    script = "// charge: café ☕ 🚀\n" + SEEDS.replace(
        "{duration:'1m'", "/* plateau – 1 min */ {duration:'1m'"
    )
    out = apply_edits("k6", script, [adjust(2, ("30s", 0)), threshold("checks", "rate>0.99")])
    assert out.startswith("// charge: café ☕ 🚀\n")
    assert (
        "/* plateau – 1 min */ {duration:'1m', target: 2000}, {duration:'30s', target: 0}]" in out
    )
    assert "checks: ['rate>0.99']" in out
    node_check(tmp_path, out)


def test_removing_the_last_stage_keeps_the_comment_of_the_one_before() -> None:
    script = (
        "export const options = {\n  stages: [\n    { duration: '1m', target: 5 }, // two\n"
        "    { duration: '5s', target: 0 }, // down\n  ],\n};\n"
    )
    out = apply_edits("k6", script, [remove(1)])
    assert out == (
        "export const options = {\n  stages: [\n    { duration: '1m', target: 5 }, // two\n"
        "  ],\n};\n"
    )


def test_engine_metric_names_become_k6_names() -> None:
    out = apply_edits("k6", SEEDS, [threshold("http_req_service{scenario:a}", "p(95)<250")])
    assert "'http_req_duration{scenario:a}': ['p(95)<250']" in out
    with pytest.raises(PatchError, match="k6 has no http_req_send_lag"):
        apply_edits("k6", SEEDS, [threshold("http_req_send_lag", "p(95)<5")])


def test_unchanged_values_are_not_touched() -> None:
    assert (
        apply_edits("k6", SPREAD, [threshold("http_req_duration", "p(95)<400", "p(99)<900")])
        == SPREAD
    )
    assert apply_edits("k6", SPREAD, []) == SPREAD
