"""Benchmark: profile one million combined-format log lines end to end.

Generates the log in this process with `loadtui.synth` into a temp dir (not timed), then
times parse, sessions, bots, features, clustering and personas, and reports the peak RSS of
that part alone. Goal on a 2-core machine: under 5 s and under 2 GB.

    .venv/bin/python bench/profile.py [--lines 1000000] [--keep DIR] [--write-readme]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import gc
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

README = Path(__file__).with_name("README.md")
SECTION_START = "<!-- profile-bench:start -->"
SECTION_END = "<!-- profile-bench:end -->"


def _count_lines(path: Path) -> int:
    with path.open("rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))


PROBE_SESSIONS = 2000
DAYS = 7


def generate(lines: int, workdir: Path, seed: int = 1) -> Path:
    """Exactly `lines` combined-format lines: size a synth log from a small probe, then cut.

    The log is in time order, so its first `lines` rows are the first `lines` lines of the
    whole log, as `loadtui synth --days 7 --format combined | head` would write them.
    """
    from loadtui.synth import generate as synth
    from loadtui.synth import write_log

    per_session = synth(PROBE_SESSIONS, days=DAYS, seed=seed).rows.height / PROBE_SESSIONS
    sessions = int(lines / per_session * 1.1) + 1
    rows = synth(sessions, days=DAYS, seed=seed).rows
    if rows.height < lines:
        raise SystemExit(f"synth produced only {rows.height} lines for {sessions} sessions")
    out = workdir / "access.log"
    write_log(rows.head(lines), out, "combined")
    return out


def _status_kb(field: str) -> float | None:
    """A memory figure of this process from /proc (Linux), in KiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def forget_peak() -> bool:
    """Hand freed memory back to the OS and restart the peak-RSS count (Linux 4.0+), so the
    generator that ran in this process does not count in the benchmark's peak."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # glibc only
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def run(log: Path) -> dict[str, object]:
    from loadtui.profile.pipeline import STAGES, build_model

    peak_reset = forget_peak()
    before_kb = _status_kb("VmRSS")

    timings: dict[str, float] = {}
    start = time.perf_counter()
    model, assignments = build_model([log], timings=timings)
    total = time.perf_counter() - start
    hwm_kb = _status_kb("VmHWM")
    if hwm_kb is None:
        hwm_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # Linux: KiB
    peak_mb = hwm_kb / 1024
    load = os.getloadavg()[0]
    return {
        "lines": model.source.lines_total,
        "requests": model.source.requests,
        "sessions": model.source.sessions,
        "bot_sessions": model.source.bot_sessions,
        "personas": [p.name for p in model.personas],
        "k": model.clustering.k,
        "stages_s": {s: round(timings.get(s, 0.0), 3) for s in STAGES},
        "total_s": round(total, 3),
        "peak_rss_mb": round(peak_mb, 1),
        "rss_before_mb": round(before_kb / 1024, 1) if before_kb is not None else None,
        "peak_counts_generator": not peak_reset,
        "load_average_1m": round(load, 2),
        "assignments": assignments.height,
    }


def _table(result: dict[str, object], command: str) -> str:
    stages = result["stages_s"]
    assert isinstance(stages, dict)
    rows = "\n".join(f"| {name} | {secs:.2f} |" for name, secs in stages.items())
    return (
        f"{SECTION_START}\n"
        f"Last run: {time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {result['load_average_1m']} at the end "
        f"(other helpers' suites share the box), `{command}`\n\n"
        f"{result['lines']:,} lines → {result['sessions']:,} sessions "
        f"({result['bot_sessions']:,} bots), k={result['k']}\n\n"
        "| stage | seconds |\n|---|---|\n"
        f"{rows}\n| **total** | **{result['total_s']:.2f}** |\n\n"
        f"Peak RSS: {result['peak_rss_mb']:,.0f} MB\n"
        f"{SECTION_END}"
    )


def write_readme(result: dict[str, object], command: str) -> None:
    block = _table(result, command)
    text = README.read_text() if README.exists() else "# Benchmarks\n"
    if SECTION_START in text and SECTION_END in text:
        head, rest = text.split(SECTION_START, 1)
        _, tail = rest.split(SECTION_END, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n## Profile\n\n" + block + "\n"
    README.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="reuse/keep the generated log in this dir")
    parser.add_argument("--write-readme", action="store_true", help="update bench/README.md")
    args = parser.parse_args()
    command = "python bench/profile.py" + (" --write-readme" if args.write_readme else "")
    if args.lines != 1_000_000:
        command += f" --lines {args.lines}"
    with tempfile.TemporaryDirectory(prefix="loadtui-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        log = workdir / "access.log"
        if not (args.keep and log.exists() and _count_lines(log) == args.lines):
            print(f"generating {args.lines:,} lines (not timed)…", file=sys.stderr)
            log = generate(args.lines, workdir)
        result = run(log)
    print(json.dumps(result, indent=2))
    if args.write_readme:
        write_readme(result, command)
    return 0


if __name__ == "__main__":
    sys.exit(main())
