"""Benchmark: the load engine against wrk and Locust, all on 127.0.0.1, one table from one run.

Starts nginx (own config in a temp dir: loopback only, one worker, no access log, a fixed small
body on `/`) and, when it is in the tree, the demo target; installs wrk (apt) and Locust (pip,
into this venv) if they are missing; then measures, against the same nginx:

  max throughput     wrk -t1 -c64; loadtui fast (real Runner, `--url`-style closed plan, 64 VUs,
                     no think time) with 1 and 2 workers; Locust FastHttpUser with 1 and 2
                     processes; loadtui aiohttp with 1 and 2 workers
  open-model rate    loadtui fast at 25/50/75 % of its measured max: achieved vs planned
  TUI attached       the real Textual app (LoadtuiApp, Run pane on screen at 80×24, its own 4 Hz
                     windows, every frame rendered to escape codes for a null terminal) vs the
                     headless 1 Hz consumer, same closed max plan and workers, alternated 3×
                     (off/on, on/off, off/on), medians; bench-process CPU per second of each
  latency            p50/p99 at a fixed 2,000 req/s (loadtui open model, Locust
                     constant_throughput) and wrk's own at full speed
  memory             worker RSS every 5 s over a soak at 50 % of max (default 10 min)

Every process started here is stopped (process groups, try/finally). Only 127.0.0.1 traffic.

    .venv/bin/python bench/engine.py [--quick] [--duration 10] [--soak-seconds 600]
                                     [--write-readme] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

README = Path(__file__).with_name("README.md")
RESULTS_START = "<!-- engine-bench:results:start -->"
RESULTS_END = "<!-- engine-bench:results:end -->"
VUS = 64
FIXED_RATE = 2000.0
NGINX_BODY = "hello from nginx, a fixed small body for the engine benchmark\n"


# -- processes -------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


def stop_group(proc: subprocess.Popen[Any], timeout: float = 10.0) -> None:
    """SIGTERM the process group started with start_new_session, then SIGKILL it."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


