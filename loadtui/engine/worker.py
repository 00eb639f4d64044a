"""One load-generating process: uvloop, one transport, many sessions, one window per interval.

Protocol over the pipe to the runner (pickled tuples):
  worker → runner: ("ready", pid), then ("window", WorkerWindow) once per interval and one
    ("done", WorkerWindow) last; a `WorkerWindow` (loadtui.engine.metrics) is a TypedDict, a
    plain dict on the wire: counters, encoded histograms, and per route and per scenario a
    (requests, errors, encoded histogram) tuple. Its "index" says which interval it is.
  runner → worker: ("go", t0) with t0 a time.monotonic() value shared by all workers, ("stop",)
Windows are aligned to t0 + k·interval so the runner can add window k of every worker. The last
window (index K) runs to the end of the drain after the schedule ends, or to the stop.
Ctrl-C reaches every process of the terminal's process group; workers ignore SIGINT and wait for
the runner's "stop" so the run is flushed in order.

Sessions are callback-driven `Session` objects, not tasks: an open-model arrival starts one
(recycled from a free list), a closed-model VU (`VirtualUser`) chains its iterations from each
session's end. On a stop, sessions end between requests; in-flight requests get a grace period;
then the context is cancelled (late answers are not recorded) and the transport closed.
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection

from loadtui.contracts import TestPlan
from loadtui.engine.metrics import CpuMeter, WindowRecorder, WorkerWindow
from loadtui.engine.schedule import (
    StageProfile,
    arrival_seed,
    paced_arrivals,
    poisson_arrivals,
    vus_at,
    worker_vus,
)
from loadtui.engine.sessions import (
    TIMER_SLACK_S,
    CompiledScenario,
    RateLimiter,
    ScenarioPicker,
    Session,
    SessionContext,
)
from loadtui.engine.transport import (
    CallbackTransport,
    TransportOptions,
    make_transport,
    with_callbacks,
)
from loadtui.engine.warm import WarmStart, join_times, survival

TIMER_TICK_S = 0.001  # uvloop (libuv) timer resolution
THIN_TICK_S = 0.1  # how often sessions may leave while the open model's rate falls
STOP_GRACE_S = 1.0  # in-flight requests get this long after a stop before they are cancelled


@dataclass(frozen=True)
class WorkerSpec:
    plan_json: str
    index: int
    count: int
    seed: int
    interval_s: float
    transport: str
    end_s: float  # schedule length capped by limits.max_duration
    paced: bool  # fixed-rate arrivals (url mode --rate) instead of Poisson
    max_connections: int  # this worker's share of the pool
    max_in_flight: int  # this worker's share
    max_rps: float | None  # this worker's share


class Worker:
    def __init__(self, spec: WorkerSpec, conn: Connection, t0: float) -> None:
        self.spec = spec
        self.conn = conn
        self.t0 = t0
        self.plan = TestPlan.model_validate_json(spec.plan_json)
        self.profile = StageProfile.from_stages(self.plan.stages)
        self.rng = random.Random(arrival_seed(spec.seed, spec.index) + 1)
        self.recorder = WindowRecorder()
        self.cpu = CpuMeter()
        scenarios = [CompiledScenario.from_scenario(s) for s in self.plan.scenarios]
        weights = [s.weight for s in self.plan.scenarios]
        self.picker = ScenarioPicker(scenarios, weights)
        # the open model keeps sessions in flight at the rate's equilibrium (see `warm`)
        self.warm = (
            WarmStart(
                scenarios,
                weights,
                random.Random(arrival_seed(spec.seed, spec.index) + 2),
                planned_requests_per_session=self.plan.workload.mean_requests_per_session,
            )
            if self.plan.workload.model == "open" and not spec.paced
            else None
        )
        self.vus: list[VirtualUser] = []
        self.free: list[Session] = []  # ended open-model sessions, reused by later arrivals
        self.drained: asyncio.Future[None] | None = None  # set when the last session ends
        self.stop_requested = asyncio.Event()
        self.window_index = 1
        self.transport: CallbackTransport | None = None
        self.ctx: SessionContext | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        # one-request arrivals may start with `Session.begin_single` (no rate cap, ids resolved)
        self.direct = False

    # -- wiring -------------------------------------------------------------------------------
    def _on_control(self) -> None:
        try:
            while self.conn.poll():
                msg = self.conn.recv()
                if msg and msg[0] == "stop":
                    self.stop_requested.set()
        except (EOFError, OSError):
            self.stop_requested.set()  # the runner is gone: stop rather than run unobserved

    def _send(self, kind: str, payload: WorkerWindow) -> None:
        try:
            self.conn.send((kind, payload))
        except (BrokenPipeError, OSError):
            self.stop_requested.set()

    def _elapsed(self) -> float:
        return time.monotonic() - self.t0

    async def run(self) -> None:
        spec = self.spec
        limits = self.plan.limits
        options = TransportOptions(
            request_timeout_s=limits.request_timeout_s,
            connect_timeout_s=limits.connect_timeout_s,
            max_connections=spec.max_connections,
            headers=self.plan.headers or None,
        )
        self.transport = with_callbacks(make_transport(spec.transport, self.plan.target, options))
        self.ctx = SessionContext(
            transport=self.transport,
            recorder=self.recorder,
            limiter=RateLimiter(spec.max_rps),
            max_in_flight=spec.max_in_flight,
        )
        self.direct = self.ctx.ids is not None and self.ctx.limiter.rate is None
        loop = self.loop = asyncio.get_running_loop()
        loop.add_reader(self.conn.fileno(), self._on_control)
        driver = (
            self._drive_closed() if self.plan.workload.model == "closed" else self._drive_open()
        )
        drive_task = asyncio.create_task(driver)
        tick_task = asyncio.create_task(self._tick())
        stop_task = asyncio.create_task(self.stop_requested.wait())
        helpers = (
            [asyncio.create_task(self._drive_joins()), asyncio.create_task(self._thin())]
            if self.warm is not None and self.warm.active
            else []
        )
        try:
            await asyncio.wait({drive_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
            stopped = self.stop_requested.is_set()
            for task in (drive_task, *helpers):
                task.cancel()
            await asyncio.gather(drive_task, *helpers, return_exceptions=True)
            self.ctx.stop()  # sessions end between requests; think-time waits end now
            grace = STOP_GRACE_S if stopped else limits.request_timeout_s + 0.5
            if self.recorder.active > 0:
                self.drained = loop.create_future()
                await asyncio.wait({self.drained}, timeout=grace)
            self._cancel()
        finally:
            stop_task.cancel()
            tick_task.cancel()
            await asyncio.gather(tick_task, stop_task, return_exceptions=True)
            loop.remove_reader(self.conn.fileno())
            self._send("done", self._window(self._elapsed()))
            await self.transport.close()

    # -- windows ------------------------------------------------------------------------------
    def _window(self, t_end: float) -> WorkerWindow:
        assert self.ctx is not None
        window = self.recorder.snapshot(
            index=self.window_index,
            t_end=t_end,
            interval_s=self.spec.interval_s,
            cpu=self.cpu.read(),
            in_flight=self.ctx.in_flight,
        )
        self.window_index += 1
        return window

    async def _tick(self) -> None:
        iv = self.spec.interval_s
        while True:
            boundary = self.window_index * iv
            if boundary >= self.spec.end_s - 1e-9:
                return  # the last window is sent by run() after the drain
            await asyncio.sleep(max(0.0, boundary - self._elapsed()))
            self._send("window", self._window(boundary))

    # -- sessions -----------------------------------------------------------------------------
    def _cancel(self) -> None:
        """After the grace: what is still in flight is abandoned (answers no longer recorded)."""
        assert self.ctx is not None
        self.ctx.cancel()
        for vu in self.vus:
            vu.alive = False
        self.recorder.active = 0

    def _ended(self) -> None:
        """A session or VU ended after the stop: the last one lets `run` go on."""
        drained = self.drained
        if self.recorder.active <= 0 and drained is not None and not drained.done():
            drained.set_result(None)

    def _spawn(self, intended: float) -> None:
        """Start one session whose first request is intended at perf_counter time `intended`."""
        ctx = self.ctx
        assert ctx is not None
        if ctx.in_flight >= ctx.max_in_flight:
            self.recorder.drop()  # k6's dropped_iterations: the generator is at its cap
            return
        scenario = self.picker.pick(self.rng)
        free = self.free
        session = (
            free.pop() if free else Session(ctx, self.rng, not self.spec.paced, self._session_end)
        )
        rec = self.recorder
        rec.active += 1
        if rec.active > rec.active_peak:
            rec.active_peak = rec.active
        rec.sessions_started += 1
        if scenario.single is not None and self.direct and not ctx.stopping:
            session.begin_single(scenario, intended)  # due now: the driver waited for it
        else:
            session.begin(scenario, intended)

    def _session_end(self, session: Session, ok: bool) -> None:
        """An arrival's session ended (an arrival is one session: nothing follows it)."""
        rec = self.recorder
        if ok:
            rec.iterations += 1
        rec.active -= 1
        self.free.append(session)
        if self.drained is not None:
            self._ended()

    async def _drive_open(self) -> None:
        """Launch each arrival when it is due, as one loop over the seeded arrival times.

        Arrivals due within TIMER_SLACK_S are launched back to back without yielding (a late
        wake-up launches the whole backlog at once, each with its own intended time); the
        driver sleeps only when the next arrival is further away, aiming to wake TIMER_SLACK_S
        before it but never for less than one timer tick (uvloop's timers have 1 ms resolution;
        a shorter sleep would spin the loop), i.e. at most once per tick at high rates instead
        of once per arrival. A start is thus within about half a tick of its intended time,
        early or late, as before; an early one has a corrected latency of its service time (never
        less), a late one reports the lateness as send lag.
        """
        spec = self.spec
        if spec.paced:
            arrivals = paced_arrivals(self.profile, index=spec.index, count=spec.count)
        else:
            scale = self.warm.rate_scale if self.warm is not None else 1.0
            arrivals = poisson_arrivals(
                self.profile, seed=arrival_seed(spec.seed, spec.index), share=scale / spec.count
            )
        monotonic, perf = time.monotonic, time.perf_counter
        t0, end, spawn = self.t0, spec.end_s, self._spawn
        to_perf = t0 - monotonic() + perf()  # arrival offset → perf_counter instant
        due = -math.inf  # arrivals up to this offset are due: no clock read needed for them
        for t in arrivals:
            if t >= end:
                break
            if t > due:
                due = monotonic() - t0 + TIMER_SLACK_S
                while t > due:
                    await asyncio.sleep(max(t - due, TIMER_TICK_S))
                    now = monotonic()
                    to_perf = t0 - now + perf()
                    due = now - t0 + TIMER_SLACK_S
            spawn(to_perf + t)
        # a run lasts its plan: the sessions under way go on to the end of the last stage
        await asyncio.sleep(max(0.0, end - (monotonic() - t0)))

    async def _drive_joins(self) -> None:
        """Sessions met mid-journey join when the rate rises (see `warm`): their next request
        goes out after the rest of its think time."""
        warm, spec, ctx = self.warm, self.spec, self.ctx
        assert warm is not None and ctx is not None
        times = join_times(
            self.profile,
            warm.rate_scale * warm.mean_duration,
            seed=arrival_seed(spec.seed, spec.index) + 3,
            share=1.0 / spec.count,
        )
        rng, rec = self.rng, self.recorder
        for t in times:
            if t >= spec.end_s:
                return
            delay = t - self._elapsed()
            if delay > TIMER_TICK_S:
                await asyncio.sleep(delay)
            if ctx.stopping:
                return
            joining = warm.sample(rng)
            if joining is None:
                continue
            free = self.free
            session = free.pop() if free else Session(ctx, rng, True, self._session_end)
            rec.active += 1
            if rec.active > rec.active_peak:
                rec.active_peak = rec.active
            rec.sessions_started += 1
            session.join(
                joining.scenario,
                joining.index,
                joining.count,
                time.perf_counter() + joining.wait,
            )

    async def _thin(self) -> None:
        """Sessions leave (during a think time) as the rate falls, so the population follows
        it down (thinning: each waits-out session stays with probability λ(t₁)/λ(t₀))."""
        ctx = self.ctx
        assert ctx is not None
        rng = self.rng
        before = self._elapsed()
        while True:
            await asyncio.sleep(THIN_TICK_S)
            now = self._elapsed()
            keep = survival(self.profile, before, now)
            before = now
            if keep < 1.0 and ctx.waiting:
                for session in list(ctx.waiting):
                    if rng.random() >= keep:
                        session.leave()

    async def _drive_closed(self) -> None:
        """Keep this worker's share of the stage's VUs alive; extra ones retire after their
        current iteration."""
        spec = self.spec
        while True:
            t = self._elapsed()
            if t >= spec.end_s:
                return
            want = worker_vus(vus_at(self.profile, t), index=spec.index, count=spec.count)
            self.vus = [v for v in self.vus if v.alive]
            live = [v for v in self.vus if not v.retired]
            while len(live) < want:
                vu = VirtualUser(self)
                self.vus.append(vu)
                live.append(vu)
                vu.start()
            for vu in live[want:]:
                vu.retired = True  # finishes its current iteration, then leaves
            await asyncio.sleep(0.05)


