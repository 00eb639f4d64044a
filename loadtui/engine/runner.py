"""The run: spawn workers, merge their windows, judge thresholds live, produce the record.

`Runner` is driven from a background thread so the caller only consumes `windows()` (in
practice `loadtui.live.LiveRun`, which writes them to the run folder: the engine writes
nothing itself). Worker windows with the same index are added into one `MetricWindow`; a window
is emitted once every live worker sent it (a dead worker is dropped from the set, the run
carries on and ends `incomplete`). A `RunRecord` is produced on every way out: the end of the
schedule (`complete`), `stop()` / Ctrl-C (`interrupted`), a failed abortOnFail threshold
(`aborted`) or a worker that died (`incomplete`).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import platform
import queue
import random
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection, wait
from typing import Any
from urllib.parse import urlsplit

from loadtui.contracts import MetricWindow, RunRecord, RunState, TestPlan, ThresholdVerdict
from loadtui.engine.delivery import Delivery
from loadtui.engine.metrics import RunTotals, WorkerWindow
from loadtui.engine.schedule import StageProfile, parse_duration
from loadtui.engine.server_probe import ServerProbe
from loadtui.engine.sessions import CompiledScenario
from loadtui.engine.thresholds_live import LiveThresholds
from loadtui.engine.transport import fast_available
from loadtui.engine.worker import WorkerSpec, split_evenly, worker_main
from loadtui.errors import UserError

READY_TIMEOUT_S = 90.0  # spawning imports aiohttp/pydantic; a busy box can be slow
STOP_TIMEOUT_S = 8.0  # after asking workers to stop, then they are terminated


def choose_transport(plan: TestPlan, requested: str = "auto") -> str:
    """Resolve `auto`: the fast transport only for plain HTTP it fully supports."""
    if requested in ("aiohttp", "fast"):
        if requested == "fast" and not fast_available():
            raise UserError("--transport fast is not available in this install; use aiohttp")
        return requested
    if requested != "auto":
        raise UserError(f"unknown transport {requested!r}; use auto, aiohttp or fast")
    if fast_available() and urlsplit(plan.target).scheme == "http":
        return "fast"
    return "aiohttp"


def validate_plan(plan: TestPlan) -> StageProfile:
    """Refuse plans that cannot run, with a reason a user can act on."""
    parts = urlsplit(plan.target)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"target {plan.target!r} is not an http(s) URL; pass --target URL")
    if parts.path not in ("", "/") or parts.query:
        raise UserError(f"target {plan.target!r} must be a base URL without a path or query")
    if not plan.scenarios or not any(s.steps for s in plan.scenarios):
        raise UserError("the plan has no scenario with steps; regenerate it with `loadtui plan`")
    if not plan.stages:
        raise UserError("the plan has no stages; add e.g. `stages: [{duration: 30s, target: 5}]`")
    try:
        for sc in plan.scenarios:
            CompiledScenario.from_scenario(sc)
        profile = StageProfile.from_stages(plan.stages)
        parse_duration(plan.limits.max_duration)
        parse_duration(plan.limits.abort_grace)
    except ValueError as exc:
        raise UserError(f"the plan cannot run: {exc}") from exc
    if profile.duration <= 0 or profile.total <= 0:
        raise UserError("the plan's stages ask for no load (all targets are 0)")
    return profile


class Runner:
    def __init__(
        self,
        plan: TestPlan,
        *,
        workers: int | None = None,
        transport: str = "auto",
        interval_s: float = 1.0,
        run_id: str = "",
        seed: int | None = None,
        paced: bool | None = None,
        probe_server: bool = True,
    ) -> None:
        """`paced` forces fixed-rate arrivals (default: on for `url` plans in the open model);
        `run_id` only names the record; `probe_server` samples a loadtui target's busy time
        into each window (`server_probe.py`). Raises UserError for a plan that cannot run."""
        self.plan = plan
        self.profile = validate_plan(plan)
        self.interval_s = float(interval_s)
        if self.interval_s <= 0:
            raise UserError("interval must be > 0")
        self.workers = int(workers or os.cpu_count() or 1)
        if self.workers < 1:
            raise UserError("--workers must be ≥ 1")
        self.transport = choose_transport(plan, transport)
        self.seed = seed if seed is not None else random.randrange(1 << 30)
        self.paced = paced if paced is not None else (plan.type == "url")
        self.end_s = min(self.profile.duration, parse_duration(plan.limits.max_duration))
        self.run_id = run_id
        self.thresholds = LiveThresholds(plan.thresholds, parse_duration(plan.limits.abort_grace))
        self.totals = RunTotals()
        self.delivery = Delivery()  # planned vs delivered request rate (open model)
        self._queue: queue.Queue[MetricWindow | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._hard_stop = threading.Event()
        self._lock = threading.Lock()
        self._state: RunState = "running"
        self._stop_reason: RunState | None = None
        self._notes: list[str] = []
        if self.end_s < self.profile.duration:
            self._notes.append(
                f"schedule of {self.profile.duration:g}s cut to limits.max_duration "
                f"({plan.limits.max_duration})"
            )
        self._record: RunRecord | None = None
        self._error: BaseException | None = None
        self._verdicts: list[ThresholdVerdict] = self.thresholds.verdicts()
        self._pids: list[int] = []
        self._lost_workers = 0
        self._started_wall = datetime.now(UTC)
        self._t0 = 0.0
        self._probe = ServerProbe(plan.target) if probe_server else None

    # -- public API -------------------------------------------------------------------------
    @property
    def worker_pids(self) -> list[int]:
        """Pids of the worker processes (filled once they are spawned)."""
        return list(self._pids)

    @property
    def state(self) -> RunState:
        return self._state

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("a Runner runs once")
        self._thread = threading.Thread(target=self._main, name="loadtui-runner", daemon=True)
        self._thread.start()

    def windows(self) -> Iterator[MetricWindow]:
        """Merged windows as they complete; ends when the run has ended and been written."""
        if self._thread is None:
            self.start()
        while True:
            item = self._queue.get()
            if item is None:
                break
            yield item
        if self._error is not None:
            raise RuntimeError(f"the run failed: {self._error}") from self._error

    def stop(self, wait: bool = True, timeout: float = 30.0) -> None:
        """Graceful stop: workers finish in-flight requests briefly, everything is flushed.
        A second call while stopping gives up on the grace and terminates the workers."""
        with self._lock:
            if self._stop.is_set():
                self._hard_stop.set()
            if self._stop_reason is None:
                self._stop_reason = "interrupted"
            self._stop.set()
        if wait and self._thread is not None and threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def verdicts(self) -> list[ThresholdVerdict]:
        return list(self._verdicts)

    def result(self, timeout: float | None = None) -> RunRecord:
        """The run's record (summary.json content); waits for the run to end."""
        if self._thread is not None:
            self._thread.join(timeout)
        if self._record is None:
            raise RuntimeError("the run has not ended")
        return self._record

    # -- the run ----------------------------------------------------------------------------
    def _specs(self) -> list[WorkerSpec]:
        limits = self.plan.limits
        n = self.workers
        conns = limits.max_connections if limits.max_connections else limits.max_in_flight
        plan_json = self.plan.model_dump_json()
        return [
            WorkerSpec(
                plan_json=plan_json,
                index=i,
                count=n,
                seed=self.seed,
                interval_s=self.interval_s,
                transport=self.transport,
                end_s=self.end_s,
                paced=self.paced,
                max_connections=split_evenly(conns, n),
                max_in_flight=split_evenly(limits.max_in_flight, n),
                max_rps=None if limits.max_rps is None else limits.max_rps / n,
            )
            for i in range(n)
        ]

    def _main(self) -> None:
        procs: list[Any] = []
        conns: list[Connection] = []
        try:
            ctx = mp.get_context("spawn")
            for spec in self._specs():
                parent, child = ctx.Pipe(duplex=True)
                proc = ctx.Process(
                    target=worker_main,
                    args=(spec, child),
                    name=f"loadtui-worker-{spec.index}",
                    daemon=True,
                )
                proc.start()
                child.close()
                procs.append(proc)
                conns.append(parent)
                self._pids.append(proc.pid or 0)
            self._handshake(procs, conns)
            self._collect(procs, conns)
        except BaseException as exc:  # the record must still be written
            self._error = exc
            self._notes.append(f"runner error: {type(exc).__name__}: {exc}")
            self._state = "incomplete"
        finally:
            for proc in procs:
                proc.join(timeout=3.0)
                if proc.is_alive():
                    proc.terminate()
                    proc.join(timeout=2.0)
                if proc.is_alive():
                    proc.kill()
                    proc.join(timeout=2.0)
            for c in conns:
                c.close()
            if self._probe is not None:
                self._probe.stop()
            self._finish()
            self._queue.put(None)

    def _handshake(self, procs: list[Any], conns: list[Connection]) -> None:
        ready: set[int] = set()
        deadline = time.monotonic() + READY_TIMEOUT_S
        while len(ready) < len(procs):
            if self._stop.is_set():
                raise RuntimeError("stopped before the workers were ready")
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers not ready after {READY_TIMEOUT_S:.0f} s")
            for i, (proc, conn) in enumerate(zip(procs, conns, strict=True)):
                if i in ready:
                    continue
                if conn.poll(0.05):
                    msg = conn.recv()
                    if msg[0] == "ready":
                        ready.add(i)
                elif not proc.is_alive():
                    raise RuntimeError(f"worker {i} exited during start-up ({proc.exitcode})")
        self._t0 = time.monotonic() + 0.1
        self._started_wall = datetime.now(UTC) + timedelta(seconds=0.1)
        for conn in conns:
            conn.send(("go", self._t0))
        if self._probe is not None:
            self._probe.start(self._t0)

    def _collect(self, procs: list[Any], conns: list[Connection]) -> None:
        n = len(procs)
        alive = set(range(n))
        final: dict[int, int] = {}  # worker → index of its last window
        dead: set[int] = set()
        pending: dict[int, dict[int, WorkerWindow]] = {}
        next_index = 1
        last_t = 0.0
        stop_sent_at: float | None = None
        watchdog = self.end_s + max(30.0, 3 * self.plan.limits.request_timeout_s)

        def receive(i: int) -> None:
            try:
                while conns[i].poll():
                    message: tuple[str, WorkerWindow] = conns[i].recv()  # see worker.py
                    kind, payload = message
                    pending.setdefault(payload["index"], {})[i] = payload
                    if kind == "done":
                        final[i] = payload["index"]
                        alive.discard(i)
            except (EOFError, OSError):
                pass

        while True:
            if alive:
                objs: list[Any] = [conns[i] for i in alive] + [procs[i].sentinel for i in alive]
                for obj in wait(objs, timeout=0.2):
                    i = next(
                        (j for j in alive if obj is conns[j] or obj == procs[j].sentinel), None
                    )
                    if i is not None:
                        receive(i)
                for i in list(alive):
                    if not procs[i].is_alive():
                        receive(i)  # drain what it sent before dying
                        if i in alive:
                            alive.discard(i)
                            dead.add(i)
                            self._lost_workers += 1
                            code = procs[i].exitcode
                            self._notes.append(
                                f"worker {i} (pid {procs[i].pid}) died with exit code {code} "
                                f"at t={time.monotonic() - self._t0:.1f}s; the run went on "
                                "without it"
                            )
            elapsed = time.monotonic() - self._t0
            if (self._stop.is_set() or elapsed > watchdog) and stop_sent_at is None:
                if not self._stop.is_set():
                    self._notes.append("watchdog: workers overran the schedule; stopped")
                    self._stop_reason = self._stop_reason or "incomplete"
                stop_sent_at = time.monotonic()
                for i in alive:
                    with contextlib.suppress(BrokenPipeError, OSError):
                        conns[i].send(("stop",))
            if (
                stop_sent_at is not None
                and alive
                and (self._hard_stop.is_set() or time.monotonic() - stop_sent_at > STOP_TIMEOUT_S)
            ):
                for i in list(alive):
                    procs[i].terminate()
                    self._lost_workers += 1
                    alive.discard(i)
                    dead.add(i)
                self._notes.append("workers did not stop in time and were terminated")
            # merge every window that all workers still running have delivered
            while True:
                expected = [
                    i for i in range(n) if i not in dead and final.get(i, 1 << 30) >= next_index
                ]
                parts_by = pending.get(next_index, {})
                if any(i not in parts_by for i in expected):
                    break
                parts = [parts_by[i] for i in sorted(parts_by)]
                pending.pop(next_index, None)
                if not parts:
                    if not alive and not any(k > next_index for k in pending):
                        return
                    next_index += 1
                    continue
                t = max(p["t_end"] for p in parts)
                window = self._merge(parts, t, max(t - last_t, 1e-6))
                last_t = t
                next_index += 1
                self._after_window(window)
                self._queue.put(window)
            if not alive and not pending:
                return

    def _merge(self, parts: list[WorkerWindow], t: float, interval: float) -> MetricWindow:
        mid = max(t - interval / 2, 0.0)
        stage = self.profile.stage_at(mid)
        profile = self.profile
        if self.plan.workload.model == "open":
            # requests/s the plan asked for over this window (its mean, like `rps`)
            start = max(t - interval, 0.0)
            asked = profile.cumulative(min(t, profile.duration)) - profile.cumulative(start)
            rate = asked / interval if t > start else 0.0
            rate *= max(self.plan.workload.mean_requests_per_session, 0.0) or 1.0
        else:
            rate = profile.value_at(min(t, profile.duration))  # VUs at the window's end
        window = self.totals.merge(
            parts,
            t=t,
            ts=self._started_wall + timedelta(seconds=t),
            interval_s=interval,
            stage=stage,
            stage_name=self.profile.stage_name(stage),
            target_rate=rate,
        )
        if self._probe is not None:
            window.utilization = self._probe.utilization(t - interval, t)
        return window

    def _after_window(self, window: MetricWindow) -> None:
        if self.plan.workload.model == "open":
            self.delivery.observe(window)
        verdicts, abort = self.thresholds.evaluate(self.totals, window.t)
        self._verdicts = verdicts
        if abort and not self._stop.is_set():
            failed = ", ".join(f"{v.metric}: {v.expression}" for v in verdicts if not v.ok)
            self._notes.append(f"aborted at t={window.t:.1f}s: threshold failed ({failed})")
            with self._lock:
                self._stop_reason = "aborted"
                self._stop.set()
        watch = self.thresholds.breakpoint_watch(self.plan)  # a breakpoint test's stop conditions
        if watch is not None and watch.observe(window) is not None and not self._stop.is_set():
            self._notes.append(watch.stop_note())
            with self._lock:  # its breaking point is what the plan ran for: the run is complete
                self._stop_reason = "complete"
                self._stop.set()

    def _metrics(self, duration: float) -> dict[str, dict[str, float]]:
        if duration <= 0:
            return {}
        metrics = self.totals.k6_metrics(duration)
        _planned(metrics, self.delivery, duration)
        return metrics

    def _finish(self) -> None:
        ended = datetime.now(UTC)
        t = self.totals
        duration = t.elapsed_s
        if self._stop_reason in ("aborted", "interrupted"):
            state: RunState = self._stop_reason
        elif self._error is not None or self._stop_reason == "incomplete" or self._lost_workers:
            state = "incomplete"
        else:
            state = "complete"
        if t.windows:
            self._verdicts = self.thresholds.evaluate(t, duration, final=True)[0]
        if t.saturated_windows:
            self._notes.append(
                f"generator saturated (worker > 90% of a core) in {t.saturated_windows} of "
                f"{t.windows} windows: latencies include client-side queueing; add workers"
            )
        if t.dropped:
            self._notes.append(
                f"{t.dropped} arrivals/requests dropped by limits (max_in_flight/max_rps)"
            )
        self._state = state
        record = RunRecord(
            run_id=self.run_id,
            state=state,
            plan_name=self.plan.name,
            target=self.plan.target,
            started=self._started_wall,
            ended=ended,
            duration_s=round(duration, 3),
            workers=self.workers,
            transport=self.transport,
            workload=self.plan.workload.model,
            metrics=self._metrics(duration),
            thresholds=self._verdicts,
            errors_by_class=dict(t.errors_by_class),
            environment=_environment(self),
            notes=self._notes + self.delivery.notes() + _error_examples(t),
            breaking_point=(
                self.thresholds.breakpoint.result(state) if self.thresholds.breakpoint else None
            ),
        )
        self._record = record


def _planned(metrics: dict[str, dict[str, float]], delivery: Delivery, duration: float) -> None:
    """k6 has no planned rate; ours sits beside `count` and `rate` in `http_reqs`."""
    reqs = metrics.get("http_reqs")
    if reqs is not None and delivery.planned > 0:
        reqs["planned"] = round(delivery.planned, 1)
        reqs["planned_rate"] = round(delivery.planned / duration, 3)


def _error_examples(t: RunTotals) -> list[str]:
    return [
        f"{cls} e.g.: {ex}"
        for cls, examples in sorted(t.error_examples.items())
        for ex in examples[:1]
    ]


def _environment(r: Runner) -> dict[str, str]:
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": str(os.cpu_count() or 0),
        "workers": str(r.workers),
        "transport": r.transport,
        "interval_s": str(r.interval_s),
        "seed": str(r.seed),
        "arrivals": "paced" if r.paced else "poisson",
        "hostname": platform.node(),
        "schedule_s": f"{r.end_s:g}",
        "max_vus_or_rate": f"{max(r.profile.values):g}",
    }
