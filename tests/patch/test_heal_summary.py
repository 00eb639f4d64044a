"""The markdown heal posts: every status shown, and outside text (LLM reasons, route names)
rendered as the characters it holds, never as markup, HTML, links or @-mentions."""

from __future__ import annotations

from patch_scripts import SEEDS, adjust, remove, threshold

from loadtui.contracts import Finding, SuggestionSet
from loadtui.patch.apply import apply_edits
from loadtui.patch.diff import unified
from loadtui.patch.summary import EditOutcome, heal_markdown, md

HOSTILE = "ok <script>alert(1)</script> | @admins [click](http://x) **bold** `code` \x1b[31m"


def test_outside_text_is_inert() -> None:
    out = md(HOSTILE)
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "@admins" not in out and "&#64;admins" in out
    assert (
        "\\|" in out and "\\[click\\]" in out and "\\*\\*bold\\*\\*" in out and "\\`code\\`" in out
    )
    assert "\x1b" not in out and "\n" not in md("a\nb")


def test_summary_lists_every_edit_with_its_status_findings_and_the_patch() -> None:
    edits = [
        threshold("http_req_duration", "p(95)<800", conf=0.9),
        adjust(0, ("20s", 2000), conf=0.5),
        remove(7),
    ]
    edits[0] = edits[0].model_copy(update={"reason": HOSTILE})
    result = SuggestionSet(
        run_id="r1",
        reason="noise",
        confidence=0.8,
        new_thresholds=[edits[0]],
        stage_adjustments=[edits[1]],
        remove=[edits[2]],
        findings=[
            Finding(kind="broken_test", message="404 on missing routes", routes=["GET /[x]"])
        ],
    )
    patch = unified(SEEDS, apply_edits("k6", SEEDS + "// ``````\n", [edits[0]]), "load.js")
    text = heal_markdown(
        result,
        {
            "threshold:http_req_duration": EditOutcome("applied"),
            "stage:0": EditOutcome("below"),
            "remove:7": EditOutcome("refused", "load.js has 3 stages, there is no stage 7"),
        },
        path="load.js",
        min_confidence=0.8,
        patch=patch,
    )
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(rows) == 4  # the header and three edits
    assert all(row.count(" | ") == 5 for row in rows)  # a | in a reason does not add a column
    assert rows[1].startswith("| applied |") and rows[2].startswith("| held back (< 0.80) |")
    assert rows[3].startswith("| cannot apply: load.js has 3 stages, there is no stage 7 |")
    assert "- **Broken test**: 404 on missing routes (routes: GET /\\[x\\])" in text
    assert "<script>" not in text
    assert "```````diff" in text  # the fence is longer than any backtick run in the diff
