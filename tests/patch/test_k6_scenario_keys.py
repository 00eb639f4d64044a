"""heal on a script `loadtui export k6` wrote: a plan threshold tagged with a plan scenario name
(`{scenario:casual browser}`) replaces the key the exporter wrote for it
(`{scenario:casual_browser}`, k6's names allow no space) instead of adding a second one."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from patch_scripts import NODE, node_check, small_plan, threshold

from loadtui.contracts import TestPlan
from loadtui.export.k6 import export_k6
from loadtui.patch.apply import apply_edits
from loadtui.patch.errors import PatchError

needs_node = pytest.mark.skipif(NODE is None, reason="node is needed (make sysdeps installs it)")

PLAN_KEY = "http_req_duration{scenario:casual browser}"
EXPORTED_KEY = "http_req_duration{scenario:casual_browser}"
THRESHOLDS_START = "  thresholds: {"


def spaced_plan() -> TestPlan:
    """small_plan with its first persona's scenario named with a space, and a threshold on it."""
    plan = small_plan()
    first = plan.scenarios[0].model_copy(update={"name": "casual browser"})
    return plan.model_copy(
        update={
            "scenarios": [first, *plan.scenarios[1:]],
            "thresholds": {**plan.thresholds, PLAN_KEY: ["p(95)<250"]},
        }
    )


def exported(tmp_path: Path) -> str:
    script = tmp_path / "load.js"
    export_k6(spaced_plan(), script)
    return script.read_text(encoding="utf-8")


def thresholds_region(old: str, new: str) -> tuple[str, str, int, int]:
    """The thresholds object literal of `old` and of `new`, and the bytes before and after it
    (the object is the same span of `old` and of `new` once the bytes around it match)."""
    start = old.index(THRESHOLDS_START) + len(THRESHOLDS_START) - 1
    end = old.index("\n  },", start) + len("\n  }")
    tail = len(old) - end
    return old[start:end], new[start : len(new) - tail], start, tail


def evaluated(obj: str) -> dict[str, list[object]]:
    """The object literal as node evaluates it (a second parser, JS's own semantics)."""
    assert NODE is not None
    done = subprocess.run(
        [NODE, "-e", f"process.stdout.write(JSON.stringify(({obj})))"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, list[object]] = json.loads(done.stdout)
    return out


def scenario_keys(obj: str) -> list[str]:
    """Every key in the object's text naming the casual browser persona, however spaced."""
    return re.findall(r"""["']?http_req_\w+\{\s*scenario\s*:\s*casual[ _]browser\s*\}["']?""", obj)


@needs_node
@pytest.mark.parametrize("metric", [PLAN_KEY, "http_req_service{scenario:casual browser}"])
def test_plan_scenario_key_replaces_the_exported_one(tmp_path: Path, metric: str) -> None:
    text = exported(tmp_path)
    old_obj, _, _, _ = thresholds_region(text, text)
    assert evaluated(old_obj)[EXPORTED_KEY] == ["p(95)<250"]  # what the exporter wrote

    out = apply_edits("k6", text, [threshold(metric, "p(95)<450")], "load.js")

    old_obj, new_obj, start, tail = thresholds_region(text, out)
    assert out[:start] == text[:start]  # every byte outside the thresholds object is kept
    assert out[len(out) - tail :] == text[len(text) - tail :]
    assert scenario_keys(new_obj) == [f'"{EXPORTED_KEY}"']  # one key: replaced, none added
    assert evaluated(new_obj) == {
        "http_req_duration": ["p(95)<300"],
        "http_req_failed": ["rate<0.01"],
        EXPORTED_KEY: ["p(95)<450"],
    }
    assert new_obj == old_obj.replace('"p(95)<250"', '"p(95)<450"')
    node_check(tmp_path, out)


@needs_node
def test_spaced_key_in_the_script_is_the_same_key(tmp_path: Path) -> None:
    text = exported(tmp_path).replace(
        f'"{EXPORTED_KEY}"', '"http_req_duration{ scenario : casual_browser }"'
    )
    out = apply_edits("k6", text, [threshold(PLAN_KEY, "p(95)<450")], "load.js")
    _, new_obj, _, _ = thresholds_region(text, out)
    assert scenario_keys(new_obj) == ['"http_req_duration{ scenario : casual_browser }"']
    assert evaluated(new_obj)["http_req_duration{ scenario : casual_browser }"] == ["p(95)<450"]
    node_check(tmp_path, out)


def test_new_key_is_named_as_the_exporter_names_it(tmp_path: Path) -> None:
    text = exported(tmp_path).replace(f'    "{EXPORTED_KEY}": ["p(95)<250"],\n', "")
    assert "casual_browser}" not in text.split("export const options", 1)[1]
    out = apply_edits("k6", text, [threshold(PLAN_KEY, "p(95)<450")], "load.js")
    assert f'    "{EXPORTED_KEY}": ["p(95)<450"],\n  }},' in out
    assert "casual browser}" not in out.split("export const options", 1)[1]


def test_hand_written_scenario_name_is_kept_when_the_script_uses_it() -> None:
    text = (
        "export const options = {\n"
        "  scenarios: { _warmup: { executor: 'constant-vus', vus: 1, duration: '10s' } },\n"
        "  thresholds: { http_req_failed: ['rate<0.01'] },\n"
        "};\n"
    )
    out = apply_edits("k6", text, [threshold("http_req_duration{scenario:_warmup}", "p(95)<500")])
    assert "'http_req_duration{scenario:_warmup}': ['p(95)<500']" in out


def test_two_plan_keys_for_one_k6_key_are_refused(tmp_path: Path) -> None:
    edits = [
        threshold(PLAN_KEY, "p(95)<450", id_="a"),
        threshold(EXPORTED_KEY, "p(95)<500", id_="b"),
    ]
    with pytest.raises(PatchError, match=re.escape(f"both change threshold {EXPORTED_KEY}")):
        apply_edits("k6", exported(tmp_path), edits, "load.js")


def test_options_built_by_a_call_are_refused_with_what_to_do() -> None:
    text = "const base = { vus: 1 };\nexport const options = Object.assign({}, base);\n"
    with pytest.raises(PatchError) as caught:
        apply_edits("k6", text, [threshold("http_req_duration", "p(95)<500")], "load.js")
    message = str(caught.value)
    assert "'Object.assign({}, base)'" in message
    assert "export const options = { ... }" in message
    assert "loadtui advise RUN" in message
