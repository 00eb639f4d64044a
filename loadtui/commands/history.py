"""`loadtui history`: the runs in the index (runs.db), newest first, native and imported."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from loadtui.errors import UserError

if TYPE_CHECKING:
    from rich.table import Table

    from loadtui.store.history import RunRow

EPILOG = """examples:
  loadtui history
  loadtui history --plan "checkout load" --limit 10
  loadtui history --json | jq '.runs[] | select(.baseline)'

columns: run id, state, thresholds verdict (pass/fail/none), req/s, p95 ms, error rate,
B = in its plan's baseline set (loadtui baseline), source (loadtui, k6, locust), plan.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "history",
        help="list runs from the run index, newest first",
        description="List the runs in OUT/runs.db (native and imported), newest first. "
        "--reindex first adds every run folder under OUT the index is missing.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--plan", help="only runs of this plan (its name)")
    p.add_argument("--limit", type=int, default=None, help="at most N runs")
    p.add_argument("--out", default="runs", help="folder of run folders and runs.db (runs/)")
    p.add_argument("--reindex", action="store_true", help="rebuild the index from the folders")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from loadtui.store.history import index_path, list_runs, reindex

    if args.limit is not None and args.limit < 1:
        raise UserError("--limit must be ≥ 1")
    if args.reindex:
        reindex(args.out)
    rows = list_runs(index_path(args.out), plan=args.plan, limit=args.limit)
    if args.json:
        print(json.dumps({"runs": [asdict(r) for r in rows]}, indent=2))
        return 0
    if not rows:
        where = f" of plan {args.plan!r}" if args.plan else ""
        print(f"no runs{where} in {index_path(args.out)} (loadtui run … --out {args.out})")
        return 0
    from rich.console import Console

    Console(highlight=False).print(history_table(rows))
    return 0


def history_table(rows: list[RunRow]) -> Table:
    """One line per run, readable at 80 columns; plan names (from users) as plain Text."""
    from rich.table import Table
    from rich.text import Text

    from loadtui.ingest.fields import printable_excerpt

    table = Table(box=None, pad_edge=False, show_edge=False, header_style="bold")
    for name, justify in (
        ("run", "left"),
        ("state", "left"),
        ("check", "left"),
        ("req/s", "right"),
        ("p95 ms", "right"),
        ("errors", "right"),
        ("B", "left"),
        ("src", "left"),
    ):
        table.add_column(name, no_wrap=True, justify=justify)  # type: ignore[arg-type]
    table.add_column("plan", no_wrap=True, overflow="ellipsis", max_width=24)
    for r in rows:
        table.add_row(
            Text(printable_excerpt(r.run_id, 40)),
            r.state,
            r.verdict,
            f"{r.rps:,.1f}",
            "–" if r.p95 is None else f"{r.p95:,.1f}",
            f"{r.error_rate:.2%}",
            "B" if r.baseline else "",
            r.source,
            Text(printable_excerpt(r.plan, 200)),
        )
    return table
