"""`--engine locust`: the plan's exported locustfile on Locust's own master/worker mode.

`LocustRunner` has the interface `LiveRun` uses from the native `Runner` (start, windows,
verdicts, stop, result, end_s, workers, transport, run_id, state, worker_pids, thresholds), so
the run folder, the TUI, live thresholds (the native `LiveThresholds` over the same
`RunTotals`), anomaly flags and analysis work unchanged. It starts one headless master
(`--expect-workers N`, CSV with `--csv-full-history`) and N `--worker` processes on 127.0.0.1,
tails the stats history Locust writes each second and turns each second into a `MetricWindow`
(locust_stats.py says how). The locustfile runs unchanged through a small wrapper that makes
Locust report every second rather than every 3-10 s: workers report each second, the CSV is
flushed each second and "current" percentiles cover about the last second.

Locust measures latency from the actual send (no coordinated-omission correction), so
`latency` and `service` are the same numbers here; it rounds response times to ~2 significant
digits. At the end the summary's totals and percentiles are Locust's own (`_stats.csv`).
"""

from __future__ import annotations

import contextlib
import os
import platform
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from loadtui.contracts import MetricWindow, RunRecord, RunState, TestPlan, ThresholdVerdict
from loadtui.distributed import locust_stats as ls
from loadtui.engine.metrics import RequestTally, RunTotals, WorkerWindow
from loadtui.engine.runner import validate_plan
from loadtui.engine.thresholds_live import LiveThresholds
from loadtui.errors import UserError
from loadtui.export.locust import render_locustfile

READY_TIMEOUT_S = 60.0  # workers import gevent and connect to the master
STOP_GRACE_S = 8.0

WRAPPER = '''"""Runs locustfile.py with stats reported every second (loadtui --engine locust)."""
import locust.runners
import locust.stats

locust.runners.WORKER_REPORT_INTERVAL = 1.0
locust.stats.CSV_STATS_FLUSH_INTERVAL_SEC = 1
locust.stats.CURRENT_RESPONSE_TIME_PERCENTILE_WINDOW = 1

from locustfile import *  # noqa: E402,F403  the exported users and PlanShape
'''


