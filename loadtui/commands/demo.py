"""`loadtui demo`: the demo target and the TUI on the shipped sample log, from any directory.

What `make demo` runs, and what a user who only did `pip install loadtui` can run: the sample
log ships inside the package (see loadtui.resources), so nothing depends on the current
directory. The target is a child process stopped when the TUI exits, however it exits.
"""

from __future__ import annotations

import argparse
import socket
import sys
from typing import TYPE_CHECKING

from loadtui.errors import UserError

if TYPE_CHECKING:
    from loadtui.target.process import TargetProcess

HOST = "127.0.0.1"
DEFAULT_PORT = 8080

EPILOG = """examples:
  loadtui demo                      # demo target on 127.0.0.1:8080, TUI on the sample log
  loadtui demo --port 9090 --theme light
  loadtui demo --peak-rps 1200 --duration 5m   # closer to the target's knee (≈ 1550 rps)

The TUI opens the guided wizard on the sample log (profile › plan › run › forecast › advise ›
export): n goes to the next step once this one is done, backspace goes back, ? lists every
key, q quits (and the wizard resumes where you were when started again in this folder). Its
first run is a 40 s stress test at 200 req/s. The demo target stops when the TUI exits.
If PORT is taken, the target listens on a free port instead (and says which): load is only
ever sent to the target this command started.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="start the demo target and open the TUI on the bundled sample log",
        description="Start the built-in demo shop on 127.0.0.1, open the TUI on the sample\n"
        "access log that ships with loadtui, and stop the shop when the TUI exits.\n"
        "Works from any directory.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port for the demo target (default {DEFAULT_PORT}; a free one if it is taken)",
    )
    # SUPPRESS: these names also exist before the sub-command (`loadtui --theme light demo`);
    # a default here would overwrite the value given there.
    p.add_argument(
        "--theme", default=argparse.SUPPRESS, help="TUI theme: dark, light, high-contrast"
    )
    p.add_argument(
        "--peak-rps",
        type=float,
        default=argparse.SUPPRESS,
        help="peak requests/s of runs from the TUI (default 200: lively, below the knee)",
    )
    p.add_argument(
        "--duration", default=argparse.SUPPRESS, help="length of runs from the TUI (default 40s)"
    )
    p.set_defaults(func=run)


def port_is_free(port: int, host: str = HOST) -> bool:
    """True when nothing listens on host:port (SO_REUSEADDR, as the target binds: a port in
    TIME_WAIT is free for it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def start_target(port: int) -> tuple[TargetProcess, str | None]:
    """(the running target, a note for the user when it is not on `port`).

    A busy port is never probed or reused: whatever owns it is not ours to load.
    """
    from loadtui.target.process import TargetError, TargetProcess

    if port != 0 and not port_is_free(port):
        proc = TargetProcess(port=0)
        return proc, f"port {port} on {HOST} is in use; the demo target listens on {proc.url}"
    try:
        return TargetProcess(port=port), None
    except TargetError:
        if port == 0 or port_is_free(port):
            raise
    # taken between the check and the bind
    proc = TargetProcess(port=0)
    return proc, f"port {port} on {HOST} is in use; the demo target listens on {proc.url}"


def tui_args(args: argparse.Namespace, target: str, note: str | None = None) -> argparse.Namespace:
    """What the TUI opens with: the packaged sample log, runs against `target` (the demo target
    this command started, never a server it found), the demo's peak unless --peak-rps."""
    from loadtui.resources import sample_log
    from loadtui.tui.launch import DEMO_DURATION, DEMO_PEAK_RPS

    peak = getattr(args, "peak_rps", None)
    return argparse.Namespace(
        theme=getattr(args, "theme", None),
        log=[str(sample_log())],
        model=None,
        target=target,
        peak_rps=DEMO_PEAK_RPS if peak is None else peak,
        peak_source="demo" if peak is None else "flag",
        duration=getattr(args, "duration", None) or DEMO_DURATION,
        duration_flag=getattr(args, "duration", None),  # the wizard's own default otherwise
        notice=note,
        wizard="demo",
    )


def run(args: argparse.Namespace) -> int:
    from loadtui.resources import sample_log
    from loadtui.target.process import TargetError
    from loadtui.tui.launch import check_theme, launch, plan_choice_from_args

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be 0..65535 (got {args.port})")
    log = sample_log()
    if not log.is_file():
        raise UserError(f"the sample log is missing ({log}); reinstall loadtui")
    # every argument is checked before anything starts: a typo should not cost a target start
    check_theme(getattr(args, "theme", None))
    plan_choice_from_args(tui_args(args, f"http://{HOST}:{args.port}"))
    try:
        proc, note = start_target(args.port)
    except TargetError as exc:
        raise UserError(str(exc)) from exc
    with proc:  # stops the target on any exit: q, Ctrl-C, an exception
        if note:
            # printed before the TUI takes the screen (visible again when it exits); the TUI
            # shows it too
            print(f"loadtui demo: {note}", file=sys.stderr)
        return launch(tui_args(args, proc.url, note))
