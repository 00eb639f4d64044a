"""An imported run before it becomes a run folder, and the one function that writes it.

Importers read a tool's files into `ImportedRun` (pure parsing, no I/O beyond reading); only
`write_run` touches `runs/`, and it does so through `RunSink`, so an imported run folder has
the same shape, index row and summary as a native one and `load_run` reads it back unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from loadtui.contracts import MetricWindow, RunRecord, TestPlan, ThresholdVerdict, Workload
from loadtui.store.sink import RunSink, new_run_id

Tool = Literal["k6", "locust"]


@dataclass
class ImportedRun:
    """What one result file (or one Locust `--csv` prefix) says about one run."""

    source: Tool
    name: str
    files: list[Path]
    started: datetime
    duration_s: float
    # k6-style totals as the tool stated them: {"http_reqs": {"count": .., "rate": ..}, ...}
    metrics: dict[str, dict[str, float]]
    ended: datetime | None = None
    target: str = ""
    windows: list[MetricWindow] = field(default_factory=list)
    thresholds: list[ThresholdVerdict] = field(default_factory=list)
    plan_thresholds: dict[str, list[str]] = field(default_factory=dict)
    errors_by_class: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    shape: str = ""  # which file format it was read from, for people

    @property
    def end(self) -> datetime:
        return self.ended or self.started + timedelta(seconds=self.duration_s)


def plan_of(run: ImportedRun) -> TestPlan:
    """What the file tells about the test: its name, target and thresholds. Stages and
    scenarios stay empty: result files do not carry the script that made them."""
    return TestPlan(
        name=run.name,
        target=run.target,
        workload=Workload(model="closed", rate_unit="vus"),
        thresholds=run.plan_thresholds,
    )


def record_of(run: ImportedRun, run_id: str) -> RunRecord:
    notes = [f"imported from {run.shape}: {', '.join(str(p) for p in run.files)}", *run.notes]
    return RunRecord(
        run_id=run_id,
        state="complete",
        plan_name=run.name,
        target=run.target,
        started=run.started,
        ended=run.end,
        duration_s=run.duration_s,
        transport=run.source,
        # k6 and Locust both drive virtual users (k6's arrival-rate executors too, underneath)
        workload="closed",
        metrics=run.metrics,
        thresholds=run.thresholds,
        errors_by_class=run.errors_by_class,
        environment={"imported_from": ", ".join(str(p) for p in run.files)},
        notes=notes,
        source=run.source,
    )


def write_run(
    run: ImportedRun, out_dir: Path | str, *, index: bool = True
) -> tuple[RunRecord, Path]:
    """Write `out_dir/<run-id>/` (id from the run's own start time) and index it in runs.db."""
    run_id = new_run_id(run.started.astimezone(UTC))
    sink = RunSink.open(out_dir, plan_of(run), run_id=run_id, index=index)
    for window in run.windows:
        sink.window(window)
    record = sink.close(record_of(run, sink.run_id))
    return record, sink.run_dir
