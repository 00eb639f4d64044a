"""Benchmark: profile one million combined-format log lines end to end.

Generates the log with the synth generator into a temp dir (not timed), then times parse,
sessions, bots, features, clustering and personas, and reports peak RSS. Goal on a 2-core
machine: under 5 s and under 2 GB.

    .venv/bin/python bench/profile.py [--lines 1000000] [--keep DIR] [--write-readme]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
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


def _synth(path: Path, sessions: int, seed: int) -> None:
    """In a child process, so the generator's memory never counts in our peak RSS."""
    cmd = [sys.executable, "-m", "loadtui", "synth", "-o", str(path)]
    cmd += ["--sessions", str(sessions), "--days", "7", "--seed", str(seed)]
    cmd += ["--format", "combined", "--quiet"]
    done = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"synth failed ({done.returncode}): {done.stderr.strip()[-500:]}")


def generate(lines: int, workdir: Path, seed: int = 1) -> Path:
    """Exactly `lines` combined-format lines: size a synth run from a small probe, then cut."""
    probe = workdir / "probe.log"
    _synth(probe, 2000, seed)
    per_session = _count_lines(probe) / 2000
    probe.unlink()
    sessions = int(lines / per_session * 1.1) + 1
    full = workdir / "full.log"
    _synth(full, sessions, seed)
    out = workdir / "access.log"
    with full.open("rb") as src, out.open("wb") as dst:
        for i, line in enumerate(src):
            if i >= lines:
                break
            dst.write(line)
    full.unlink()
    got = _count_lines(out)
    if got < lines:
        raise SystemExit(f"synth produced only {got} lines for {sessions} sessions")
    return out


def run(log: Path) -> dict[str, object]:
    from loadtui.profile.pipeline import STAGES, build_model

    timings: dict[str, float] = {}
    start = time.perf_counter()
    model, assignments = build_model([log], timings=timings)
    total = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
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