def locust_binary() -> str:
    """The `locust` beside this Python, else on PATH; UserError when the extra is missing."""
    here = Path(sys.executable).with_name("locust")
    found = str(here) if here.exists() else shutil.which("locust")
    if not found:
        raise UserError("--engine locust needs Locust: pip install 'loadtui[locust]'")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocustRunner:
    def __init__(
        self,
        plan: TestPlan,
        *,
        workers: int | None = None,
        interval_s: float = 1.0,
        run_id: str = "",
    ) -> None:
        """Raises UserError for a plan that cannot run on Locust."""
        self.profile = validate_plan(plan)
        if plan.breakpoint is not None or plan.type == "breakpoint":
            raise UserError("breakpoint tests run on the native engine; drop --engine locust")
        self.plan = plan
        self.binary = locust_binary()
        self.workers = int(workers or 1)
        self.transport = "locust"
        self.interval_s = 1.0  # Locust writes its history once a second
        self.end_s = self.profile.duration
        self.run_id = run_id
        self.thresholds = LiveThresholds(plan.thresholds, _seconds(plan.limits.abort_grace))
        self.totals = RunTotals()
        self._queue: queue.Queue[MetricWindow | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._hard = threading.Event()
        self._state: RunState = "running"
        self._stop_reason: RunState | None = None
        self._notes: list[str] = []
        self._record: RunRecord | None = None
        self._error: BaseException | None = None
        self._verdicts = self.thresholds.verdicts()
        self._procs: list[subprocess.Popen[bytes]] = []
        self._started_wall = datetime.now(UTC)
        self._version = ""
        self._examples: dict[str, str] = {}
        self._bytes = 0.0  # bytes received so far (Locust's mean content size × requests)
        _ = interval_s  # one window per Locust history second, whatever was asked

    # -- the interface LiveRun uses ----------------------------------------------------------
    @property
    def worker_pids(self) -> list[int]:
        return [p.pid for p in self._procs[1:]]

    @property
    def state(self) -> RunState:
        return self._state

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("a LocustRunner runs once")
        self._thread = threading.Thread(target=self._main, name="loadtui-locust", daemon=True)
        self._thread.start()

    def windows(self) -> Iterator[MetricWindow]:
        if self._thread is None:
            self.start()
        while (item := self._queue.get()) is not None:
            yield item
        if self._error is not None:
            raise RuntimeError(f"the run failed: {self._error}") from self._error

    def stop(self, wait: bool = True, timeout: float = 30.0) -> None:
        if self._stop.is_set():
            self._hard.set()
        if self._stop_reason is None:
            self._stop_reason = "interrupted"
        self._stop.set()
        if wait and self._thread is not None and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def verdicts(self) -> list[ThresholdVerdict]:
        return list(self._verdicts)

    def result(self, timeout: float | None = None) -> RunRecord:
        if self._thread is not None:
            self._thread.join(timeout)
        if self._record is None:
            raise RuntimeError("the run has not ended")
        return self._record

    # -- the run ------------------------------------------------------------------------------
    def _main(self) -> None:
        work = Path(tempfile.mkdtemp(prefix="loadtui-locust-"))
        prefix = work / "run"
        try:
            (work / "locustfile.py").write_text(render_locustfile(self.plan), encoding="utf-8")
            wrapper = work / "loadtui_locustfile.py"
            wrapper.write_text(WRAPPER, encoding="utf-8")
            self._spawn(wrapper, prefix)
            self._follow(prefix)
        except BaseException as exc:  # the record must still be written
            self._error = exc
            self._notes.append(f"runner error: {type(exc).__name__}: {exc}")
        finally:
            self._end_processes()
            with contextlib.suppress(Exception):
                self._finish(prefix)
            if self._record is None:
                self._state = "incomplete"
                self._record = self._make_record("incomplete")
            shutil.rmtree(work, ignore_errors=True)
            self._queue.put(None)

    def _spawn(self, wrapper: Path, prefix: Path) -> None:
        port = _free_port()
        common = ["-f", str(wrapper)]
        env = {**os.environ, "PYTHONPATH": str(wrapper.parent)}
        master = [
            self.binary, *common, "--master", "--headless", "-H", self.plan.target,
            "--expect-workers", str(self.workers),
            "--expect-workers-max-wait", str(int(READY_TIMEOUT_S)),
            "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
            "--csv", str(prefix), "--csv-full-history", "--only-summary",
            "--exit-code-on-error", "0", "--stop-timeout", "5", "--loglevel", "WARNING",
        ]  # fmt: skip
        worker = [
            self.binary, *common, "--worker", "--master-host", "127.0.0.1",
            "--master-port", str(port), "--loglevel", "WARNING",
        ]  # fmt: skip
        log = open(prefix.with_name("master.log"), "wb")  # noqa: SIM115  closed with the run
        self._procs.append(
            subprocess.Popen(
                master, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=prefix.parent
            )
        )
        for _ in range(self.workers):
            self._procs.append(
                subprocess.Popen(
                    worker,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=env,
                    cwd=prefix.parent,
                )
            )
        self._log = log
        out = subprocess.run([self.binary, "--version"], capture_output=True, text=True, timeout=30)
        self._version = out.stdout.strip().split("\n")[0]

    def _follow(self, prefix: Path) -> None:
        """Turn each second of the history into a window until the master exits."""
        tail = ls.Tail(f"{prefix}_stats_history.csv")
        master = self._procs[0]
        last: dict[str, ls.Row] = {}
        pending: list[ls.Row] = []
        t0: int | None = None
        last_t = 0.0
        failures_seen: dict[str, int] = {}
        status_seen: dict[str, int] = {}
        watchdog = time.monotonic() + READY_TIMEOUT_S + self.end_s + 30.0
        stop_sent: float | None = None
        while True:
            exited = master.poll() is not None
            rows = ls.parse_rows(tail.read())
            pending.extend(rows)
            stamps = sorted({r.ts for r in pending})
            ready = stamps if exited else stamps[:-1]  # a second is whole once the next began
            for ts in ready:
                group = [r for r in pending if r.ts == ts]
                pending = [r for r in pending if r.ts != ts]
                agg = next((r for r in group if r.key == ls.AGGREGATED), None)
                if agg is None:
                    continue
                if t0 is None:
                    if agg.total_requests == 0 and agg.users == 0:
                        continue  # the master waiting for workers: not the run yet
                    t0 = ts - 1
                    self._started_wall = datetime.fromtimestamp(t0, UTC)
                t = float(ts - t0)
                by_class, by_status, examples = ls.failure_totals(_read(f"{prefix}_failures.csv"))
                for k, v in examples.items():
                    self._examples.setdefault(k, v)
                window = self._window(
                    group, last, t, max(t - last_t, 1e-6), by_class, failures_seen, by_status,
                    status_seen,
                )  # fmt: skip
                last_t = t
                self._after_window(window)
                self._queue.put(window)
            if exited:
                return
            now = time.monotonic()
            if (self._stop.is_set() or now > watchdog) and stop_sent is None:
                if not self._stop.is_set():
                    self._notes.append("watchdog: Locust overran the schedule; stopped")
                    self._stop_reason = self._stop_reason or "incomplete"
                stop_sent = now
                with contextlib.suppress(ProcessLookupError):
                    master.send_signal(signal.SIGTERM)
            if stop_sent is not None and (self._hard.is_set() or now - stop_sent > STOP_GRACE_S):
                master.kill()
            time.sleep(0.2)

    def _window(
        self,
        group: list[ls.Row],
        last: dict[str, ls.Row],
        t: float,
        interval: float,
        by_class: dict[str, int],
        class_seen: dict[str, int],
        by_status: dict[str, int],
        status_seen: dict[str, int],
    ) -> MetricWindow:
        routes: dict[str, tuple[int, int, str]] = {}
        agg = next(r for r in group if r.key == ls.AGGREGATED)
        for row in group:
            prev = last.get(row.key)
            requests = row.total_requests - (prev.total_requests if prev else 0)
            errors = row.total_failures - (prev.total_failures if prev else 0)
            last[row.key] = row
            if row.key == ls.AGGREGATED or requests <= 0:
                continue
            hist = ls.histogram_from_percentiles(requests, row.percentiles)
            routes[row.key] = (requests, errors, hist.encode() if hist.count else "")
        total_bytes = agg.avg_content * agg.total_requests  # Locust keeps the mean size
        received, self._bytes = total_bytes - self._bytes, total_bytes
        requests = sum(r[0] for r in routes.values())
        errors = sum(r[1] for r in routes.values())
        hist = ls.histogram_from_percentiles(requests, agg.percentiles)
        encoded = hist.encode() if hist.count else None
        errors_by_class = _delta(by_class, class_seen)
        status = _delta(by_status, status_seen)
        unknown = errors - sum(errors_by_class.values())
        if unknown > 0:  # failures.csv is written a moment apart from the history
            errors_by_class["other"] = errors_by_class.get("other", 0) + unknown
        part: WorkerWindow = {
            "index": int(t),
            "t_end": t,
            "interval_s": interval,
            "requests": requests,
            "errors": errors,
            "errors_by_class": {k: v for k, v in errors_by_class.items() if v > 0},
            "status_counts": {k: v for k, v in status.items() if v > 0},
            "bytes_in": max(round(received), 0),
            "dropped": 0,
            "iterations": 0,
            "sessions_started": 0,
            "active": agg.users,
            "active_peak": agg.users,
            "in_flight": 0,
            "cpu": 0.0,
            "hist": encoded,
            "service_hist": encoded,
            "lag_hist": None,
            "routes": routes,
            "scenarios": {},
            "error_examples": {},
        }
        stage = self.profile.stage_at(max(t - interval / 2, 0.0))
        return self.totals.merge(
            [part],
            t=t,
            ts=self._started_wall + timedelta(seconds=t),
            interval_s=interval,
            stage=stage,
            stage_name=self.profile.stage_name(stage),
            target_rate=self._target_rate(t, interval),
        )

    def _target_rate(self, t: float, interval: float) -> float:
        profile = self.profile
        if self.plan.workload.model == "open":
            start = max(t - interval, 0.0)
            asked = profile.cumulative(min(t, profile.duration)) - profile.cumulative(start)
            rate = asked / interval if t > start else 0.0
            return rate * (max(self.plan.workload.mean_requests_per_session, 0.0) or 1.0)
        return profile.value_at(min(t, profile.duration))

    def _after_window(self, window: MetricWindow) -> None:
        verdicts, abort = self.thresholds.evaluate(self.totals, window.t)
        self._verdicts = verdicts
        if abort and not self._stop.is_set():
            failed = ", ".join(f"{v.metric}: {v.expression}" for v in verdicts if not v.ok)
            self._notes.append(f"aborted at t={window.t:.1f}s: threshold failed ({failed})")
            self._stop_reason = "aborted"
            self._stop.set()

    def _end_processes(self) -> None:
        for proc in self._procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_S
        for proc in self._procs:
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        if getattr(self, "_log", None) is not None:
            self._log.close()

    def _finish(self, prefix: Path) -> None:
        """Locust's own totals and whole-run percentiles for the summary and final verdicts."""
        t = self.totals
        final = ls.parse_rows(_read(f"{prefix}_stats.csv"), history=False)
        agg = next((r for r in final if r.key == ls.AGGREGATED), None)
        if agg is not None and agg.total_requests:
            t.requests, t.errors = agg.total_requests, agg.total_failures
            t.hist = ls.histogram_from_percentiles(agg.total_requests, agg.percentiles)
            t.service = t.hist.copy()
            for row in final:
                if row.key == ls.AGGREGATED or not row.total_requests:
                    continue
                tally = t.routes.setdefault(row.key, RequestTally())
                tally.requests, tally.errors = row.total_requests, row.total_failures
                tally.hist = ls.histogram_from_percentiles(row.total_requests, row.percentiles)
        by_class, _, _ = ls.failure_totals(_read(f"{prefix}_failures.csv"))
        if by_class:
            t.errors_by_class.clear()
            t.errors_by_class.update(by_class)
            missing = t.errors - sum(by_class.values())
            if missing > 0:
                t.errors_by_class["other"] += missing
        if self._stop_reason in ("aborted", "interrupted"):
            state: RunState = self._stop_reason
        elif self._error is not None or self._stop_reason == "incomplete":
            state = "incomplete"
        elif self._procs and self._procs[0].returncode not in (0, None):
            state = "incomplete"
            self._notes.append(f"locust master exited with code {self._procs[0].returncode}")
        else:
            state = "complete"
        if t.windows:
            self._verdicts = self.thresholds.evaluate(t, t.elapsed_s, final=True)[0]
        self._state = state
        self._record = self._make_record(state)

    def _make_record(self, state: RunState) -> RunRecord:
        t = self.totals
        duration = t.elapsed_s
        metrics = t.k6_metrics(duration) if duration > 0 else {}
        for name in ("http_req_send_lag", "iterations", "sessions", "dropped_iterations"):
            metrics.pop(name, None)  # Locust does not measure these
        return RunRecord(
            run_id=self.run_id,
            state=state,
            plan_name=self.plan.name,
            target=self.plan.target,
            started=self._started_wall,
            ended=datetime.now(UTC),
            duration_s=round(duration, 3),
            workers=self.workers,
            transport=self.transport,
            workload=self.plan.workload.model,
            metrics=metrics,
            thresholds=self._verdicts,
            errors_by_class=dict(t.errors_by_class),
            environment={
                "engine": "locust",
                "locust": self._version,
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "cpus": str(os.cpu_count() or 0),
                "workers": str(self.workers),
                "hostname": platform.node(),
                "schedule_s": f"{self.end_s:g}",
            },
            notes=[
                *self._notes,
                "engine locust: latency from the actual send (no coordinated-omission "
                "correction), rounded by Locust to ~2 significant digits",
                *(f"{cls} e.g.: {ex}" for cls, ex in sorted(self._examples.items())),
            ],
        )


def _delta(now: dict[str, int], seen: dict[str, int]) -> dict[str, int]:
    out = {k: v - seen.get(k, 0) for k, v in now.items()}
    seen.update(now)
    return out


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return ""


def _seconds(text: str) -> float:
    from loadtui.durations import parse_duration

    return parse_duration(text)
