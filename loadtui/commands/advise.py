"""`loadtui advise RUN`: what to change in a plan's thresholds and stages, and what to fix.

Reads the run and its baseline runs (the plan's marked set with `--baseline auto`, or the runs
named), builds the advisors' input (`advise.context.build_input`: aggregates only) and asks
`advise.choose.advise`: the LLM when an endpoint is configured (or `--llm`), else the offline
advisor; any LLM failure falls back to the offline answer with a note. Nothing is written:
`loadtui heal` turns accepted suggestions into a patch.

Exit codes: 0 (advice given, including "regression": `analyze` is the gate), 2 bad input.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from loadtui.contracts import Evidence, SuggestionSet

EPILOG = """examples:
  loadtui advise 20260102-090000-aa11                     (the plan's marked baseline, if any)
  loadtui advise runs/20260102-090000-aa11 --baseline auto --offline
  loadtui advise RUN --baseline B1 B2 B3 B4 B5 --json
  loadtui advise RUN --note "new cache layer deployed" --llm

The offline advisor sets latency and error bounds from the baseline runs' run-to-run spread
(90th percentile + max(2 sd, 10 %), rounded up), lengthens ramps that fail while the hold after
them does not, turns breaking spikes into steps and drops a stage only when it failed for the
load generator's sake in repeated runs. It never loosens a bound to hide a regression or a
broken test (404s on missing routes, refused connections): those are reported as findings.
With OPENAI_API_KEY or OPENAI_BASE_URL set, the LLM advisor answers instead (--offline to
skip it); its numbers are checked against the data.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "advise",
        help="suggest thresholds and stage changes from a run and its baseline runs",
        description="Suggest new thresholds and stage changes for a run's plan, each with its "
        "reason, the numbers it rests on and a confidence; report broken tests and "
        "regressions, which no edit may hide. Writes nothing (see `loadtui heal`).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run", metavar="RUN", help="run folder or run id (see history)")
    p.add_argument(
        "--baseline",
        nargs="+",
        metavar="RUN|auto",
        help="baseline run(s), or `auto` for the runs marked with `loadtui baseline` "
        "(default: the marked set when there is one)",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--offline", action="store_true", help="the statistical advisor only")
    mode.add_argument(
        "--llm", action="store_true", help="ask the LLM (OPENAI_API_KEY / OPENAI_BASE_URL)"
    )
    p.add_argument("--note", default="", help="context for the advisor: what changed")
    p.add_argument("--out", default="runs", help="folder of run folders and runs.db (runs/)")
    p.add_argument("--json", action="store_true", help="print one SuggestionSet document")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loadtui.advise.choose import Mode, advise
    from loadtui.advise.context import build_input
    from loadtui.commands.run_refs import baseline_refs, load_ref
    from loadtui.errors import UserError

    record, _windows, run_dir = load_ref(args.out, args.run)
    source, refs = baseline_refs(args.out, args.baseline, record, run_dir)
    bases = [load_ref(args.out, ref) for ref in refs]
    if any(b[0].run_id == record.run_id for b in bases):
        raise UserError("a run cannot be its own baseline: leave it out of --baseline")
    inp = build_input(run_dir, [d for _r, _w, d in bases], note=args.note)
    mode: Mode = "offline" if args.offline else "llm" if args.llm else "auto"
    result = advise(inp, mode)
    if args.json:
        from loadtui.safe_text import json_text

        print(json_text(result.model_dump_json(indent=2)))  # LLM text: no raw C1 or bidi
    else:
        print_advice(result, baseline_source=source if bases else None)
    return 0


def print_advice(result: SuggestionSet, *, baseline_source: str | None) -> None:
    """The verdict, each suggestion with reason, evidence and confidence, then findings.

    Route names and LLM text are outside text: everything is printed as plain `Text`
    (`safe_text.plain`), never parsed as markup."""
    from rich.console import Console

    from loadtui.safe_text import plain

    console = Console(highlight=False)
    who = "offline advisor" if result.source == "offline" else f"LLM ({result.model or '?'})"
    base = (
        f"{len(result.baseline_runs)} baseline run(s) ({baseline_source})"
        if baseline_source
        else "no baseline runs"
    )
    console.print(plain(f"advice for {result.run_id} from the {who}, against {base}"))
    verdict = "REGRESSION" if result.regression else "no regression"
    style = "bold red" if result.regression else "bold"
    console.print(plain(f"{verdict}: {result.reason}", style))
    console.print(plain(f"confidence {result.confidence:.2f}"))
    edits = result.edits()
    console.print()
    console.print(plain(f"suggestions ({len(edits)})", "bold") if edits else "no suggestions")
    for e in edits:
        if e.kind == "threshold":
            old = ", ".join(e.old) or "(none)"
            head, what = f"{e.id}", f"{e.metric}: {old} → {', '.join(e.new)}"
        elif e.kind == "stage":
            head, what = f"{e.id} {e.type}", e.change
        else:
            head, what = e.id, f"remove stage {e.stage}"
        console.print(plain(f"  [{head}] confidence {e.confidence:.2f}", "bold"))
        console.print(plain(f"    {what}"))
        console.print(plain(f"    why: {e.reason}"))
        _evidence(console, e.evidence)
    if result.findings:
        console.print()
        console.print(plain("findings", "bold"))
    for f in result.findings:
        label = {"broken_test": "BROKEN TEST", "regression": "REGRESSION", "note": "note"}[f.kind]
        console.print(plain(f"  {label}: {f.message}", "red" if f.kind != "note" else ""))
        if f.routes:
            console.print(plain(f"    routes: {', '.join(f.routes)}"))
        _evidence(console, f.evidence)
    for n in result.notes:
        console.print(plain(f"  note: {n}"))


def _evidence(console: Console, evidence: list[Evidence]) -> None:
    from loadtui.safe_text import plain

    if evidence:
        parts = [f"{ev.name} {ev.value:g}{(' ' + ev.unit) if ev.unit else ''}" for ev in evidence]
        console.print(plain("    evidence: " + "; ".join(parts), "dim"))
