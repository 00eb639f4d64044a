"""`loadtui synth`: a production-like shop access log with known personas, from a seed."""

from __future__ import annotations

import argparse
import errno
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from loadtui.errors import UserError

EPILOG = """\
examples:
  loadtui synth -o access.log
  loadtui synth -o sample_data/shop_access.log --truth sample_data/shop_truth.csv
  loadtui synth -o big.log.gz --sessions 60000 --days 7 --seed 1
  loadtui synth -o api.jsonl --mix api_consumer=3,casual_browser=1 --out-of-order
  loadtui synth -o - --sessions 50 | head            # - writes to stdout

formats (by --format, else by the file name: .jsonl/.ndjson, .csv, anything else nginx):
  nginx     combined + $request_time in seconds:  ... "referer" "user-agent" 0.012
  combined  Apache combined, no response time
  jsonl     one JSON object a line, nginx escape=json keys (remote_addr, request_uri, ...)
  csv       header timestamp,client,method,path,query,status,bytes,response_ms,user_agent,referrer

The truth CSV has one row per session: session, client, user_agent, persona, is_bot, start,
end, requests. Each (client, user_agent) pair belongs to exactly one persona: casual_browser,
power_user, api_consumer, bot_crawler, stealth_scraper (the last two are bots).
The same arguments give the same bytes.
"""

FORMAT_CHOICES = ("nginx", "combined", "jsonl", "csv")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "synth",
        help="generate a realistic shop access log with known personas",
        description="Generate an access log of the demo shop (the routes `loadtui target`\n"
        "serves) with ground-truth personas, diurnal arrivals and plausible latencies.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "-o", "--output", required=True, metavar="LOG", help="log to write (.gz ok; - for stdout)"
    )
    p.add_argument("--truth", metavar="CSV", help="write the true persona of every session here")
    p.add_argument("--sessions", type=int, default=3000, help="sessions (default 3000)")
    p.add_argument("--days", type=int, default=3, help="days the log spans (default 3)")
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument(
        "--format", dest="fmt", choices=FORMAT_CHOICES, default=None, help="default: nginx"
    )
    p.add_argument(
        "--start",
        default="2026-11-01",
        metavar="DATE",
        help="first day, UTC: 2026-11-01 or 2026-11-01T06:00 (default 2026-11-01)",
    )
    p.add_argument(
        "--out-of-order",
        action="store_true",
        help="order lines by completion, as Apache writes them (small steps back in time)",
    )
    p.add_argument(
        "--mix",
        metavar="NAME=W,...",
        help="persona weights, e.g. casual_browser=5,api_consumer=2 (others then 0)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing on success")
    p.set_defaults(func=run)


def parse_start(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"cannot read --start {text!r}; write it like 2026-11-01") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_mix(text: str | None) -> dict[str, float] | None:
    if text is None:
        return None
    from loadtui.synth.personas import BY_NAME

    mix: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, sep, weight = part.partition("=")
        name = name.strip()
        if name not in BY_NAME:
            raise UserError(f"--mix: unknown persona {name!r}; known: {', '.join(BY_NAME)}")
        try:
            mix[name] = float(weight) if sep else 1.0
        except ValueError:
            raise UserError(f"--mix: weight of {name} must be a number, got {weight!r}") from None
        if mix[name] < 0:
            raise UserError(f"--mix: weight of {name} must not be negative")
    if not mix or sum(mix.values()) <= 0:
        raise UserError("--mix needs at least one positive weight, e.g. casual_browser=1")
    return mix


def format_for(path: Path, fmt: str | None) -> str:
    if fmt is not None:
        return fmt
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    last = suffixes[-1] if suffixes else ""
    return {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}.get(last, "nginx")


def _broken_pipe(exc: OSError) -> bool:
    # polars reports a closed pipe as a plain OSError with the OS message, not EPIPE
    return isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE or "os error 32" in str(exc)


def run(args: argparse.Namespace) -> int:
    if args.sessions < 1:
        raise UserError(f"--sessions must be at least 1, got {args.sessions}")
    if not 1 <= args.days <= 366:
        raise UserError(f"--days must be between 1 and 366, got {args.days}")
    start = parse_start(args.start)
    mix = parse_mix(args.mix)
    to_stdout = args.output == "-"
    out = Path(args.output)
    truth_path = Path(args.truth) if args.truth else None
    for path in (None if to_stdout else out, truth_path):
        if path is not None and path.is_dir():
            raise UserError(f"{path} is a folder; give a file name")
        if path is not None and not path.parent.exists():
            raise UserError(f"folder {path.parent} does not exist; create it first")
    fmt = format_for(out, args.fmt)

    from loadtui.synth.generator import AddressSpaceFull, generate
    from loadtui.synth.writer import write_log, write_stream, write_truth

    began = time.perf_counter()
    try:
        log = generate(
            sessions=args.sessions,
            days=args.days,
            seed=args.seed,
            start=start,
            out_of_order=args.out_of_order,
            mix=mix,
        )
    except AddressSpaceFull as exc:
        raise UserError(f"--sessions {args.sessions} over --days {args.days}: {exc}") from None
    try:
        if to_stdout:
            lines = write_stream(log.rows, sys.stdout.buffer, fmt)
            sys.stdout.flush()
        else:
            lines = write_log(log.rows, out, fmt)
        if truth_path is not None:
            write_truth(log.truth, truth_path)
    except OSError as exc:
        if to_stdout and _broken_pipe(exc):
            # `| head` closed the pipe: the reader has what it wanted; keep exit quiet too
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        raise UserError(f"cannot write {exc.filename or out}: {exc.strerror or exc}") from None
    took = time.perf_counter() - began
    if not args.quiet and not to_stdout:
        counts = log.truth["persona"].value_counts(sort=True).rows()
        mix_text = ", ".join(f"{name} {n:,}" for name, n in counts)
        print(
            f"wrote {lines:,} requests in {log.truth.height:,} sessions to {out} "
            f"({fmt}, {took:.1f} s, {lines / max(took, 1e-9):,.0f} lines/s)\n  {mix_text}"
            + (f"\n  truth: {truth_path}" if truth_path else ""),
            file=sys.stderr,
        )
    return 0
