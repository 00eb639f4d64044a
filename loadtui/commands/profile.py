"""`loadtui profile`: access logs → traffic model (personas, arrivals) and a table to read."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from loadtui import durations
from loadtui.errors import UserError
from loadtui.safe_text import clean, json_text, markup_value

if TYPE_CHECKING:
    from collections.abc import Callable

    import polars as pl
    from rich.console import Console

    from loadtui.contracts import Persona, TrafficModel

EPILOG = """\
examples:
  loadtui profile access.log -o model.json
  loadtui profile access.log.1.gz access.log --k 4 --assignments sessions.csv
  loadtui profile app.jsonl --format jsonl --session-timeout 15m --json > model.json
"""

FORMATS = ("auto", "combined", "common", "nginx", "netnea", "jsonl", "csv", "har")
PROGRESS_ABOVE_BYTES = 4 * 1024 * 1024  # small files finish before a bar is worth drawing


def parse_duration(text: str) -> float:
    """`--session-timeout` text → seconds; a bad value is the user's to fix (exit 2)."""
    try:
        return durations.parse_duration(text)
    except ValueError:
        raise UserError(f"cannot read duration {text!r}; write it like 30m, 90s or 1h") from None


def parse_k(text: str) -> int | None:
    if text.strip().lower() == "auto":
        return None
    try:
        k = int(text)
    except ValueError:
        raise UserError(f"--k takes 'auto' or a number of personas, got {text!r}") from None
    if k < 1:
        raise UserError(f"--k must be at least 1, got {k}")
    return k


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "profile",
        help="turn access logs into a traffic model (personas, flows, arrivals)",
        description="Parse access logs, split them into sessions, flag bots, cluster sessions\n"
        "into personas and write a traffic model that `loadtui plan` turns into a load test.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("logs", nargs="+", metavar="LOG", help="access log(s); .gz is read as is")
    p.add_argument("-o", "--output", metavar="MODEL", help="write the traffic model JSON here")
    p.add_argument(
        "--k",
        default="auto",
        metavar="auto|N",
        help="number of personas, or auto (silhouette, 2..8)",
    )
    p.add_argument(
        "--algo",
        default="kmeans",
        choices=("kmeans", "dbscan", "agglomerative"),
        help="clustering algorithm (default kmeans)",
    )
    p.add_argument(
        "--assignments",
        metavar="CSV",
        help="write session, client, user_agent, persona, is_bot per session",
    )
    p.add_argument(
        "--session-timeout",
        default="30m",
        metavar="DURATION",
        help="idle gap that ends a session (default 30m)",
    )
    p.add_argument("--format", dest="fmt", default="auto", choices=FORMATS, help="log format")
    p.add_argument(
        "--static",
        default="group",
        choices=("group", "drop", "keep"),
        help="static assets: group into one route per kind, drop, or keep each file",
    )
    p.add_argument(
        "--include-bots",
        action="store_true",
        help="cluster bot sessions with everyone else instead of one bot_crawler persona",
    )
    p.add_argument("--json", action="store_true", help="print only the model JSON on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from loadtui.profile.pipeline import build_model, save_model

    timeout_s = parse_duration(args.session_timeout)
    if timeout_s <= 0:
        raise UserError("--session-timeout must be positive, e.g. 30m")
    k = parse_k(args.k)
    err = Console(stderr=True)
    show_progress = (
        not args.json and err.is_terminal and _total_size(args.logs) >= PROGRESS_ABOVE_BYTES
    )

    def build(
        progress: Callable[[int, int], None] | None = None,
    ) -> tuple[TrafficModel, pl.DataFrame]:
        return build_model(
            args.logs,
            fmt=args.fmt,
            session_timeout_s=timeout_s,
            k=k,
            algo=args.algo,
            static=args.static,
            include_bots=args.include_bots,
            progress=progress,
        )

    if show_progress:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        with Progress(
            TextColumn("reading logs"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("read", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total or None)

            model, assignments = build(progress)
    else:
        model, assignments = build()

    if args.output:
        save_model(model, args.output)
    if args.assignments:
        try:
            assignments.write_csv(args.assignments)
        except OSError as exc:
            raise UserError(f"cannot write assignments to {args.assignments}: {exc}") from exc
    if args.json:
        sys.stdout.write(json_text(model.model_dump_json(indent=2)) + "\n")  # paths, UAs
        return 0
    # piped output is read in files and CI logs: give the table room instead of 80 columns,
    # unless COLUMNS says how wide the reader is
    wide = sys.stdout.isatty() or os.environ.get("COLUMNS", "").isdigit()
    out = Console() if wide else Console(width=160)
    render(model, out)
    if args.output:
        out.print(f"model written to [bold]{_esc(args.output)}[/]")
    if args.assignments:
        out.print(f"assignments written to [bold]{_esc(args.assignments)}[/]")
    return 0


def _total_size(paths: list[str]) -> int:
    total = 0
    for p in paths:
        try:
            total += Path(p).stat().st_size
        except OSError:
            continue
    return total


def _esc(text: str) -> str:
    return markup_value(text)


def _seconds(value: float) -> str:
    if value < 1:
        return f"{value * 1000:.0f}ms"
    if value < 120:
        return f"{value:.1f}s"
    if value < 7200:
        return f"{value / 60:.1f}m"
    return f"{value / 3600:.1f}h"


def _top_routes(persona: Persona, n: int = 3) -> str:
    return "\n".join(
        f"{e.share * 100:4.0f}% {clean(e.method)} {clean(e.route)}"
        for e in persona.endpoint_mix[:n]
    )


# The persona table's columns: (key, header, header under COMPACT_BELOW columns). Priority is
# the order of PRIORITY: a narrow console drops columns from its end, never the name or share,
# and the routes column (the only one that shrinks, by ellipsis) takes what is left.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("persona", "persona", "persona"),
    ("share", "sess %", "share"),
    ("sessions", "sessions", "sess"),
    ("req_sess", "req/sess", "req/sess"),
    ("duration", "duration", "dur"),
    ("rate", "req/s", "req/s"),
    ("writes", "writes", "wr"),
    ("think", "think p50/p90", "think"),
    ("routes", "top routes", "top routes"),
    ("bot", "bot", "bot"),
)
PRIORITY: tuple[str, ...] = ("persona", "share", "routes", "req_sess", "think", "writes")
PRIORITY += ("sessions", "duration", "rate", "bot")
COMPACT_BELOW = 100  # columns: borderless table, short headers
MIN_ROUTES = 24  # a method and a short route still read at this width


def persona_cells(persona: Persona, *, compact: bool) -> dict[str, str]:
    """One table row as text per column key (cleaned plain text: the caller shows it as `Text`,
    never as markup)."""
    p = persona
    think = p.think_time_s
    sep = "/" if compact else " / "
    return {
        "persona": clean(p.name),
        "share": f"{p.share * 100:.1f}%",
        "sessions": f"{p.sessions:,}",
        "req_sess": f"{p.requests / p.sessions:.1f}" if p.sessions else "-",
        "duration": _seconds(p.session_duration_s.mean),
        "rate": f"{p.request_rate:.2f}",
        "writes": f"{p.write_ratio * 100:.0f}%",
        "think": f"{_seconds(think.p50)}{sep}{_seconds(think.p90)}" if think.n else "-",
        "routes": _top_routes(p),
        "bot": "bot" if p.is_bot else "",
    }


def fit_columns(rows: list[dict[str, str]], width: int, *, compact: bool) -> list[str]:
    """Column keys that fit `width` cells, in table order, taken by priority.

    Every column but the routes one is as wide as its widest cell. As rich draws them, each
    column costs two cells of padding and a divider; the wide table adds two edges, the compact
    one has neither edges nor padding at its ends (see `render`).
    """
    from rich.cells import cell_len

    headers = {key: short if compact else wide for key, wide, short in COLUMNS}

    def natural(key: str) -> int:
        cells = [headers[key]] + [line for row in rows for line in row[key].splitlines()]
        return max(cell_len(c) for c in cells)

    chosen: list[str] = []
    used = -3 if compact else 1  # what a table of no columns would cost; each adds 3
    for key in PRIORITY:
        need = (MIN_ROUTES if key == "routes" else natural(key)) + 3
        if key in ("persona", "share") or used + need <= width:
            chosen.append(key)
            used += need
    return [key for key, _, _ in COLUMNS if key in chosen]


def render(model: TrafficModel, console: Console) -> None:
    """The persona table a performance engineer reads first, plus where the numbers came from.

    Under COMPACT_BELOW columns the table loses its borders and long headers, and columns drop
    by priority, so at 80 columns every persona's name and share still read in full.
    """
    from rich import box
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    src = model.source
    span = ""
    if src.start and src.end:
        span = f" · {src.start:%Y-%m-%d %H:%M} → {src.end:%Y-%m-%d %H:%M} UTC"
    formats = ", ".join(sorted(set(src.formats.values())))
    console.print(
        f"[bold]source[/] {src.lines_total:,} lines ({src.lines_bad:,} bad) · "
        f"{src.requests:,} requests · {src.sessions:,} sessions ({src.bot_sessions:,} bots)"
        f"{escape(span)}" + (f" · {escape(formats)}" if formats else "")
    )
    compact = console.width < COMPACT_BELOW
    rows = [persona_cells(p, compact=compact) for p in model.personas]
    keys = fit_columns(rows, console.width, compact=compact)
    table = (
        Table(
            title="personas",
            title_justify="left",
            header_style="bold",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
        )
        if compact
        else Table(title="personas", title_justify="left", header_style="bold")
    )
    for key, wide, short in COLUMNS:
        if key not in keys:
            continue
        header = short if compact else wide
        if key == "routes":  # the one column that gives way: each route ellipsized, not wrapped
            table.add_column(header, no_wrap=False, overflow="ellipsis")
        elif key in ("persona", "bot"):
            table.add_column(header, no_wrap=True, justify="center" if key == "bot" else "left")
        else:
            table.add_column(header, justify="right", no_wrap=True)
    for row in rows:
        table.add_row(
            *(
                Text(row[key], no_wrap=True, overflow="ellipsis")
                if key == "routes"
                else Text(row[key])
                for key in keys
            )
        )
    console.print(table)
    c = model.clustering
    sil = f"{c.silhouette:.2f}" if c.silhouette is not None else "n/a"
    a = model.arrivals
    rt = f" · response p50 {src.response_ms_p50:.0f} ms" if src.response_ms_p50 is not None else ""
    console.print(
        f"[bold]clustering[/] {c.algo} k={c.k} silhouette {sil} · "
        f"[bold]arrivals[/] {a.mean_sessions_per_s:.3g} sessions/s mean, "
        f"peak ×{a.peak_factor:.1f}, burstiness {a.burstiness:.1f}{rt}"
    )
