"""`loadtui export k6|locust|artillery PLAN -o FILE`: a plan as a script other tools run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from loadtui.errors import UserError
from loadtui.safe_text import clean

FORMATS = ("k6", "locust", "artillery")
EPILOG = """examples:
  loadtui export k6 plan.yaml -o load.js              # also writes load.data.json beside it
  loadtui export k6 plan.yaml -o load.js --llm        # idiomatic k6 by a model, checked
  k6 run -e BASE_URL=https://staging.example.com load.js
  loadtui export locust plan.yaml -o locustfile.py
  locust -f locustfile.py --headless --host https://staging.example.com
  loadtui export artillery plan.yaml -o load.yml
  artillery run load.yml

k6: one scenario and one named function per persona (ramping-arrival-rate for an open plan,
ramping-vus for a closed one), the plan's thresholds, think times drawn from each persona's
fitted distribution, the Markov walk over routes and observed parameter values from the data
file. Locust: one FastHttpUser per persona and a LoadTestShape following the stages.
Artillery (no Markov chains): each persona's journeys unrolled into weighted scenarios.
Text from the log (paths, parameter values, user agents) is written only as escaped data.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write a plan as a k6, Locust or Artillery script",
        description="Write a TestPlan as a script for k6, Locust or Artillery, so a team can "
        "commit it and run it with the tool it already has (k6-operator, a Locust cluster).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("format", choices=FORMATS, help="k6, locust or artillery")
    p.add_argument("plan", help="plan YAML from `loadtui plan`")
    p.add_argument("-o", "--out", required=True, help="script to write (.js, .py, .yml)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument(
        "--llm",
        action="store_true",
        help="k6 only: have the model (OPENAI_API_KEY / OPENAI_BASE_URL) rewrite the export as "
        "idiomatic k6; kept only if it parses and holds the plan's options, else the "
        "deterministic script is written",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="--llm: no diff on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loadtui.plan import load_plan

    out = Path(args.out)
    if not out.parent.exists():
        raise UserError(f"folder {out.parent} does not exist; create it or pick another -o")
    if out.is_dir():
        raise UserError(f"-o {out} is a folder; name the file to write, e.g. {out}/load.js")
    if getattr(args, "llm", False) and args.format != "k6":
        raise UserError(f"--llm rewrites k6 scripts only; drop --llm for {args.format}")
    plan = load_plan(args.plan)
    if not any(sc.steps for sc in plan.scenarios):
        raise UserError(f"{args.plan} has no scenario with steps; make one with `loadtui plan`")
    from loadtui.export.files import write_export

    written = write_export(args.format, plan, out, source=Path(args.plan).name)
    llm = None
    if getattr(args, "llm", False):
        from loadtui.commands.export_llm import improve_k6

        llm = improve_k6(plan, out, written[1] if len(written) > 1 else None)
    if args.json:
        doc = {"format": args.format, "files": [str(p) for p in written]}
        print(json.dumps(doc if llm is None else {**doc, "llm": llm.as_json()}))
    else:
        if llm is not None and not getattr(args, "quiet", False):
            for line in llm.diff.splitlines():  # model-written text: cleaned line by line
                print(clean(line))
        if llm is not None:
            print(clean(llm.note))
        personas = len(plan.scenarios)
        for path in written:
            print(f"wrote {path} ({path.stat().st_size:,} bytes)")
        source = Path(args.plan).name
        stages = len(plan.stages)
        print(f"{args.format}: {personas} persona(s), {stages} stage(s) from {clean(source)}")
    return 0
