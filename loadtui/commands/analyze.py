"""`loadtui analyze`: a run (or reruns) against a baseline run set: regression, noise or
improvement, overall, per route and per stage, with the numbers behind each verdict.

Exit codes follow k6's convention for a failed check: 0 noise or improvement, 99 regression,
2 bad input (no such run, no baseline marked for `--baseline auto`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from loadtui.errors import UserError

if TYPE_CHECKING:
    from loadtui.contracts import MetricWindow, RegressionReport, RunRecord

EXIT_OK = 0
EXIT_REGRESSION = 99  # as k6 exits on a failed threshold, so CI fails the build the same way

EPILOG = """examples:
  loadtui baseline 20260101-120000-ab12 20260101-121000-cd34 20260101-122000-ef56
  loadtui analyze 20260102-090000-aa11 --baseline auto
  loadtui analyze runs/20260102-090000-aa11 --baseline runs/20260101-120000-ab12 --json
  loadtui analyze RERUN1 RERUN2 RERUN3 --baseline auto    (reruns judged together)

A regression needs all three: a significant Mann-Whitney U test over the steady windows
(p < 0.01), a practical effect (p95 +10 % and +1 ms, or errors +1 point), and a candidate
outside the baseline runs' run-to-run band. The first window (start-up), windows in the
first second and the last window (drain) are left out. Mark 3+ baseline runs for a sturdy band.

exit codes: 0 noise or improvement, 99 regression, 2 bad input
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "analyze",
        help="compare a run with its baseline runs: regression, noise or improvement",
        description="Judge a run (or several reruns of one plan) against a baseline run set, "
        "overall, per route and per stage. Without --baseline, the plan's marked baseline "
        "set is used when there is one; otherwise the run's steady-state numbers are shown.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("runs", nargs="+", metavar="RUN", help="run folder or run id (see history)")
    p.add_argument(
        "--baseline",
        nargs="+",
        metavar="RUN|auto",
        help="baseline run(s), or `auto` for the runs marked with `loadtui baseline`",
    )
    p.add_argument("--out", default="runs", help="folder of run folders and runs.db (runs/)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loadtui.analyze.regression import compare
    from loadtui.commands.run_refs import baseline_refs, load_ref

    cands = [load_ref(args.out, ref) for ref in args.runs]
    first_record, _w, first_dir = cands[0]
    source, refs = baseline_refs(args.out, args.baseline, first_record, first_dir)
    if not refs:
        return _summary_only(args, cands)
    bases = [load_ref(args.out, ref) for ref in refs]
    cand_ids = {c[0].run_id for c in cands}
    if any(b[0].run_id in cand_ids for b in bases):
        raise UserError("a run cannot be its own baseline: leave it out of --baseline")
    report = compare(
        [c[1] for c in cands],
        [b[1] for b in bases],
        candidate_ids=[c[0].run_id for c in cands],
        baseline_ids=[b[0].run_id for b in bases],
    )
    plans = {r.plan_name for r, _w, _d in [*cands, *bases]}
    if len(plans) > 1:
        report.notes.append(
            "the runs come from different plans ("
            + ", ".join(sorted(repr(p) for p in plans))
            + "): per-route and per-stage rows compare what the names match"
        )
    if args.json:
        doc = {"baseline_source": source, "regression": report.model_dump(mode="json")}
        print(json.dumps(doc, indent=2))
    else:
        _print_report(report, source)
    return EXIT_REGRESSION if report.verdict == "regression" else EXIT_OK


def _summary_only(
    args: argparse.Namespace, cands: list[tuple[RunRecord, list[MetricWindow], Path]]
) -> int:
    """No baseline to compare with: the steady-state numbers a baseline would be judged on."""
    from loadtui.analyze.regression import RegressionSettings, side_stats
    from loadtui.analyze.steady import steady_windows, window_values

    cfg = RegressionSettings()
    runs = [steady_windows(w) for _r, w, _d in cands]
    values = [window_values(ws, min_requests=cfg.min_requests) for ws in runs]
    p95, _ = side_stats([v[0] for v in values], "p95_ms", cfg)
    err, _ = side_stats([v[1] for v in values], "error_rate", cfg)
    plan = cands[0][0].plan_name
    note = f"no baseline for plan {plan!r}: mark runs with `loadtui baseline RUN...`"
    if args.json:
        doc = {
            "baseline_source": None,
            "regression": None,
            "steady": {"p95_ms": p95.model_dump(), "error_rate": err.model_dump()},
            "notes": [note],
        }
        print(json.dumps(doc, indent=2))
        return EXIT_OK
    from rich.console import Console

    from loadtui.safe_text import markup_value

    console = Console(highlight=False)
    if p95.center is not None and err.center is not None:
        console.print(
            f"steady state over {p95.windows} windows of {p95.runs} run(s): "
            f"p95 {p95.center:.1f} ms (band {p95.band_low:.1f}–{p95.band_high:.1f}), "
            f"errors {err.center:.2%}"
        )
    else:
        console.print("no steady windows (the run is shorter than ~3 windows)")
    console.print(markup_value(note))
    return EXIT_OK


def _print_report(report: RegressionReport, source: str) -> None:
    from rich.console import Console

    from loadtui.analyze.regression_table import verdict_table
    from loadtui.safe_text import markup_value

    console = Console(highlight=False)
    colour = {"regression": "red", "improvement": "green", "noise": "default"}[report.verdict]
    base = f"{len(report.baseline_runs)} baseline run(s) ({source})"
    console.print(
        f"[bold {colour}]{report.verdict.upper()}[/]: {len(report.candidate_runs)} run(s) vs {base}"
    )
    console.print(verdict_table(report))
    for row in [report.overall, *report.routes, *report.stages]:
        for m in (row.p95, row.errors):
            if m.verdict != "noise":
                console.print(f"  {markup_value(row.name)}: {markup_value(m.reason)}")
    if report.overall.verdict == "noise":  # why not: the numbers behind the main verdict
        console.print(
            f"  {markup_value(report.overall.name)}: {markup_value(report.overall.p95.reason)}"
        )
    for note in report.notes:
        console.print(f"  note: {markup_value(note)}")
