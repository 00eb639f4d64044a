"""The markdown a CI job posts for `loadtui heal`: the verdict, a table of the edits (what,
why, the numbers, confidence, and whether it was proposed, applied, held back or refused), the
findings no edit may hide, and the patch.

Reasons, route names and LLM text are outside text: each is cleaned (`safe_text.clean`) and
escaped so it renders as the characters it holds: no markup, links, HTML or @-mentions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from loadtui.contracts import Evidence, SuggestionSet
from loadtui.patch.diff import edit_title
from loadtui.safe_text import clean

EditStatus = Literal["applied", "proposed", "below", "refused"]
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md(value: object) -> str:
    """Outside text as inert markdown on one line."""
    text = clean(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return text.replace("@", "&#64;")  # no mentions in a PR comment


def _fence(body: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    return "`" * max(3, longest + 1)


def _evidence(evidence: list[Evidence]) -> str:
    parts = [f"{ev.name} {ev.value:g}{(' ' + ev.unit) if ev.unit else ''}" for ev in evidence]
    return md("; ".join(parts)) if parts else ""


@dataclass(frozen=True)
class EditOutcome:
    status: EditStatus
    error: str = ""


def heal_markdown(
    result: SuggestionSet,
    outcomes: Mapping[str, EditOutcome],
    *,
    path: str,
    min_confidence: float,
    patch: str,
) -> str:
    """The PR comment / job summary for one heal."""
    who = "offline advisor" if result.source == "offline" else f"LLM ({result.model or '?'})"
    bases = len(result.baseline_runs)
    verdict = "REGRESSION" if result.regression else "no regression"
    lines = [
        f"## loadtui heal: {md(result.run_id or 'run')}",
        "",
        f"**{verdict}**: {md(result.reason) or 'no reason given'}  ",
        f"confidence {result.confidence:.2f}, {md(who)}, {bases} baseline run(s)",
        "",
    ]
    edits = result.edits()
    label = {
        "applied": "applied",
        "proposed": "proposed",
        "below": f"held back (< {min_confidence:.2f})",
        "refused": "cannot apply",
    }
    if edits:
        lines += [
            f"### Edits to `{md(path)}` (confidence ≥ {min_confidence:.2f} are in the patch)",
            "",
            "| status | edit | change | reason | evidence | confidence |",
            "|---|---|---|---|---|---|",
        ]
        for e in edits:
            outcome = outcomes.get(e.id, EditOutcome("below"))
            status = label[outcome.status]
            if outcome.error:
                status += f": {md(outcome.error)}"
            lines.append(
                f"| {status} | {md(e.id)} | {md(edit_title(e))} | {md(e.reason)} | "
                f"{_evidence(e.evidence)} | {e.confidence:.2f} |"
            )
        lines.append("")
    else:
        lines += ["No edits suggested.", ""]
    if result.findings:
        lines += ["### Findings (fix these; no edit hides them)", ""]
        names = {"broken_test": "Broken test", "regression": "Regression", "note": "Note"}
        for f in result.findings:
            routes = f" (routes: {md(', '.join(f.routes))})" if f.routes else ""
            ev = _evidence(f.evidence)
            lines.append(
                f"- **{names[f.kind]}**: {md(f.message)}{routes}" + (f"; {ev}" if ev else "")
            )
        lines.append("")
    for note in result.notes:
        lines.append(f"> note: {md(note)}")
    if result.notes:
        lines.append("")
    if patch:
        fence = _fence(patch)
        lines += [
            "<details><summary>Patch</summary>",
            "",
            f"{fence}diff",
            patch.rstrip("\n"),
            fence,
            "",
            "</details>",
            "",
        ]
    else:
        lines += ["Nothing to change.", ""]
    return "\n".join(lines)