class VirtualUser:
    """A closed-model VU: one session after another (each intended at the previous one's end
    plus think time) until the worker stops or the stages retire it.

    The VU is its session's `on_end`: it answers with the next iteration's scenario, which the
    session starts in place (see `Session`)."""

    __slots__ = ("alive", "retired", "session", "worker")

    def __init__(self, worker: Worker) -> None:
        assert worker.ctx is not None
        self.worker = worker
        self.session = Session(worker.ctx, worker.rng, True, self._ended)
        self.alive = False
        self.retired = False

    def start(self) -> None:
        rec = self.worker.recorder
        self.alive = True
        rec.active += 1
        if rec.active > rec.active_peak:
            rec.active_peak = rec.active
        scenario = self._next()
        if scenario is not None:
            self.session.begin(scenario, time.perf_counter())

    def _next(self) -> CompiledScenario | None:
        """The next iteration's scenario, or None when this VU leaves (stop, retired)."""
        worker = self.worker
        assert worker.ctx is not None
        if worker.ctx.stopping or self.retired:
            self._leave()
            return None
        try:
            scenario = worker.picker.pick(worker.rng)
        except Exception as exc:
            asyncio.get_running_loop().call_exception_handler(
                {"message": "VU iteration failed", "exception": exc}
            )
            self._leave()
            return None
        worker.recorder.sessions_started += 1
        return scenario

    def _ended(self, session: Session, ok: bool) -> CompiledScenario | None:
        if not ok:  # a callback raised (reported by the session): this VU is done
            self._leave()
            return None
        worker = self.worker
        worker.recorder.iterations += 1
        if not self.alive:
            return None
        if self.retired or worker.ctx.stopping:  # type: ignore[union-attr]
            self._leave()
            return None
        try:  # `_next`, inlined: this runs once per request of a `--url` run
            scenario = worker.picker.pick(worker.rng)
        except Exception as exc:
            asyncio.get_running_loop().call_exception_handler(
                {"message": "VU iteration failed", "exception": exc}
            )
            self._leave()
            return None
        worker.recorder.sessions_started += 1
        return scenario

    def _leave(self) -> None:
        if self.alive:
            self.alive = False
            self.worker.recorder.active -= 1
            if self.worker.drained is not None:
                self.worker._ended()


def worker_main(spec: WorkerSpec, conn: Connection) -> None:
    """Process entry point (spawn/forkserver): handshake, then run the event loop to the end."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    worker = Worker(spec, conn, 0.0)  # compiled (and journeys simulated) before the clock starts
    conn.send(("ready", os.getpid()))
    msg = conn.recv()
    if not msg or msg[0] != "go":
        return
    worker.t0 = float(msg[1])
    try:
        import uvloop

        uvloop.run(worker.run())
    except ImportError:  # pragma: no cover - uvloop is a dependency on Linux/macOS
        asyncio.run(worker.run())
    conn.close()


def split_evenly(total: float, count: int, *, minimum: int = 1) -> int:
    """One worker's share of a cap (connections, in-flight), rounded up."""
    return max(minimum, math.ceil(total / max(count, 1)))
