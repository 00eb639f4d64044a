"""`loadtui import k6|locust FILE...`: other tools' results → run folders like native runs.

The module is `import_` because `import` is a Python keyword; the sub-command is `import`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping

from loadtui.safe_text import clean

EPILOG = """\
examples:
  loadtui import k6 summary.json                     # handleSummary / legacy / v1.0.0 summary
  loadtui import k6 results.ndjson.gz --out runs/    # k6 run --out json=results.ndjson.gz
  loadtui import locust results_stats.csv            # finds results_stats_history.csv etc.
  loadtui import k6 a.json b.json --json             # {"runs": [{"run_id": ..., "path": ...}]}

k6: the end-of-test summary JSON in any of its three shapes (sniffed, not guessed from the
name), or the NDJSON of `k6 run --out json` aggregated into 1 s windows with HdrHistograms.
Locust: the files of `locust --csv PREFIX`; any one of them finds the others, and the same
prefix named twice is one run. Totals are the tool's own (request count, rate, every
percentile it printed, failure rate, threshold verdicts); each run is indexed in runs.db.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="read k6 or Locust results into run folders",
        description="Read k6 or Locust result files into run folders like native runs, so "
        "the TUI, history and baselines work on runs made by other tools.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("tool", choices=("k6", "locust"), help="which tool wrote the files")
    p.add_argument("files", nargs="+", metavar="FILE", help="result file(s); .gz ok for k6")
    p.add_argument("--out", default="runs", help="folder of run folders (default runs/)")
    p.add_argument(
        "--json", action="store_true", help="print the created runs as one JSON document"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from loadtui.store.history import verdict_of
    from loadtui.store.importers import read_runs, write_run

    imported = read_runs(args.tool, [Path(f) for f in args.files])  # all parsed before any write
    created = []
    for item in imported:
        record, run_dir = write_run(item, args.out)
        m = record.metrics
        created.append(
            {
                "run_id": record.run_id,
                "path": str(run_dir),
                "source": record.source,
                "files": [str(f) for f in item.files],
                "format": item.shape,
                "requests": m.get("http_reqs", {}).get("count"),
                "rps": m.get("http_reqs", {}).get("rate"),
                "p95_ms": m.get("http_req_duration", {}).get("p(95)"),
                "failure_rate": m.get("http_req_failed", {}).get("rate"),
                "windows": len(item.windows),
                "verdict": verdict_of(record),
            }
        )
    if args.json:
        json.dump({"runs": created}, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    for row in created:
        print(clean(f"{row['run_id']}  {row['format']} → {row['path']}"))  # names from files
        print("  " + _line(row))
    return 0


def _line(row: Mapping[str, object]) -> str:
    def num(value: object, fmt: str, unit: str = "") -> str:
        return f"{value:{fmt}}{unit}" if isinstance(value, int | float) else "n/a"

    return (
        f"{num(row['requests'], ',.0f')} requests, {num(row['rps'], '.1f', '/s')}, "
        f"p95 {num(row['p95_ms'], '.1f', ' ms')}, failed {num(row['failure_rate'], '.2%')}, "
        f"{row['windows']} windows, thresholds: {row['verdict']}"
    )
