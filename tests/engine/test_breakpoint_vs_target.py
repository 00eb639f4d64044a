"""Acceptance: a breakpoint test against the demo target finds the target's knee.

The target serves 8 requests at a time at ~10 ms each, so it answers at most `knee_rps`
(≈ 775 req/s; a little less in practice, Python's timers and the box's other load take their
share). Its 256-deep queue absorbs the excess for a few seconds past the knee; once it is full,
503s arrive at once and the error rate jumps past 5 %. One-request sessions (a `--url` plan)
keep the offered rate exactly the planned one. The ramp goes 0 → 1,600 req/s in 40 s; the run
stops ~25-30 s in, 1 worker, well inside what one generator process sends on a busy box.
"""

from __future__ import annotations

import json
from pathlib import Path

from loadtui.commands.run import summary_text
from loadtui.contracts import RunOptions
from loadtui.engine.url_plan import build_url_plan
from loadtui.live import EXIT_OK, LiveRun, WindowDone, exit_code
from loadtui.plan.build import as_breakpoint
from loadtui.plan.stages import total_seconds
from loadtui.target.process import TargetProcess


def test_a_breakpoint_run_stops_past_the_knee_and_reports_it(tmp_path: Path) -> None:
    with TargetProcess(capacity=8, service_ms=10.0, seed=3) as target:
        knee = target.knee_rps
        plan = as_breakpoint(
            build_url_plan(target.url + "/products/42", rate=1.0),
            peak_rps=160.0,
            duration="40s",
        )
        live = LiveRun(plan, RunOptions(out_dir=tmp_path, workers=1, seed=7, index=False))
        windows = [u.window for u in live.updates() if isinstance(u, WindowDone)]
        record = live.record
        run_dir = live.run_dir
    assert record is not None and run_dir is not None
    assert 700 < knee < 850  # capacity 8 × 1000 / ~10.3 ms mean service
    bp = record.breaking_point
    assert bp is not None and bp.found, record.notes
    # it stopped past the knee, well before the end of its 40 s ramp
    assert record.state == "complete" and exit_code(record) == EXIT_OK
    assert record.duration_s < total_seconds(plan.stages) - 3
    assert max(w.target_rate for w in windows) > knee
    # the breaking point: the rate sustained before the break is the knee, within 20 %
    assert abs(bp.rate_rps - knee) <= 0.2 * knee, (bp, knee)
    # and it broke once the offered rate was past what the target can answer
    assert bp.broke_at_rps is not None and bp.broke_at_rps > bp.rate_rps
    assert 0.9 * knee < bp.broke_at_rps < 1.5 * knee, (bp, knee)
    assert bp.condition == "http_req_failed rate>0.05"
    assert bp.t is not None and bp.stage is not None and bp.stage.startswith("ramp to ×")
    # the windows up to the break were good: under 5 % errors over any 5 s before it
    before = [w for w in windows if w.t < bp.t]
    assert sum(w.errors for w in before[-5:]) <= 0.05 * sum(w.requests for w in before[-5:])
    # summary.json and the headless summary carry it
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["state"] == "complete"
    assert summary["breaking_point"]["rate_rps"] == bp.rate_rps
    assert summary["breaking_point"]["broke_at_rps"] == bp.broke_at_rps
    text = summary_text(record, run_dir).splitlines()
    line = [s for s in text if s.strip().startswith("[bold]breaking point[/bold]:")]
    assert len(line) == 1 and f"{bp.rate_rps:,.0f} req/s sustained" in line[0]
    assert any(n.startswith("stopped at t=") for n in record.notes)
