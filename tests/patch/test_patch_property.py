"""Property: any subset of a suggestion set's hunks, applied in any order, gives a file that
parses (k6: tree-sitter finds no ERROR or MISSING node and `node --check` accepts it; plan:
it loads as a TestPlan), the same file whatever the order, and the code around the options
never changes."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from patch_scripts import (
    NODE,
    SEEDS,
    SPREAD,
    VARIABLES,
    adjust,
    node_check,
    parses,
    remove,
    small_plan,
    threshold,
)

from loadtui.contracts import StageAdjustment, StageRemoval, ThresholdChange
from loadtui.export.k6 import render_k6
from loadtui.patch.apply import apply_edits
from loadtui.patch.errors import PatchError
from loadtui.plan.yaml_io import dumps_plan, loads_plan

KEYS = (
    "http_req_duration",
    "http_req_failed",
    "http_req_duration{scenario:browser}",
    "http_req_failed{status:500}",
    "checks",
    "iterations",
)
FILES = {
    "seeds": ("k6", SEEDS),
    "spread": ("k6", SPREAD),
    "variables": ("k6", VARIABLES),
    "export-open": ("k6", render_k6(small_plan("open"), "d.json")),
    "export-closed": ("k6", render_k6(small_plan("closed"), "d.json")),
    "plan": ("plan", dumps_plan(small_plan())),
}
Edit = ThresholdChange | StageAdjustment | StageRemoval


def _expression(key: str, bound: float, abort: bool) -> str:
    name = key.split("{")[0]
    if name in ("http_req_failed", "checks"):
        expr = f"rate<{min(bound, 999) / 1000:g}"
    elif name == "iterations":
        expr = f"count>{int(bound)}"
    else:
        expr = f"p(95)<{bound:g}"
    return expr + (" abortOnFail=10s" if abort else "")


@st.composite
def edit_sets(draw: st.DrawFn) -> list[Edit]:
    """A suggestion set: some thresholds, and for each of the 3 stages nothing, a new shape or
    a removal (never two edits on one stage, as an advisor never proposes)."""
    edits: list[Edit] = []
    for key in draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=4)):
        bounds = draw(st.lists(st.floats(1, 5000, allow_nan=False), min_size=1, max_size=3))
        abort = draw(st.booleans())
        edits.append(
            threshold(key, *(_expression(key, b, abort and i == 0) for i, b in enumerate(bounds)))
        )
    for stage in range(3):
        what = draw(st.sampled_from(["keep", "adjust", "remove"]))
        if what == "remove":
            edits.append(remove(stage))
        elif what == "adjust":
            steps = draw(
                st.lists(
                    st.tuples(st.integers(1, 300), st.integers(0, 3000)), min_size=1, max_size=3
                )
            )
            edits.append(adjust(stage, *((f"{s}s", float(t)) for s, t in steps)))
    return edits


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(FILES)),
    edits=edit_sets(),
    picks=st.lists(st.booleans(), min_size=8, max_size=8),
    order=st.randoms(use_true_random=False),
)
def test_random_subsets_always_parse(
    name: str, edits: list[Edit], picks: list[bool], order
) -> None:  # type: ignore[no-untyped-def]
    kind, text = FILES[name]
    subset = [e for e, keep in zip(edits, picks, strict=False) if keep]
    everything_removed = {e.stage for e in subset if isinstance(e, StageRemoval)} == {0, 1, 2}
    try:
        out = apply_edits(kind, text, subset)
    except PatchError as exc:
        assert everything_removed, exc
        return
    assert not everything_removed
    if kind == "k6":
        assert parses(out)
        if NODE is not None and out != text:  # and node, a second parser, agrees
            with tempfile.TemporaryDirectory() as tmp:
                node_check(Path(tmp), out)
        head = text.index("\n")  # the first line, and the code after the options
        tail = max(text.rfind("export function"), text.rfind("export default function"))
        assert out[:head] == text[:head]
        assert out.endswith(text[tail:])
    else:
        plan = loads_plan(out)
        kept = 3 - sum(isinstance(e, StageRemoval) for e in subset)
        added = sum(len(e.new_stages) - 1 for e in subset if isinstance(e, StageAdjustment))
        assert len(plan.stages) == kept + added
    shuffled = list(subset)
    order.shuffle(shuffled)
    assert apply_edits(kind, text, shuffled) == out
