"""`loadtui forecast RUN...`: capacity with an interval, and what-if answers, from finished runs."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

from loadtui.errors import UserError
from loadtui.safe_text import clean_lines

EPILOG = """examples:
  loadtui forecast runs/20260101-120000-ab12               # capacity and the curve
  loadtui forecast runs/a runs/b --rps 900                 # two runs, what at 900 req/s?
  loadtui forecast runs/a --users 300 --json | jq .capacity

Capacity is the load (requests/s) where a window is as likely to fail as not: its p95 over the
plan's p(95) threshold (default max(500 ms, 5 x the unloaded p95)) or its error rate over 5 %.
The interval is 90 %. A stress or breakpoint run that passed the knee pins it down; a run
that stayed well below it gives only a lower bound and says so.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "forecast",
        help="predict latency, failure probability and capacity from finished runs",
        description="Fit a digital twin (queueing model, USL, tree ensembles, logistic failure "
        "model) to the windows of one or more runs of the same system.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("runs", nargs="+", metavar="RUN", help="run folder(s) (runs/<run-id>)")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--users", type=float, default=None, help="what-if: N concurrent users")
    what.add_argument("--rps", type=float, default=None, help="what-if: N requests/s")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--seed", type=int, default=0, help="seed for bootstraps and forests")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loadtui.analyze.forecast import build_forecast
    from loadtui.analyze.twin import TwinError
    from loadtui.plan.yaml_io import load_plan
    from loadtui.store.runs import PLAN_FILE, load_run, read_flags

    for value, flag in ((args.users, "--users"), (args.rps, "--rps")):
        if value is not None and not (value > 0 and math.isfinite(value)):
            raise UserError(f"{flag} must be a positive number (got {value})")
    ids, windows, flags, arrivals = [], [], [], []
    plan = None
    for run_dir in map(Path, args.runs):
        try:
            record, ws = load_run(run_dir)
        except FileNotFoundError:
            raise UserError(f"no run folder at {run_dir}: give a runs/<run-id> folder") from None
        ids.append(record.run_id)
        windows.append(ws)
        arrivals.append(record.environment.get("arrivals", ""))
        flags.append(read_flags(run_dir))
        if plan is None and (run_dir / PLAN_FILE).is_file():
            try:
                plan = load_plan(run_dir / PLAN_FILE)
            except Exception:  # an imported run's plan may be a stub; the windows are enough
                plan = None
    try:
        forecast = build_forecast(
            ids,
            windows,
            plan=plan,
            flags_by_run=flags,
            users=args.users,
            rps=args.rps,
            seed=args.seed,
            arrivals=arrivals,
        )
    except TwinError as exc:
        raise UserError(f"cannot forecast {', '.join(ids)}: {exc}") from None
    if args.json:
        print(json.dumps(forecast.model_dump(mode="json"), separators=(",", ":")))
        return 0
    from loadtui.analyze.forecast_text import render

    print(clean_lines(render(forecast)))  # stage names and notes come from plans and logs
    return 0
