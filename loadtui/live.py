"""A live run without a UI: the one service the Run pane and `loadtui run` both consume.

`LiveRun` takes a plan and `RunOptions`, optionally starts the demo target, drives the engine's
`Runner`, writes the run folder through `store.sink.RunSink`, computes anomaly flags online for
every window (so a headless CI run saves them too) and hands out typed updates. Blocking by
design: a CLI loop or a UI thread worker iterates `updates()`; `stop()` is safe from any thread.

Phases: `idle` → `starting` (target, workers) → `running` → `stopping` (asked to stop) →
`ended`. The run folder is closed on every way out, a crash of the consumer included, so
everything up to the last window is kept.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from loadtui.analyze.anomaly import OnlineDetector
from loadtui.contracts import AnomalyFlag, MetricWindow, RunOptions, RunRecord, TestPlan
from loadtui.contracts import ThresholdVerdict as Verdict

if TYPE_CHECKING:
    from loadtui.distributed.locust import LocustRunner
    from loadtui.engine.runner import Runner
    from loadtui.store.sink import RunSink
    from loadtui.target.process import TargetProcess

Phase = Literal["idle", "starting", "running", "stopping", "ended"]

EXIT_OK = 0
EXIT_RUN_ERROR = 1
EXIT_THRESHOLDS = 99  # k6's code for failed thresholds (also after an abortOnFail abort)
EXIT_INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class PhaseChanged:
    phase: Phase
    detail: str = ""


@dataclass(frozen=True, slots=True)
class TargetStarted:
    """loadtui started the demo target at `url`; it stops when the run's owner closes."""

    url: str


@dataclass(frozen=True, slots=True)
class WindowDone:
    """One merged window, the live threshold verdicts after it and the flags it raised."""

    window: MetricWindow
    verdicts: list[Verdict]
    flags: list[AnomalyFlag]


@dataclass(frozen=True, slots=True)
class RunFinished:
    """The run ended; `record` is what summary.json holds (None only if it never started)."""

    record: RunRecord | None
    run_dir: Path | None
    error: str | None = None


RunUpdate = PhaseChanged | TargetStarted | WindowDone | RunFinished


def exit_code(record: RunRecord | None) -> int:
    """k6's exit codes: 0 thresholds hold, 99 one failed (or aborted), 1 run error, 130 Ctrl-C."""
    if record is None or record.state == "incomplete":
        return EXIT_RUN_ERROR
    if record.state == "aborted":
        return EXIT_THRESHOLDS
    if record.state == "interrupted":
        return EXIT_INTERRUPTED
    return EXIT_OK if all(v.ok for v in record.thresholds) else EXIT_THRESHOLDS


