"""Strings from a log are data in every exported file, whatever they hold.

Paths, parameter values, query strings, persona names and user agents are drawn from hostile
fragments (quotes, backticks, `${}`, `{{ }}`, newlines, `</script>`, `\"\"\"`, `*/`, bidi and
separator characters, astral and lone-surrogate code points) mixed with arbitrary text. Each
export must parse, and each string must come back exactly as data: a JS value node reads
(from the options or from the request a persona sends), a Python constant, a YAML scalar.
A payload that became code would set `PWNED`.
"""

from __future__ import annotations

import ast
import json
import random
import tempfile
from pathlib import Path

import pytest
from export_plans import NODE, load_k6, node_check
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from loadtui.contracts import Distribution, Scenario, Stage, Step, TestPlan
from loadtui.engine.sessions import compile_step
from loadtui.export.artillery import inert_text, inert_url, render_artillery
from loadtui.export.escape import (
    comment_text,
    identifier,
    js_string,
    json_text,
    py_string,
    yaml_string,
)
from loadtui.export.journeys import fill_path
from loadtui.export.k6 import export_k6

FRAGMENTS = [
    '"', "'", "`", "\\", "${globalThis.PWNED=1}", '"; globalThis.PWNED = 1; "',
    "'; globalThis.PWNED = 1; '", "`; globalThis.PWNED = 1; `", "</script><script>PWNED=1",
    "<!--", "-->", "*/ globalThis.PWNED = 1; /*", "\n globalThis.PWNED = 1 //", "\r\n", "\u2028",
    "\u2029", '"""', "'''", "{{ $processEnvironment.HOME }}", "{x}", "}}", "#", ": ", "- ",
    "&anchor", "*alias", "!!python/object", "\u202e", "\u200b", "\x00", "\x7f", "é", "日本",
    "\U0001f600", "%", "%2F", "?", "&", "=", "\t", "yes", "null", "0x10", "__import__('os')",
    "f'{1}'",
]  # fmt: skip
hostile = (
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=8)), min_size=1, max_size=6)
    .map("".join)
    .filter(bool)
)
# URL text goes through percent-encoding, which (in the engine as in JS) needs valid Unicode
url_text = hostile.filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _plan(persona: str, segment: str, value: str, query: str, agent: str) -> TestPlan:
    route = "/" + segment.replace("{", "(").replace("}", ")") + "/{id}"
    steps = [
        Step(method="GET", route=route, params={"id": [value]}, query=[query]),
        Step(method="POST", route="/login", body='{"user": "{user}"}', params={"user": [value]},
             captures_token=True),
        Step(method="GET", route="/" + segment, needs_token=True, embedded=False),
    ]  # fmt: skip
    scenario = Scenario(
        name="p",
        persona=persona,
        weight=1.0,
        steps=steps,
        entry=[1.0, 0.0, 0.0],
        matrix=[[0.0, 0.0, 1.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]],
        exit=[0.0, 0.0, 1.0],
        think_time=Distribution(kind="constant", median=0.5),
    )
    return TestPlan(
        name=persona,
        scenarios=[scenario],
        stages=[Stage(duration="10s", target=2.0, name=persona)],
        headers={"User-Agent": agent},
    )


@pytest.mark.skipif(NODE is None, reason="node is needed")
@SETTINGS
@given(persona=hostile, segment=url_text, value=url_text, query=url_text, agent=hostile)
def test_k6_export_carries_hostile_strings_only_as_data(
    tmp_path: Path, persona: str, segment: str, value: str, query: str, agent: str
) -> None:
    plan = _plan(persona, segment, value, query, agent)
    out = Path(tempfile.mkdtemp(dir=tmp_path)) / "load.js"
    export_k6(plan, out)
    loaded = load_k6(out, 1)
    assert loaded["pwned"] is False
    scenario = next(iter(loaded["options"]["scenarios"].values()))
    assert scenario["tags"] == {"persona": persona}
    sent = [r for r in loaded["requests"]["p"] if "method" in r]
    assert [r["tags"]["name"] for r in sent] == [
        plan.scenarios[0].steps[i].route for i in (0, 1, 2)
    ]
    for r in sent:
        assert r["headers"]["User-Agent"] == agent
    # the URL is the engine's: same percent-encoding of the drawn value and query
    step = compile_step(plan.scenarios[0].steps[0].model_copy(update={"route": "/x/{id}"}))
    from loadtui.engine.sessions import fill_path as engine_fill

    tail = engine_fill(step, random.Random(0))[len("/x/") :]
    assert (
        sent[0]["url"] == plan.target + plan.scenarios[0].steps[0].route.replace("{id}", "") + tail
    )
    assert json.loads(sent[1]["body"]) == {"user": value}
    assert sent[2]["headers"]["Authorization"].startswith("Bearer tok-")


