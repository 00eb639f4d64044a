"""`loadtui validate MODEL RUN`: does a run reproduce the production its model came from?

Exit codes follow k6's convention for failed checks: 0 every check within the tolerance,
99 any check over it, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from loadtui.errors import UserError

if TYPE_CHECKING:
    from loadtui.analyze.validate import Validation

EXIT_OK = 0
EXIT_FAILED = 99  # as k6 exits on a failed threshold, so CI fails the build the same way

EPILOG = """examples:
  loadtui validate model.json runs/20260102-090000-aa11
  loadtui validate model.json runs/20260102-090000-aa11 --tolerance 0.1 --json
  loadtui validate model.json runs/20260102-090000-aa11 --save   (the report goes into model.json)

checks (each a deviation, passed when <= --tolerance):
  request rate shape  rel. L1 of delivered vs planned req/s per window (closed: shapes only)
  endpoint mix        total variation distance, run routes vs the model's persona mix
  status mix          total variation distance, run status codes vs the log's (per route)
  think time          Kolmogorov-Smirnov, what the run drew from (its plan.yaml) vs the model
  session length      Kolmogorov-Smirnov, requests per session of the plan's chain vs the log
A run folder holds windows, not sessions: think times and session lengths are judged on the
distributions the run drew them from (its plan copy), the rest on what came back.

exit codes: 0 all checks pass, 99 a check failed, 2 bad input
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate",
        help="compare a run with the production model it came from",
        description="Check that a run reproduced the traffic model: rate shape, endpoint "
        "mix, status mix, think times and session lengths, each with its deviation and a "
        "pass/fail at the tolerance.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", metavar="MODEL", help="traffic model JSON (loadtui profile -o)")
    p.add_argument("run", metavar="RUN", help="run folder (runs/<run-id>)")
    p.add_argument(
        "--tolerance", type=float, default=0.15, help="largest deviation that passes (0.15)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--save", action="store_true", help="write the report into the model file")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loadtui.analyze.validate import validate
    from loadtui.plan.yaml_io import load_plan
    from loadtui.profile.pipeline import load_model, save_model
    from loadtui.store.runs import PLAN_FILE, load_run

    if not 0 < args.tolerance < 1:
        raise UserError(f"--tolerance must be between 0 and 1 (got {args.tolerance:g})")
    model = load_model(args.model)
    run_dir = Path(args.run)
    try:
        record, windows = load_run(run_dir)
    except FileNotFoundError as exc:
        raise UserError(f"no run folder at {run_dir}; pass runs/<run-id>") from exc
    if not windows:
        raise UserError(f"{run_dir} has no windows to validate; run the plan first")
    plan_path = run_dir / PLAN_FILE
    plan = load_plan(plan_path) if plan_path.is_file() else None
    result = validate(model, record, windows, plan, tolerance=args.tolerance, run=str(run_dir))
    if args.save:
        save_model(model.model_copy(update={"validation": result.report()}), args.model)
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        _print(result, saved=args.model if args.save else None)
    return EXIT_OK if result.passed else EXIT_FAILED


def _print(result: Validation, saved: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from loadtui.safe_text import markup_value

    console = Console(highlight=False)
    table = Table(title=f"validation at tolerance {result.tolerance:g}", title_justify="left")
    table.add_column("check", no_wrap=True)
    table.add_column("measure", no_wrap=True)
    table.add_column("deviation", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("detail", overflow="fold", ratio=1)
    for c in result.checks:
        verdict = {True: "[green]pass[/]", False: "[red]FAIL[/]", None: "[dim]n/a[/]"}[c.passed]
        value = "-" if c.deviation is None else f"{c.deviation:.3f}"
        table.add_row(c.label, c.measure, value, verdict, markup_value(c.detail))
    console.print(table)
    for note in result.notes:
        console.print(f"note: {markup_value(note)}")
    word = "[green]passed[/]" if result.passed else f"[red]failed[/]: {', '.join(result.failed)}"
    console.print(f"validation {word}")
    if saved:
        console.print(f"report saved in {markup_value(saved)}")