class LiveRun:
    """One run of one plan. `start()` then iterate `updates()`; or just iterate."""

    def __init__(
        self,
        plan: TestPlan,
        options: RunOptions | None = None,
        *,
        plan_source: Path | None = None,
        detector: OnlineDetector | None = None,
    ) -> None:
        """`plan_source` is copied verbatim into the run folder (comments and all)."""
        self.plan = plan
        self.options = options or RunOptions()
        self.plan_source = plan_source
        self.detector = detector or OnlineDetector()
        self.phase: Phase = "idle"
        self.runner: Runner | LocustRunner | None = None
        self.sink: RunSink | None = None
        self.target: TargetProcess | None = None
        self.record: RunRecord | None = None
        self.flags: list[AnomalyFlag] = []
        self.verdicts: list[Verdict] = []
        self._started_target: str | None = None
        self._lock = threading.Lock()
        self._stop_asked = False
        self._finished = False

    # -- the run -----------------------------------------------------------------------------
    @property
    def run_dir(self) -> Path | None:
        return self.sink.run_dir if self.sink is not None else None

    @property
    def schedule_s(self) -> float:
        """Seconds the schedule lasts (known once started)."""
        return self.runner.end_s if self.runner is not None else 0.0

    def start(self) -> None:
        """Reach (or start) the target, check the plan, open the run folder, spawn the workers.

        Blocking (starting a demo target takes about a second). Raises UserError for anything
        the user can fix, before any folder is written."""
        from loadtui.engine.runner import Runner
        from loadtui.store.sink import RunSink
        from loadtui.target.reach import check_reachable, ensure_target, is_demo

        if self.phase != "idle":
            raise RuntimeError("a LiveRun starts once")
        self.phase = "starting"
        opts = self.options
        plan = self.plan
        try:
            if opts.start_demo_target and is_demo(plan.target):
                url, proc = ensure_target(plan.target)
                if proc is not None:
                    self.target = proc
                    self._started_target = proc.url
                if url != plan.target:
                    plan = plan.model_copy(update={"target": url})
            else:
                check_reachable(plan.target, plan.limits.connect_timeout_s)
            self.plan = plan
            runner: Runner | LocustRunner
            if opts.engine == "locust":
                from loadtui.distributed.locust import LocustRunner

                runner = LocustRunner(plan, workers=opts.workers, interval_s=opts.interval_s)
            else:
                runner = Runner(
                    plan,
                    workers=opts.workers,
                    transport=opts.transport,
                    interval_s=opts.interval_s,
                    seed=opts.seed,
                    paced=opts.paced,
                )
            runner.thresholds.breakpoint_watch(plan)  # a bad stop condition: exit 2, no folder
            sink = RunSink.open(opts.out_dir, plan, source=self.plan_source, index=opts.index)
        except BaseException:
            self.phase = "ended"
            self.close_target()
            raise
        runner.run_id = sink.run_id
        self.runner, self.sink = runner, sink
        runner.start()
        with self._lock:
            if self._stop_asked:  # stop() came while the target or workers were starting
                runner.stop(wait=False)

    def updates(self) -> Iterator[RunUpdate]:
        """Typed updates until the run ended and its folder was closed (the last one is a
        `RunFinished`). Starts the run if `start()` was not called."""
        if self.phase == "idle":
            yield PhaseChanged("starting", "starting the target and the workers")
            self.start()
        if self._started_target is not None:
            yield TargetStarted(self._started_target)
        runner, sink = self.runner, self.sink
        if runner is None or sink is None:
            raise RuntimeError("the run did not start")
        if self.phase == "starting" and not self._stop_asked:
            self.phase = "running"
            yield PhaseChanged("running", f"{runner.workers} workers, {runner.transport}")
        error: str | None = None
        consumed = False
        try:
            for window in runner.windows():
                flags = self.detector.update(window)
                sink.window(window)
                if flags:
                    sink.flags(flags)
                    self.flags.extend(flags)
                self.verdicts = runner.verdicts()
                yield WindowDone(window, self.verdicts, flags)
            consumed = True
        except RuntimeError as exc:  # the engine broke; its record says `incomplete`
            error = str(exc)
            consumed = True
        finally:
            if not consumed:  # the consumer went away (closed us, crashed, Ctrl-C)
                self.stop()
            self._finish()
        yield PhaseChanged("ended", self.record.state if self.record else "failed")
        yield RunFinished(self.record, sink.run_dir, error)

    def run(self) -> RunRecord | None:
        """Run to the end without watching (tests, scripts)."""
        for _ in self.updates():
            pass
        return self.record

    def stop(self, *, hard: bool = False) -> None:
        """Ask the run to stop (state `interrupted`; what ran is kept). A second call, or
        `hard`, gives up the workers' grace period. Returns at once."""
        with self._lock:
            self._stop_asked = True
            if self.phase in ("starting", "running"):
                self.phase = "stopping"
        if self.runner is not None:
            self.runner.stop(wait=False)
            if hard:
                self.runner.stop(wait=False)

    def close_target(self) -> None:
        """Stop the demo target if this run started it (idempotent)."""
        if self.target is not None:
            self.target.stop()
            self.target = None

    def _finish(self) -> None:
        """Close the folder with the runner's record (or one rebuilt from the windows)."""
        if self._finished:
            return
        self._finished = True
        runner, sink = self.runner, self.sink
        record: RunRecord | None = None
        if runner is not None:
            try:
                record = runner.result(timeout=60)
            except RuntimeError:  # still going after a minute: stop it, then take what is left
                runner.stop(wait=True, timeout=30)
                with contextlib.suppress(RuntimeError):
                    record = runner.result(timeout=5)
        if sink is not None and not sink.closed:
            record = sink.close(record)
        self.record = record
        self.phase = "ended"