@SETTINGS
@given(persona=hostile, segment=url_text, value=url_text, query=url_text, agent=hostile)
def test_artillery_yaml_carries_hostile_strings_only_as_data(
    persona: str, segment: str, value: str, query: str, agent: str
) -> None:
    plan = _plan(persona, segment, value, query, agent)
    text = render_artillery(plan, source=persona)
    doc = YAML(typ="safe").load(text)
    assert set(doc) == {"config", "scenarios"}  # a comment stayed a comment
    assert doc["config"]["http"]["defaults"]["headers"]["User-Agent"] == inert_text(agent)
    assert doc["config"]["phases"][0]["name"] == inert_text(persona)
    flow = doc["scenarios"][0]["flow"]
    gets = [a["get"]["url"] for a in flow if "get" in a]
    step = plan.scenarios[0].steps[0]
    assert gets[0] == inert_url(fill_path(step, random.Random(0)))
    for text_value in (*gets, *(a["post"]["body"] for a in flow if "post" in a)):
        assert "{{" not in text_value
    body = next(a["post"]["body"] for a in flow if "post" in a)
    assert json.loads(body) == {"user": value}


@settings(max_examples=300, deadline=None)
@given(s=st.text() | hostile)
def test_literals_read_back_as_the_same_string(s: str) -> None:
    lit = py_string(s)
    tree = ast.parse(f"x = {lit}\n")
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Assign)
    value = tree.body[0].value
    assert isinstance(value, ast.Constant) and value.value == s
    assert ast.literal_eval(lit) == s
    js = js_string(s)
    assert json.loads(js) == s
    assert not any(c in js for c in "`$\u2028\u2029\n\r") and "</" not in js and "<!" not in js
    assert js.isprintable() or all(c.isprintable() or c == " " for c in js)
    assert YAML(typ="safe").load(yaml_string(s)) == s
    assert "\n" not in yaml_string(s)
    assert json.loads(json_text({"k": s}))["k"] == s
    comment = comment_text(s)
    assert not any(bad in comment for bad in ("\n", "\r", "*/", '"', "\\"))


@settings(max_examples=200, deadline=None)
@given(s=st.text() | hostile)
def test_identifiers_are_plain_ascii_names(s: str) -> None:
    taken: set[str] = set()
    name = identifier(s, taken=taken)
    assert name.isidentifier() and name.isascii() and name in taken
    assert identifier(s, taken=taken) != name  # unique within `taken`


@pytest.mark.skipif(NODE is None, reason="node is needed")
def test_a_js_string_is_one_literal_in_a_module(tmp_path: Path) -> None:
    nasty = "</script>`${globalThis.PWNED=1}`\u2028\"'\\\n*/"
    script = tmp_path / "one.mjs"
    script.write_text(f"export const s = {js_string(nasty)};\n")
    node_check(script)
    assert json.loads(js_string(nasty)) == nasty


@SETTINGS
@given(persona=hostile, segment=url_text, value=url_text, query=url_text, agent=hostile)
def test_locustfile_parses_and_holds_no_code_from_the_log(
    persona: str, segment: str, value: str, query: str, agent: str
) -> None:
    from loadtui.export.locust import render_locustfile

    plan = _plan(persona, segment, value, query, agent)
    tree = ast.parse(render_locustfile(plan))
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert "PWNED" not in names and "__import__" not in names
    # the log's strings are in JSON constants (json.loads of a string literal)
    found: list[str] = []

    def collect(value: object) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                collect(k)
                collect(v)
        elif isinstance(value, list):
            for v in value:
                collect(v)

    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                collect(json.loads(node.value))
            except ValueError:
                continue
    assert agent in found and persona in found and value in found
