"""`loadtui baseline`: mark runs as the baseline set of their plan in the run index (runs.db).

A baseline is a set: reruns of one plan, so their spread is the run-to-run noise that
`loadtui analyze --baseline auto` must see past before it calls a regression.
"""

from __future__ import annotations

import argparse
import json

from loadtui.errors import UserError

EPILOG = """examples:
  loadtui baseline 20260101-120000-ab12 20260101-121000-cd34 20260101-122000-ef56
  loadtui baseline 20260103-080000-ff00 --add        (join the plan's current set)
  loadtui baseline --clear "checkout load"           (unmark a plan's set)
  loadtui analyze NEW-RUN --baseline auto            (judge a run against the set)

Without --add, each named run's plan gets exactly the named runs as its baseline set.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "baseline",
        help="mark runs as the baseline set of their plan (for analyze --baseline auto)",
        description="Mark runs as the baseline set their plan's later runs are compared with. "
        "Runs are named by id or folder; they must be in the index (OUT/runs.db).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("runs", nargs="*", metavar="RUN", help="run id or run folder")
    p.add_argument("--add", action="store_true", help="add to the plan's set, do not replace it")
    p.add_argument("--clear", metavar="PLAN", help="unmark the baseline set of this plan")
    p.add_argument("--out", default="runs", help="folder of run folders and runs.db (runs/)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict
    from pathlib import Path

    from loadtui.store.history import (
        add_run,
        baseline_for,
        clear_baseline,
        find_run_dir,
        get_run,
        index_path,
        mark_baseline,
    )
    from loadtui.store.runs import load_run

    db = index_path(args.out)
    if args.clear is not None:
        if args.runs:
            raise UserError("give either RUN... to mark or --clear PLAN, not both")
        n = clear_baseline(db, args.clear)
        if args.json:
            print(json.dumps({"plan": args.clear, "cleared": n}))
        else:
            print(f"unmarked {n} baseline run(s) of plan {args.clear!r}")
        return 0
    if not args.runs:
        raise UserError("name the runs to mark: loadtui baseline RUN... (see loadtui history)")
    ids: list[str] = []
    for ref in args.runs:
        run_dir = find_run_dir(args.out, ref)
        if run_dir is None:
            raise UserError(
                f"no run {ref!r} under --out {args.out}: `loadtui history` lists the runs"
            )
        record, _windows = load_run(run_dir)
        if get_run(db, record.run_id) is None:  # a folder the index missed: add it now
            add_run(db, record, Path(run_dir))
        ids.append(record.run_id)
    marked = mark_baseline(db, ids, add=args.add)
    plans = sorted({r.plan for r in marked})
    sets = {plan: baseline_for(db, plan) for plan in plans}
    if args.json:
        doc = {plan: [asdict(r) for r in rows] for plan, rows in sets.items()}
        print(json.dumps({"baselines": doc}, indent=2))
        return 0
    for plan, rows in sets.items():
        print(f"baseline of plan {plan!r}: {len(rows)} run(s)")
        for r in rows:
            p95 = "–" if r.p95 is None else f"{r.p95:.1f} ms"
            print(f"  {r.run_id}  {r.rps:.1f} req/s  p95 {p95}  errors {r.error_rate:.2%}")
    if any(len(rows) < 3 for rows in sets.values()):
        print("tip: 3 or more baseline runs give analyze a run-to-run band to judge against")
    return 0