def ensure_tools() -> None:
    """nginx and wrk from Debian, Locust from PyPI into this venv, only when missing."""
    missing = [p for p, b in (("nginx-light", "nginx"), ("wrk", "wrk")) if not _which(b)]
    if missing:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        print(f"installing {' '.join(missing)} (apt)...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *missing], check=True, env=env)
    if not (Path(sys.executable).parent / "locust").exists():
        print("installing locust (pip, into this venv)...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "locust"], check=True)


def _which(name: str) -> str | None:
    return shutil.which(name) or next(
        (str(p) for d in ("/usr/sbin", "/sbin") if (p := Path(d) / name).exists()), None
    )


@contextlib.contextmanager
def nginx(tmp: Path) -> Iterator[str]:
    port = free_port()
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / d).mkdir(parents=True, exist_ok=True)
    conf = tmp / "nginx.conf"
    conf.write_text(
        textwrap.dedent(f"""\
        worker_processes 1;
        daemon off;
        pid {tmp}/nginx.pid;
        error_log {tmp}/error.log warn;
        events {{ worker_connections 4096; }}
        http {{
            access_log off;
            default_type text/plain;
            keepalive_requests 10000000;
            keepalive_timeout 120s;
            client_body_temp_path {tmp}/body;
            proxy_temp_path {tmp}/proxy;
            fastcgi_temp_path {tmp}/fastcgi;
            uwsgi_temp_path {tmp}/uwsgi;
            scgi_temp_path {tmp}/scgi;
            server {{
                listen 127.0.0.1:{port};
                location / {{ return 200 "{NGINX_BODY.strip()}\\n"; }}
            }}
        }}
        """)
    )
    binary = _which("nginx")
    assert binary, "nginx is not installed"
    proc = subprocess.Popen(
        [binary, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_group(proc)


@contextlib.contextmanager
def demo_target() -> Iterator[str | None]:
    """The demo shop (TargetProcess) when the target helper's module is in the tree."""
    try:
        from loadtui.target.process import TargetProcess  # type: ignore[import-not-found]
    except ImportError:
        yield None
        return
    target = TargetProcess(capacity=32, service_ms=20.0)
    try:
        with target:
            yield target.url
    finally:
        with contextlib.suppress(Exception):
            target.stop()


# -- tools -----------------------------------------------------------------------------------
@dataclass
class Result:
    name: str
    rps: float = 0.0
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    cpu_us: float | None = None  # CPU per request of the load generator's workers
    extra: dict[str, Any] = field(default_factory=dict)
    command: str = ""


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _wrk_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    assert m, text
    return float(m.group(1)) * _UNITS[m.group(2)]


def run_wrk(url: str, seconds: int) -> Result:
    cmd = ["wrk", "-t1", f"-c{VUS}", f"-d{seconds}s", "--latency", url + "/"]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"\s50%\s+(\S+)", out)
    p99 = re.search(r"\s99%\s+(\S+)", out)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    return Result(
        "wrk -t1 -c64",
        rps,
        _wrk_ms(p50.group(1)) if p50 else None,
        _wrk_ms(p99.group(1)) if p99 else None,
        int(errors.group(1)) if errors else 0,
        extra={"socket_errors": sock.group(1)} if sock else {},
        command=" ".join(cmd),
    )


LOCUSTFILE = """
from locust import FastHttpUser, constant, constant_throughput, task
import os

RATE = float(os.environ.get("BENCH_USER_RATE", "0"))

class Bench(FastHttpUser):
    wait_time = constant_throughput(RATE) if RATE > 0 else constant(0)

    @task
    def index(self):
        self.client.get("/")
"""


def run_locust(
    url: str, seconds: int, processes: int, tmp: Path, rate: float | None = None
) -> Result:
    lf = tmp / "locustfile.py"
    lf.write_text(LOCUSTFILE)
    prefix = tmp / f"locust_{processes}_{int(rate or 0)}"
    cmd = [str(Path(sys.executable).parent / "locust"), "-f", str(lf), "--headless"]
    cmd += ["-u", str(VUS), "-r", str(VUS), "-t", f"{seconds}s", "-H", url]
    cmd += ["--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"]
    if processes > 1:
        cmd += ["--processes", str(processes)]
    env = {**os.environ, "BENCH_USER_RATE": str((rate or 0) / VUS)}
    proc = subprocess.Popen(
        cmd,
        start_new_session=True,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=tmp,
    )
    try:
        _, err = proc.communicate(timeout=seconds + 120)
    finally:
        stop_group(proc)
    stats = Path(f"{prefix}_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"locust wrote no stats: {err.decode()[-500:]}")
    with stats.open() as f:
        row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    name = f"Locust FastHttpUser, {processes} proc"
    shown = [c if c != str(lf) else "locustfile.py" for c in cmd]
    shown = [c if c != str(prefix) else "PREFIX" for c in shown]
    return Result(
        name,
        float(row["Requests/s"]),
        float(row["50%"]),
        float(row["99%"]),
        int(row["Failure Count"]),
        command=" ".join(["locust", *shown[1:]]),
    )


def _rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def run_loadtui(
    url: str,
    *,
    transport: str,
    workers: int,
    seconds: float,
    tmp: Path,
    rate: float | None = None,
    interval_s: float = 1.0,
    rss_every_s: float | None = None,
) -> Result:
    """One real Runner run of a `--url` plan; throughput from the steady windows (after 1 s)."""
    from loadtui.engine.runner import Runner
    from loadtui.engine.url_plan import build_url_plan

    plan = build_url_plan(
        url + "/",
        vus=None if rate else VUS,
        rate=rate,
        duration=f"{seconds:g}s",
        connections=VUS if rate is None else 4 * VUS,
    )
    runner = Runner(  # the engine alone: no run folder (LiveRun adds that, ~1 line/window)
        plan,
        workers=workers,
        transport=transport,
        interval_s=interval_s,
        seed=1,
    )
    rss: list[tuple[float, list[int]]] = []
    stop_sampling = threading.Event()

    def sample() -> None:
        t0 = time.monotonic()
        while not stop_sampling.wait(rss_every_s or 5.0):
            pids = runner.worker_pids
            values = [v for p in pids if (v := _rss_kb(p)) is not None]
            if values:
                rss.append((time.monotonic() - t0, values))

    sampler = threading.Thread(target=sample, daemon=True) if rss_every_s else None
    windows = []
    marks = SteadyMarks(seconds)
    cpu0 = time.process_time()
    wall0 = time.monotonic()
    runner.start()
    if sampler is not None:
        sampler.start()
    try:
        for w in runner.windows():
            windows.append(w)
            marks.window(w.t)
    finally:
        stop_sampling.set()
        runner.stop()
    record = runner.result(timeout=60)
    load = f"rate={rate:g}" if rate else f"vus={VUS}"
    label = f"loadtui {transport}, {workers} worker{'s' if workers > 1 else ''}"
    if rate:
        label += f", {rate:,.0f} req/s planned"
    r = steady_result(windows, seconds, label)
    r.extra["state"] = record.state
    r.extra["bench_cpu_per_s"] = marks.cpu_per_s()
    r.extra["bench_cpu_per_s_whole_run"] = round(
        (time.process_time() - cpu0) / (time.monotonic() - wall0), 3
    )
    if rss:
        r.extra["rss_kb"] = rss
    r.command = (
        f"Runner(build_url_plan(URL, {load}, "
        f"duration='{seconds:g}s'), workers={workers}, transport='{transport}', "
        f"interval_s={interval_s:g})"
    )
    return r


def steady_result(windows: list[Any], seconds: float, label: str) -> Result:
    """Throughput, latency and worker CPU of the steady windows (1 s < t ≤ seconds)."""
    from loadtui.engine.histogram import merge_encoded

    steady = [w for w in windows if w.t > 1.0 + 1e-6 and w.t <= seconds + 1e-6]
    span = sum(w.interval_s for w in steady) or 1.0
    requests = sum(w.requests for w in steady)
    cpu_s = sum(sum(w.worker_cpu) * w.interval_s for w in steady)
    hist = merge_encoded([w.hist for w in steady])
    return Result(
        label,
        requests / span,
        hist.percentile_ms(50) if hist.count else None,
        hist.percentile_ms(99) if hist.count else None,
        sum(w.errors for w in windows),
        1e6 * cpu_s / requests if requests else None,
        {
            "dropped": sum(w.dropped for w in windows),
            "saturated_windows": sum(1 for w in steady if w.generator_saturated),
        },
    )


@dataclass
class SteadyMarks:
    """This process's CPU time and the wall clock when the consumer gets the window that ends
    at t = 1 s and the last steady one (t = seconds): the bench process's own cost per second
    over the steady windows (the Runner's merge thread, the consumer and, with the TUI, the app).
    """

    seconds: float
    start: tuple[float, float, int] | None = None  # process CPU, monotonic, frames drawn
    end: tuple[float, float, int] | None = None
    last_t: float = -1.0

    def window(self, t: float, frames: int = 0) -> None:
        if t == self.last_t:
            return
        self.last_t = t
        now = (time.process_time(), time.monotonic(), frames)
        if t <= 1.0 + 1e-6:
            self.start = now
        elif t <= self.seconds + 1e-6:
            self.end = now

    def cpu_per_s(self) -> float | None:
        if self.start is None or self.end is None or self.end[1] <= self.start[1]:
            return None
        return round((self.end[0] - self.start[0]) / (self.end[1] - self.start[1]), 3)

    def frames_per_s(self) -> float | None:
        if self.start is None or self.end is None or self.end[1] <= self.start[1]:
            return None
        return round((self.end[2] - self.start[2]) / (self.end[1] - self.start[1]), 2)


TUI_SIZE = (80, 24)


def run_loadtui_app(url: str, *, workers: int, seconds: float, tmp: Path) -> Result:
    """The real app on the closed max plan: `LoadtuiApp(start_run=True)` opens the Run pane and
    starts the plan at once; the Run pane's own window interval; every frame is rendered to
    terminal escape codes as for a real terminal (see `null_terminal`), only not shown."""
    import asyncio

    from textual.message import Message

    from loadtui.contracts import RunOptions
    from loadtui.engine.url_plan import build_url_plan
    from loadtui.live import RunFinished, WindowDone
    from loadtui.store.runs import read_windows
    from loadtui.tui.app import LoadtuiApp
    from loadtui.tui.messages import LiveUpdate
    from loadtui.tui.screens.run import RunScreen
    from loadtui.tui.widgets.run.metric_row import MetricRow
    from loadtui.tui.workspace import Workspace

    plan = build_url_plan(url + "/", vus=VUS, duration=f"{seconds:g}s", connections=VUS)
    options = RunOptions(out_dir=tmp / "runs", workers=workers, transport="fast", interval_s=0.25)
    with env_set(COLORTERM="truecolor"):  # what a modern terminal advertises; Rich reads it here
        app = LoadtuiApp(
            Workspace(plan=plan, runs_dir=tmp / "runs"), run_options=options, start_run=True
        )
    terminal = {"writes": 0, "bytes": 0, "frames": 0}
    app.driver_class = null_terminal(terminal)
    marks = SteadyMarks(seconds)

    async def watch() -> tuple[RunScreen, int]:
        ended = asyncio.Event()

        def hook(message: Message) -> None:  # called as each message is dispatched
            if isinstance(message, LiveUpdate):
                if isinstance(message.update, WindowDone):
                    marks.window(message.update.window.t, terminal["frames"])
                elif isinstance(message.update, RunFinished):
                    ended.set()

        async with app.run_test(
            headless=False, size=TUI_SIZE, notifications=True, message_hook=hook
        ) as pilot:
            screen = app.screen
            if not isinstance(screen, RunScreen):
                raise RuntimeError(f"the app opened {screen!r}, not the Run pane")
            await asyncio.wait_for(ended.wait(), seconds + 90)
            await pilot.pause()
            return screen, len(screen.query_one("#row-rps", MetricRow).series)

    cpu0 = time.process_time()
    wall0 = time.monotonic()
    screen, on_screen = asyncio.run(watch())
    whole = (time.process_time() - cpu0) / (time.monotonic() - wall0)
    live = screen.live
    if live is None or live.run_dir is None or live.record is None or screen.state != "ended":
        raise RuntimeError(f"the app's run did not end cleanly (state {screen.state})")
    windows, _ = read_windows(live.run_dir / "windows.ndjson")
    record = live.record
    r = steady_result(windows, seconds, f"loadtui fast, {workers} workers, in the Textual app")
    r.extra.update(
        state=record.state,
        interval_s=options.interval_s,
        windows=len(windows),
        windows_on_screen=on_screen,
        bench_cpu_per_s=marks.cpu_per_s(),
        bench_cpu_per_s_whole_run=round(whole, 3),
        frames_per_s=marks.frames_per_s(),
        terminal_bytes=terminal["bytes"],
        color_system=app.console.color_system,
    )
    if on_screen != len(windows):
        raise RuntimeError(f"the screen got {on_screen} of {len(windows)} windows")
    r.command = (
        f"LoadtuiApp(Workspace(plan=build_url_plan(URL, vus={VUS}, duration='{seconds:g}s')), "
        f"run_options=RunOptions(workers={workers}, transport='fast'), start_run=True)"
        f".run_test(headless=False, size={TUI_SIZE}) on a null terminal; "
        f"interval_s={options.interval_s:g} (Run pane's)"
    )
    return r


@contextlib.contextmanager
def env_set(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def null_terminal(counts: dict[str, int]) -> type[Any]:
    """A Textual driver that is not headless (so the app encodes every frame into escape codes
    and writes them, as for a real terminal) but drops the bytes: no tty in the bench. What a
    terminal emulator then spends drawing them is another process's CPU, not the app's."""
    from textual.drivers.headless_driver import HeadlessDriver

    class NullTerminal(HeadlessDriver):
        @property
        def is_headless(self) -> bool:
            return False

        def write(self, data: str) -> None:
            counts["writes"] += 1
            counts["bytes"] += len(data)

        def flush(self) -> None:  # once per frame the app displays
            counts["frames"] += 1

    return NullTerminal


def median_run(runs: list[Result]) -> Result:
    """The run with the median throughput (lower middle for an even count), all runs noted."""
    chosen = sorted(runs, key=lambda r: r.rps)[(len(runs) - 1) // 2]
    chosen.extra["runs_rps"] = [round(r.rps) for r in runs]
    chosen.extra["runs_bench_cpu_per_s"] = [r.extra.get("bench_cpu_per_s") for r in runs]
    return chosen


TUI_PAIRS = 3


def run_tui_rows(res: dict[str, Any], url: str, *, workers: int, seconds: float, tmp: Path) -> None:
    """Headless and in-app runs side by side, order alternated (off/on, on/off, ...) so drift on
    a shared box hits both; the rows are the median runs, the cost compares the medians."""
    runs: dict[str, list[Result]] = {"off": [], "on": []}
    for i in range(TUI_PAIRS):
        for kind in ("off", "on") if i % 2 == 0 else ("on", "off"):
            label = "headless" if kind == "off" else "Textual app"
            print(f"  TUI {label} ({i + 1}/{TUI_PAIRS})...", end=" ", flush=True)
            if kind == "off":
                r = run_loadtui(url, transport="fast", workers=workers, seconds=seconds, tmp=tmp)
            else:
                r = run_loadtui_app(url, workers=workers, seconds=seconds, tmp=tmp)
            runs[kind].append(r)
            print(
                f"{r.rps:,.0f} req/s, bench process CPU {r.extra['bench_cpu_per_s']} s/s",
                flush=True,
            )
    off = res["tui_off"] = median_run(runs["off"])
    on = res["tui_on"] = median_run(runs["on"])
    on.extra["pair_costs"] = [
        round(1 - b.rps / a.rps, 4) for a, b in zip(runs["off"], runs["on"], strict=True)
    ]
    on.extra["median_pair_cost"] = statistics.median(on.extra["pair_costs"])
    off.name = f"closed max, headless (1 Hz consumer), median of {TUI_PAIRS}"
    on.name = (
        f"closed max, Textual app watching (Run pane {TUI_SIZE[0]}×{TUI_SIZE[1]}, "
        f"{1 / on.extra['interval_s']:g} Hz windows), median of {TUI_PAIRS}"
    )


# -- report ----------------------------------------------------------------------------------
def fmt_ms(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"


def build_table(res: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        "| measurement | req/s | p50 ms | p99 ms | errors | CPU µs/req | vs | goal |",
        "|---|---:|---:|---:|---:|---:|---|---|",
    ]

    def row(r: Result, vs: str = "", goal: str = "") -> None:
        cpu = "—" if r.cpu_us is None else f"{r.cpu_us:.1f}"
        lines.append(
            f"| {r.name} | {r.rps:,.0f} | {fmt_ms(r.p50_ms)} | {fmt_ms(r.p99_ms)} "
            f"| {r.errors} | {cpu} | {vs} | {goal} |"
        )

    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    wrk: Result | None = res.get("wrk")
    if wrk is not None:
        row(wrk, "", "reference")
    for n in (1, 2):
        f: Result | None = res.get(f"fast{n}")
        if f is None:
            continue
        if wrk is None:
            row(f)
            continue
        ratio = f.rps / wrk.rps
        row(f, f"{ratio:.0%} of wrk", f"≥ 75 % of wrk: {verdict(ratio >= 0.75)}")
    for n in (1, 2):
        loc: Result | None = res.get(f"locust{n}")
        if loc is None:
            continue
        f = res.get(f"fast{n}")
        if f is None:
            row(loc)
            continue
        ratio = f.rps / loc.rps
        row(loc, f"fast is {ratio:.1f}×", f"fast ≥ 5× Locust: {verdict(ratio >= 5)}")
    for n in (1, 2):
        a: Result | None = res.get(f"aiohttp{n}")
        if a is None:
            continue
        loc = res.get(f"locust{n}")
        if loc is None:
            row(a)
            continue
        ratio = a.rps / loc.rps
        row(a, f"{ratio:.2f}× Locust", f"≥ 1.5× Locust: {verdict(ratio >= 1.5)}")
    for share in (25, 50, 75):
        o: Result | None = res.get(f"open{share}")
        if o is None:
            continue
        planned = o.extra["planned"]
        err = o.rps / planned - 1
        o.name = f"open model {share} % of max ({planned:,.0f} planned)"
        row(o, f"achieved {err:+.2%}", f"within 1 %: {verdict(abs(err) <= 0.01)}")
    head: Result | None = res.get("tui_off")
    tui: Result | None = res.get("tui_on")
    if head is not None and tui is not None:
        cost = 1 - tui.rps / head.rps
        cpu = [r.extra.get("bench_cpu_per_s") for r in (head, tui)]
        row(head, f"bench process {cpu[0]} CPU s/s")
        row(
            tui,
            f"cost {cost:+.1%}; bench process {cpu[1]} CPU s/s",
            f"≤ 10 %: {verdict(cost <= 0.10)}",
        )
    for key in ("fixed_loadtui", "fixed_locust"):
        if key in res:
            row(res[key], "", "latency at 2,000 req/s")
    if "demo" in res:
        row(res["demo"], "", "p50 ≈ 20 ms service time")
    soak: Result | None = res.get("soak")
    samples = soak.extra.get("rss_kb", []) if soak is not None else []
    if soak is not None and samples:
        first = sum(samples[0][1]) / 1024
        last = sum(samples[-1][1]) / 1024
        peak = max(sum(v) for _, v in samples) / 1024
        soak.name = f"soak {args.soak_seconds:g} s at 50 % of max"
        row(
            soak,
            f"RSS {first:.0f}→{last:.0f} MiB (peak {peak:.0f})",
            f"± 10 %: {verdict(abs(last - first) <= 0.1 * first)}",
        )
    return "\n".join(lines)


def write_readme(table: str, res: dict[str, Any], meta: dict[str, str]) -> None:
    commands = "\n".join(
        f"- {r.name}: `{r.command}`" for r in res.values() if isinstance(r, Result) and r.command
    )
    block = (
        f"{RESULTS_START}\n"
        f"Last run: {meta['when']} on {meta['machine']} (`{meta['argv']}`); load average "
        f"(1 min) {meta['load']}: the box is shared with other test suites.\n\n"
        f"{table}\n\n<details><summary>exact commands</summary>\n\n{commands}\n\n"
        f"</details>\n{RESULTS_END}"
    )
    text = README.read_text() if README.exists() else ""
    if RESULTS_START in text and RESULTS_END in text:
        a = text.index(RESULTS_START)
        b = text.index(RESULTS_END) + len(RESULTS_END)
        text = text[:a] + block + text[b:]
    else:
        text = text.rstrip() + "\n\n## Engine\n\n" + block + "\n"
    README.write_text(text)


# -- main ------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    ap.add_argument("--quick", action="store_true", help="5 s runs, 60 s soak")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per measurement")
    ap.add_argument("--soak-seconds", type=float, default=600.0)
    ap.add_argument("--write-readme", action="store_true", help="update bench/README.md")
    ap.add_argument("--json", type=Path, help="also write the raw results here")
    ap.add_argument(
        "--only",
        default="",
        help="comma-separated row keys to measure (wrk, fast1, fast2, locust1, locust2, "
        "aiohttp1, aiohttp2, open, tui, fixed, demo, soak); for quick A/B work, never with "
        "--write-readme. `open` and `soak` also measure fast1/fast2 unless --max-rps is given",
    )
    ap.add_argument(
        "--max-rps", type=float, help="with --only: the closed max the open/soak rows scale from"
    )
    args = ap.parse_args()
    only = {k.strip() for k in args.only.split(",") if k.strip()}
    if only and args.write_readme:
        ap.error("--write-readme needs the full run (no --only)")
    if only & {"open", "soak", "tui"} and args.max_rps is None:
        only |= {"fast1", "fast2"}

    def wanted(key: str) -> bool:
        return not only or key in only or key.rstrip("0123456789") in only

    if args.quick:
        args.duration = min(args.duration, 5.0)
        args.soak_seconds = min(args.soak_seconds, 60.0)
    secs = int(args.duration)
    ensure_tools()
    with one_bench_at_a_time():
        return measure(args, wanted, secs)


BENCH_LOCK = Path(tempfile.gettempdir()) / "loadtui-engine-bench.lock"


@contextlib.contextmanager
def one_bench_at_a_time() -> Iterator[None]:
    """Two engine benchmarks at once on one box measure each other: the second waits."""
    import fcntl

    with BENCH_LOCK.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"another engine benchmark is running; waiting for it ({BENCH_LOCK})", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def measure(args: argparse.Namespace, wanted: Callable[[str], bool], secs: int) -> int:
    load_before = os.getloadavg()[0]
    res: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="loadtui-bench-") as d:
        tmp = Path(d)
        with nginx(tmp / "nginx") as url, demo_target() as demo_url:
            print(f"nginx on {url}; demo target: {demo_url or 'not in this tree'}", flush=True)

            def step(key: str, label: str, fn: Any) -> Result | None:
                if not (wanted(key) or wanted(key.split("_")[0])):
                    return None
                print(f"  {label}...", end=" ", flush=True)
                r: Result = fn()
                res[key] = r
                print(f"{r.rps:,.0f} req/s, p50 {fmt_ms(r.p50_ms)} ms", flush=True)
                return r

            step("wrk", "wrk", lambda: run_wrk(url, secs))
            for n in (1, 2):
                step(
                    f"fast{n}",
                    f"loadtui fast x{n}",
                    lambda n=n: run_loadtui(
                        url, transport="fast", workers=n, seconds=secs, tmp=tmp
                    ),
                )
            for n in (1, 2):
                step(f"locust{n}", f"locust x{n}", lambda n=n: run_locust(url, secs, n, tmp))
            for n in (1, 2):
                step(
                    f"aiohttp{n}",
                    f"loadtui aiohttp x{n}",
                    lambda n=n: run_loadtui(
                        url, transport="aiohttp", workers=n, seconds=secs, tmp=tmp
                    ),
                )
            measured = [n for n in (1, 2) if f"fast{n}" in res]
            best = max(measured, key=lambda n: res[f"fast{n}"].rps) if measured else 1
            top = args.max_rps or (res[f"fast{best}"].rps if measured else 0.0)
            for share in (25, 50, 75):
                planned = round(top * share / 100)
                r = step(
                    f"open{share}",
                    f"open model {share}%",
                    lambda p=planned: run_loadtui(
                        url, transport="fast", workers=best, seconds=secs, tmp=tmp, rate=p
                    ),
                )
                if r is not None:
                    r.extra["planned"] = planned
            if wanted("tui"):
                run_tui_rows(res, url, workers=best, seconds=secs, tmp=tmp)
            step(
                "fixed_loadtui",
                "loadtui at 2,000 req/s",
                lambda: run_loadtui(
                    url, transport="fast", workers=1, seconds=secs, tmp=tmp, rate=FIXED_RATE
                ),
            )
            r = step(
                "fixed_locust",
                "locust at 2,000 req/s",
                lambda: run_locust(url, secs, 1, tmp, rate=FIXED_RATE),
            )
            if r is not None:
                r.name = "Locust FastHttpUser, 1 proc, 2,000 req/s planned"
            if demo_url:
                r = step(
                    "demo",
                    "demo target at 500 req/s",
                    lambda: run_loadtui(
                        demo_url, transport="fast", workers=1, seconds=secs, tmp=tmp, rate=500
                    ),
                )
                if r is not None:
                    r.name = "loadtui fast → demo target (20 ms service), 500 req/s"
            step(
                "soak",
                f"soak {args.soak_seconds:g}s",
                lambda: run_loadtui(
                    url,
                    transport="fast",
                    workers=best,
                    seconds=args.soak_seconds,
                    tmp=tmp,
                    rate=round(top / 2),
                    rss_every_s=5.0,
                ),
            )
    table = build_table(res, args)
    meta = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, {platform.machine()}",
        "argv": " ".join(["bench/engine.py", *sys.argv[1:]]),
        "load": f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after",
    }
    res["load_average"] = meta["load"]
    print()
    print(table)
    if args.write_readme:
        write_readme(table, res, meta)
        print(f"\nwrote {README}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {k: (v.__dict__ if isinstance(v, Result) else v) for k, v in res.items()},
                indent=2,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
