"""`loadtui ci init`: a GitHub Actions workflow with the smoke / load / stress tiers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from loadtui.errors import UserError

if TYPE_CHECKING:
    from loadtui.contracts import TestPlan

EPILOG = """examples:
  loadtui ci init                                  # .github/workflows/loadtui.yml here
  loadtui ci init --dir ../shop --model model.json # and loadtest/{smoke,load,stress}.yaml
  loadtui ci init --force                          # replace an existing workflow

The workflow runs a 30 s smoke plan on every pull request and judges it with `loadtui analyze`
against the baseline runs committed in loadtest/baseline/ (run the smoke plan three times with
--out loadtest/baseline and commit the folders), the load plan nightly and the stress plan
weekly. The system under test is the repository variable LOADTUI_TARGET. A failed threshold or
a regression exits 99 and fails the job; run folders are uploaded as artifacts.
"""
PLANS = (("smoke", "30s"), ("load", None), ("stress", None))


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ci",
        help="write a GitHub Actions workflow that runs loadtui (smoke, load, stress)",
        description="Continuous-integration set-up for loadtui.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="write .github/workflows/loadtui.yml",
        description="Write .github/workflows/loadtui.yml (and, with --model, the three plans "
        "it runs) into a repository.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    init.add_argument("--dir", default=".", help="repository root (default: here)")
    init.add_argument("--force", action="store_true", help="replace files that exist")
    init.add_argument(
        "--model", default=None, help="traffic model JSON: also write loadtest/*.yaml from it"
    )
    init.add_argument("--json", action="store_true", help="print one JSON document")
    init.set_defaults(func=run)


def _refuse(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise UserError(f"{path} exists; pass --force to replace it")


def run(args: argparse.Namespace) -> int:
    from loadtui.export.ci import WORKFLOW_PATH, CiLayout, workflow_text

    root = Path(args.dir)
    if not root.is_dir():
        raise UserError(f"--dir {root} is not a folder; point it at the repository root")
    layout = CiLayout()
    target = root / WORKFLOW_PATH
    _refuse(target, args.force)
    written: list[Path] = []
    plans: list[tuple[Path, TestPlan]] = []
    if args.model is not None:
        from loadtui.plan.build import build_plan
        from loadtui.profile.pipeline import load_model

        model = load_model(args.model)
        for kind, duration in PLANS:
            path = root / layout.folder / f"{kind}.yaml"
            _refuse(path, args.force)
            plans.append(
                (path, build_plan(model, type=kind, duration=duration, source_model=args.model))
            )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(workflow_text(layout), encoding="utf-8")
    written.append(target)
    if plans:
        from loadtui.plan.yaml_io import save_plan

        (root / layout.folder).mkdir(exist_ok=True)
        for path, plan in plans:
            save_plan(plan, path)
            written.append(path)
    if args.json:
        print(json.dumps({"files": [str(p) for p in written]}))
        return 0
    for path in written:
        print(f"wrote {path}")
    if not plans:
        print(
            f"next: loadtui plan MODEL -o {layout.folder}/smoke.yaml --type smoke --duration 30s"
            f" (and load.yaml, stress.yaml), or run ci init again with --model MODEL"
        )
    print(
        f"then: commit 3 smoke runs as the baseline (loadtui run {layout.folder}/smoke.yaml "
        f"--headless --out {layout.baseline}) and set the LOADTUI_TARGET variable"
    )
    return 0
