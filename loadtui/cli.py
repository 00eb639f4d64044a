"""Command-line entry point: argparse sub-commands, the TUI when none is given.

Each sub-command lives in `loadtui/commands/<name>.py` with `register(subparsers)`; heavy imports
(polars, scikit-learn, the engine) happen inside the command so `loadtui --help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from loadtui import __version__
from loadtui.errors import UserError
from loadtui.safe_text import clean_lines

# Order is the order of the work, then the demo; this is also the order in `loadtui --help`.
COMMANDS = (
    "synth",
    "profile",
    "plan",
    "run",
    "analyze",
    "advise",
    "heal",
    "forecast",
    "baseline",
    "history",
    "target",
    "validate",
    "import_",
    "export",
    "ci",
    "demo",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loadtui",
        description="Turn production access logs into realistic load tests, run them, "
        "and see where the system breaks.",
        epilog="Run with no sub-command to open the TUI. Examples: loadtui --log access.log; "
        "loadtui demo (the demo target and the TUI on the bundled sample log)",
    )
    parser.add_argument("--version", action="version", version=f"loadtui {__version__}")
    parser.add_argument("--theme", default=None, help="TUI theme: dark, light, high-contrast")
    parser.add_argument("--log", nargs="*", default=None, help="access log(s) to open in the TUI")
    parser.add_argument("--model", default=None, help="traffic model JSON to open in the TUI")
    parser.add_argument(
        "--target",
        default=None,
        help="base URL for runs from the TUI (default: the built-in demo target, started for you)",
    )
    parser.add_argument(
        "--peak-rps",
        type=float,
        default=None,
        help="peak requests/s of runs from the TUI (default: the log's own peak; 300 on the demo)",
    )
    parser.add_argument("--duration", default=None, help="length of runs from the TUI, e.g. 2m")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"loadtui.commands.{name}").register(sub)
    return parser


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """`parser.parse_args`, except that an unknown flag after a sub-command is reported with
    that sub-command's usage (`usage: loadtui run ...`), not the top level's, and exits 2.

    argparse hands a sub-parser's leftovers back to the top-level parser, which would print its
    own usage and leave the user looking for `--bogus` in the wrong list of options.
    """
    args, extra = parser.parse_known_args(argv)
    if extra:
        command = getattr(args, "command", None)
        subparsers = next(
            (a for a in parser._actions if isinstance(a, argparse._SubParsersAction)), None
        )
        owner = subparsers.choices.get(command, parser) if subparsers and command else parser
        owner.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parse_args(parser, argv)
    try:
        if args.command is None:
            from loadtui.tui.launch import launch

            return launch(args)
        code: int = args.func(args)
        return code
    except UserError as exc:
        print(f"loadtui: error: {clean_lines(exc)}", file=sys.stderr)  # may quote a log path
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
