"""`loadtui run`: execute a plan (or one URL, like hey/oha) with the native engine.

Exit codes follow k6: 0 when every threshold holds, 99 when one fails (also after an
abortOnFail abort), 1 when the run itself failed (a worker died, the engine broke), 2 for user
errors, 130 when interrupted with Ctrl-C (the run folder is still complete up to that moment).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from loadtui.errors import UserError
from loadtui.safe_text import clean, clean_lines

if TYPE_CHECKING:
    from rich.text import Text

    from loadtui.contracts import RunOptions, RunRecord, TestPlan
    from loadtui.live import WindowDone

EPILOG = """examples:
  loadtui run plan.yaml --target http://127.0.0.1:8080
  loadtui run plan.yaml --workers 2 --out runs/ --headless
  loadtui run plan.yaml --engine locust --workers 2 --headless   (pip install 'loadtui[locust]')
  loadtui run --url http://127.0.0.1:8080/health --rate 200 --duration 30s
  loadtui run --url http://127.0.0.1:8080/products/7 --vus 20 --duration 10s

exit codes: 0 thresholds hold, 99 a threshold failed, 1 run error, 2 bad input, 130 Ctrl-C
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "run",
        help="run a load test plan (or one URL) and store the results",
        description="Run a TestPlan with loadtui's multi-process engine, or hit one URL at a "
        "fixed rate (--rate, open model) or with N looping users (--vus, closed model). "
        "Results go to OUT/<run-id>/ (plan.yaml, windows.ndjson, summary.json).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("plan", nargs="?", help="plan YAML from `loadtui plan`")
    p.add_argument("--target", help="base URL to test (overrides the plan's target)")
    p.add_argument("--out", default="runs", help="folder for run folders (default: runs/)")
    p.add_argument(
        "--headless",
        action="store_true",
        help="no TUI, a progress line only (also when piped or CI is set); on a terminal "
        "the TUI opens on the Run pane with this plan",
    )
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: cores)")
    p.add_argument("--transport", default="auto", choices=("auto", "aiohttp", "fast"))
    p.add_argument("--engine", default="native", choices=("native", "locust"))
    p.add_argument("--url", help="one URL to load, no plan (like hey/oha)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--vus", type=int, help="with --url: N virtual users looping (closed)")
    mode.add_argument("--rate", type=float, help="with --url: N requests/s, fixed (open)")
    p.add_argument("--duration", default=None, help="with --url: how long (default 10s)")
    p.add_argument("--method", default="GET", help="with --url: HTTP method (default GET)")
    p.add_argument(
        "--connections",
        type=int,
        default=None,
        help="connection pool over all workers (default: one per VU with --vus; as many as "
        "needed up to max_in_flight with --rate; a small N gives wrk2-style fixed connections)",
    )
    p.add_argument("--seed", type=int, default=None, help="seed for arrivals and choices")
    p.add_argument("--interval", type=float, default=1.0, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def load_plan_file(path: Path) -> TestPlan:
    """Read a plan YAML into a TestPlan; every problem is a UserError naming the field."""
    from loadtui.plan import load_plan

    return load_plan(path)


def build_plan(args: argparse.Namespace) -> tuple[TestPlan, Path | None]:
    from loadtui.engine.url_plan import build_url_plan

    if args.url and args.plan:
        raise UserError("give either a PLAN file or --url, not both")
    if args.url:
        return (
            build_url_plan(
                args.url,
                rate=args.rate,
                vus=args.vus,
                duration=args.duration or "10s",
                method=args.method,
                connections=args.connections,
            ),
            None,
        )
    if not args.plan:
        raise UserError("nothing to run: give a PLAN file or --url URL (see loadtui run --help)")
    if args.vus is not None or args.rate is not None or args.duration is not None:
        raise UserError("--vus/--rate/--duration go with --url; edit the plan's stages instead")
    path = Path(args.plan)
    plan = load_plan_file(path)
    updates: dict[str, Any] = {}
    if args.target:
        updates["target"] = args.target
    if args.connections is not None:
        updates["limits"] = plan.limits.model_copy(update={"max_connections": args.connections})
    return (plan.model_copy(update=updates) if updates else plan), path


def wants_tui(args: argparse.Namespace) -> bool:
    """The TUI on a terminal; `--headless`, a pipe or `CI` in the environment give text."""
    return (
        not args.headless
        and not os.environ.get("CI")
        and sys.stdin.isatty()
        and sys.stdout.isatty()
    )


def run_options(args: argparse.Namespace) -> RunOptions:
    from loadtui.contracts import RunOptions

    if args.workers is not None and args.workers < 1:
        raise UserError("--workers must be ≥ 1")
    if args.interval <= 0:
        raise UserError("--interval must be > 0")
    return RunOptions(
        out_dir=Path(args.out),
        workers=args.workers,
        transport=args.transport,
        interval_s=args.interval,
        seed=args.seed,
        engine=args.engine,
    )


def run(args: argparse.Namespace) -> int:
    if args.engine == "locust" and args.url:
        raise UserError("--engine locust runs plans; drop --url or use --engine native")
    options = run_options(args)
    plan, source = build_plan(args)
    if wants_tui(args):
        from loadtui.target.reach import check_reachable
        from loadtui.tui.launch import launch_plan

        check_reachable(plan.target, plan.limits.connect_timeout_s)
        return launch_plan(plan, options, source=source, theme=getattr(args, "theme", None))
    return run_headless(plan, options, source)


def run_headless(plan: TestPlan, options: RunOptions, source: Path | None) -> int:
    """A progress line on a terminal (stderr), nothing while piped, the summary on stdout."""
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    from loadtui.live import LiveRun, RunFinished, WindowDone, exit_code

    live = LiveRun(plan, options, plan_source=source)
    live.start()  # a UserError here (exit 2) leaves no run folder behind
    console = Console(stderr=True, highlight=False)
    finished: RunFinished | None = None

    def on_sigint(_sig: int, _frame: FrameType | None) -> None:
        live.stop()  # a second Ctrl-C gives up the grace period

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        with (
            Live(
                Text("starting workers…"),
                console=console,
                refresh_per_second=4,
                transient=False,
            )
            if console.is_terminal
            else contextlib.nullcontext() as progress
        ):
            for update in live.updates():
                if isinstance(update, WindowDone) and progress is not None:
                    progress.update(
                        progress_line(update, live.plan, live.schedule_s, console.width)
                    )
                elif isinstance(update, RunFinished):
                    finished = update
    finally:
        signal.signal(signal.SIGINT, previous)
    record = finished.record if finished is not None else None
    if record is None or finished is None or finished.run_dir is None:
        reason = finished.error if finished is not None else "no record"
        print(f"loadtui: run failed: {clean_lines(reason)}", file=sys.stderr)
        return 1
    if finished.error:
        print(f"loadtui: run failed: {clean_lines(finished.error)}", file=sys.stderr)
    Console(highlight=False).print(summary_text(record, finished.run_dir), soft_wrap=True)
    return exit_code(record)


def _ms(v: float) -> str:
    """k6's end-of-summary style: `avg=1.23ms` (no space, unlike the TUI's columns)."""
    return f"{v:.0f}ms" if v >= 100 else f"{v:.2f}ms" if v < 10 else f"{v:.1f}ms"


def data_size(num_bytes: float) -> str:
    """Bytes in k6's units (decimal, like go-humanize): `995 B`, `1.2 kB`, `120 kB`, `3.4 GB`."""
    value = float(num_bytes)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 999.5 or unit == "TB":  # 999.7 kB would print as "1000 kB"
            break
        value /= 1000
    if unit == "B":
        return f"{value:.0f} B"
    return f"{value:.1f} {unit}" if abs(value) < 10 else f"{value:.0f} {unit}"


# A part of the progress line is its forms, widest first, each with the priority at which it
# gives way: while the line is too wide, the shown form with the highest number is replaced by
# the part's next form (or the part goes, after its last). Forms at 0 always stay.
LineForm = tuple[int, "Text"]  # quoted: rich is imported only when a run starts
PROGRESS_SEP = " · "


def fit_line(parts: list[list[LineForm]], width: int) -> Text:
    """Join `parts` with ` · ` into one line of at most `width` cells where it can be done."""
    from rich.text import Text

    chosen = [0] * len(parts)  # index into each part's forms; len(forms) means dropped

    def line() -> Text:
        shown = [forms[i][1] for forms, i in zip(parts, chosen, strict=True) if i < len(forms)]
        return Text(PROGRESS_SEP).join(shown)

    while line().cell_len > width:
        waiting = [
            (forms[i][0], k)
            for k, (forms, i) in enumerate(zip(parts, chosen, strict=True))
            if i < len(forms) and forms[i][0] > 0
        ]
        if not waiting:
            break
        _, k = max(waiting)  # the least important form; the later part on a tie
        chosen[k] += 1
    return line()


def progress_line(update: WindowDone, plan: TestPlan, total_s: float, width: int = 160) -> Text:
    """One line for a terminal `width` cells wide (rich would wrap a longer one, and a live
    display that wraps scrolls): clock, rate and errors always, then p95, the stage, verdicts."""
    from rich.text import Text

    from loadtui.tui.display import clock

    w = update.window
    err_rate = w.errors / w.requests if w.requests else 0.0
    stage = f"stage {w.stage + 1}/{len(plan.stages)}"
    named = f"{stage} {w.stage_name}" if w.stage_name else stage
    rate = Text(f"{w.rps:,.0f} rps", "cyan")
    p50, p95 = f"p50 {_ms(w.latency.p50)}", f"p95 {_ms(w.latency.p95)}"
    p99 = f"p99 {_ms(w.latency.p99)}"
    passed = sum(v.ok for v in update.verdicts)
    failed = len(update.verdicts) - passed
    counts = Text(f"✓{passed}" if passed else "", "green")
    if failed:
        counts.append(f"{' ' if passed else ''}✗{failed}", "bold red")
    verdicts = Text(" ").join(
        Text.assemble(("✓ " if v.ok else "✗ ", "green" if v.ok else "bold red"), v.expression)
        for v in update.verdicts
    )
    parts: list[list[LineForm]] = [
        [(2, Text(f"{clock(w.t)}/{clock(total_s)}", "bold")), (0, Text(clock(w.t), "bold"))],
        [(6, Text(clean(named))), (4, Text(stage)), (3, Text(f"{w.stage + 1}/{len(plan.stages)}"))],
        [(5, rate + f" (target {w.target_rate:,.0f})"), (0, rate)],
        [(6, Text(f"{p50} {p95} {p99}")), (4, Text(f"{p95} {p99}")), (1, Text(p95))],
        [(0, Text(f"err {err_rate:.1%}", style="red" if err_rate > 0 else "green"))],
        [(5, Text(f"active {w.active}"))],
    ]
    if w.generator_saturated:
        parts.append([(4, Text("generator saturated", "yellow")), (1, Text("saturated", "yellow"))])
    if update.verdicts:
        parts.append([(7, verdicts), (2, counts)])
    return fit_line(parts, width)


def summary_text(record: RunRecord, run_dir: Path) -> str:
    """k6's end-of-test summary, in its dotted layout (rich markup; plain when piped)."""
    from loadtui.safe_text import markup_value

    m = record.metrics
    rows: list[tuple[str, str]] = []

    def trend(name: str) -> None:
        t = m.get(name)
        if t:
            rows.append(
                (
                    name,
                    " ".join(
                        f"{k}={_ms(t[k])}"
                        for k in ("avg", "min", "med", "max", "p(90)", "p(95)", "p(99)")
                    ),
                )
            )

    failed = m.get("http_req_failed", {})
    reqs = m.get("http_reqs", {})
    trend("http_req_duration")
    trend("http_req_service")
    if failed:
        fails = int(failed.get("passes", 0))
        total = int(reqs.get("count", 0))
        rows.append(("http_req_failed", f"{failed.get('rate', 0):.2%}  {fails} of {total}"))
    if reqs:
        planned = reqs.get("planned_rate")
        rows.append(
            (
                "http_reqs",
                f"{int(reqs['count'])}  {reqs['rate']:.1f}/s"
                + ("" if planned is None else f" (planned {planned:.1f}/s)"),
            )
        )
    for name in ("iterations", "data_received", "dropped_iterations"):
        if name in m and m[name].get("count", 0) > 0:
            count, per_s = m[name]["count"], m[name]["rate"]
            if name == "data_received":  # k6: `data_received..: 1.2 MB 120 kB/s`
                rows.append((name, f"{data_size(count)}  {data_size(per_s)}/s"))
            else:
                rows.append((name, f"{int(count)}  {per_s:.1f}/s"))
    if "vus_max" in m:
        rows.append(
            (
                "vus_max" if record.workload == "closed" else "sessions_max",
                f"{int(m['vus_max']['value'])}",
            )
        )
    lines = [""]
    if record.thresholds:
        lines.append("  [bold]thresholds[/bold]")
        for v in record.thresholds:
            mark = "[green]✓[/green]" if v.ok else "[bold red]✗[/bold red]"
            value = "" if v.value is None else f" (value {v.value:.4g})"
            lines.append(
                f"    {mark} {markup_value(v.metric)}: {markup_value(v.expression)}{value}"
            )
        lines.append("")
    width = max((len(n) for n, _ in rows), default=20) + 3
    for name, value in rows:
        lines.append(f"    {name} {'.' * (width - len(name))}: {value}")
    lines.append("")
    errors = ", ".join(f"{k} {v}" for k, v in sorted(record.errors_by_class.items()))
    if errors:
        lines.append(f"    errors: {errors}")
    if record.breaking_point is not None:  # a breakpoint test: what it found, on one line
        lines.append(
            f"    [bold]breaking point[/bold]: {markup_value(record.breaking_point.reason)}"
        )
    state_style = "green" if record.state == "complete" else "yellow"
    lines.append(
        f"    run [{state_style}]{record.state}[/{state_style}] in {record.duration_s:.1f}s, "
        f"{record.workers} worker(s), {record.transport} → {markup_value(str(run_dir))}"
    )
    for note in record.notes:
        lines.append(f"    note: {markup_value(note)}")
    return "\n".join(lines)
