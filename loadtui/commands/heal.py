"""`loadtui heal RUN --script FILE|--plan FILE`: the advice on a run as a patch to the plan or
k6 script that ran it, with a markdown summary for a pull-request comment.

The advice comes from `advise.choose.advise` (the LLM when configured, else the offline
advisor), on the same input `loadtui advise` builds. Suggestions at or above
`--min-confidence` go into the patch (each applied alone first: one that cannot apply to this
file is reported, not forced); `--apply` writes the file atomically with a `.bak`, and only
when the result parses. Exit status tells CI whether anything would change.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from loadtui.errors import UserError

EXIT_NOTHING = 0  # nothing at or above the confidence to change
EXIT_CHANGED = 3  # a patch was proposed (or, with --apply, written)

EPILOG = """examples:
  loadtui heal 20260102-090000-aa11 --plan loadtest/smoke.yaml --baseline auto
  loadtui heal runs/20260102-090000-aa11 --script load.js --min-confidence 0.9 --apply
  loadtui heal RUN --plan smoke.yaml --baseline B1 B2 B3 --markdown heal.md --offline

Prints the unified diff of the suggestions at or above --min-confidence, then a markdown
summary (verdict, each edit with reason, evidence and confidence, findings) for a PR comment;
--markdown FILE writes the summary there too. --apply writes those edits into the file
(FILE.bak keeps the old one) only if the result still parses. A regression or a broken test
is reported, never healed: thresholds are not loosened to hide it.

exit codes: 0 nothing to change, 3 changes proposed (or applied with --apply),
            2 bad input (no such run or file, a file that does not parse)
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "heal",
        help="turn a run's advice into a diff of its plan or k6 script (--apply writes it)",
        description="Ask the advisor about a run, then show the suggested threshold and stage "
        "edits as a unified diff of a loadtui plan (--plan) or a k6 script's options "
        "(--script), with a markdown summary; --apply writes the edits at or above "
        "--min-confidence.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("run", metavar="RUN", help="run folder or run id (see history)")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--script", metavar="FILE", help="k6 script whose options to edit")
    target.add_argument("--plan", metavar="FILE", help="loadtui plan YAML to edit")
    p.add_argument("--apply", action="store_true", help="write the edits (FILE.bak keeps the old)")
    p.add_argument(
        "--min-confidence",
        type=float,
        default=0.8,
        metavar="X",
        help="only suggestions at or above this confidence (0..1, default 0.8)",
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--offline", action="store_true", help="the statistical advisor only")
    mode.add_argument(
        "--llm", action="store_true", help="ask the LLM (OPENAI_API_KEY / OPENAI_BASE_URL)"
    )
    p.add_argument(
        "--baseline",
        nargs="+",
        metavar="RUN|auto",
        help="baseline run(s), or `auto` for the runs marked with `loadtui baseline` "
        "(default: the marked set when there is one)",
    )
    p.add_argument("--note", default="", help="context for the advisor: what changed")
    p.add_argument("--markdown", metavar="FILE", help="also write the markdown summary here")
    p.add_argument("--out", default="runs", help="folder of run folders and runs.db (runs/)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.set_defaults(func=run)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UserError(f"{path} not found: give the plan or k6 script the run used") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from exc


def _shown(path: Path) -> str:
    """The path in the diff header: relative to here when it is below (so `git apply` and
    `patch -p1` find it from the repository root), else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def run(args: argparse.Namespace) -> int:
    from loadtui.advise.choose import Mode, advise
    from loadtui.advise.context import build_input
    from loadtui.commands.run_refs import baseline_refs, load_ref
    from loadtui.contracts import StageAdjustment, StageRemoval, ThresholdChange
    from loadtui.patch.apply import apply_edits
    from loadtui.patch.diff import unified
    from loadtui.patch.errors import PatchError
    from loadtui.patch.kind import PatchKind
    from loadtui.patch.summary import EditOutcome, heal_markdown
    from loadtui.patch.write import write_atomic
    from loadtui.plan.yaml_io import loads_plan

    if not 0.0 <= args.min_confidence <= 1.0:
        raise UserError(f"--min-confidence {args.min_confidence:g} must be between 0 and 1")
    path = Path(args.script or args.plan)
    kind: PatchKind = "k6" if args.script else "plan"
    text = _read(path)
    plan = loads_plan(text, str(path)) if kind == "plan" else None
    if kind == "k6":  # before asking anyone: a script heal cannot edit is refused now
        from loadtui.patch.k6_options import check_script

        check_script(text, str(path))

    record, _windows, run_dir = load_ref(args.out, args.run)
    _source, refs = baseline_refs(args.out, args.baseline, record, run_dir)
    bases = [load_ref(args.out, ref) for ref in refs]
    if any(b[0].run_id == record.run_id for b in bases):
        raise UserError("a run cannot be its own baseline: leave it out of --baseline")
    inp = build_input(run_dir, [d for _r, _w, d in bases], plan=plan, note=args.note)
    mode: Mode = "offline" if args.offline else "llm" if args.llm else "auto"
    result = advise(inp, mode)

    outcomes: dict[str, EditOutcome] = {}
    chosen: list[ThresholdChange | StageAdjustment | StageRemoval] = []
    for edit in result.edits():
        if edit.confidence < args.min_confidence:
            outcomes[edit.id] = EditOutcome("below")
            continue
        try:  # together with the ones kept so far: conflicts are refused, not forced
            apply_edits(kind, text, [*chosen, edit], str(path))
        except PatchError as exc:
            outcomes[edit.id] = EditOutcome("refused", str(exc))
            continue
        chosen.append(edit)
        outcomes[edit.id] = EditOutcome("applied" if args.apply else "proposed")
    new_text = apply_edits(kind, text, chosen, str(path))
    patch = unified(text, new_text, _shown(path))
    changed = bool(patch)
    bak = write_atomic(path, new_text) if args.apply and changed else None
    summary = heal_markdown(
        result, outcomes, path=str(path), min_confidence=args.min_confidence, patch=patch
    )
    if args.markdown:
        try:
            Path(args.markdown).write_text(summary, encoding="utf-8")
        except OSError as exc:
            raise UserError(f"cannot write --markdown {args.markdown}: {exc.strerror}") from exc
    code = EXIT_CHANGED if changed else EXIT_NOTHING
    if args.json:
        doc = {
            "run_id": record.run_id,
            "file": str(path),
            "kind": kind,
            "changed": changed,
            "applied": bool(args.apply and changed),
            "exit_code": code,
            "edits": {k: {"status": v.status, "error": v.error} for k, v in outcomes.items()},
            "patch": patch,
            "markdown": summary,
            "suggestions": result.model_dump(mode="json"),
        }
        print(json.dumps(doc, indent=2))
        return code
    from loadtui.safe_text import clean_lines

    # to the terminal escaped (the advisor's reasons may be an LLM's words, the diff quotes
    # routes); --markdown and the healed file keep the exact text
    if patch:
        print(clean_lines(patch), end="")
        print()
    print(clean_lines(summary), end="")
    if bak is not None:
        print(clean_lines(f"\napplied {len(chosen)} edit(s) to {path} (the old file is {bak})"))
    return code
