"""A breakpoint test's stop conditions, judged over the last seconds of synthetic windows.

No network: merged windows are built by hand (1 s each) with known requests, errors and
latency histograms, so each verdict and the breaking point can be checked exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from engine_servers import LocalServer

from loadtui.contracts import Breakdown, Breakpoint, MetricWindow, RunOptions, TestPlan
from loadtui.engine.histogram import LatencyHistogram
from loadtui.engine.thresholds_live import BreakpointWatch, LiveThresholds
from loadtui.engine.url_plan import build_url_plan
from loadtui.errors import UserError
from loadtui.live import LiveRun
from loadtui.plan.build import as_breakpoint

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def window(
    t: float,
    requests: int,
    errors: int = 0,
    *,
    planned: float | None = None,
    latency_ms: float | None = None,
    stage: str | None = None,
    saturated: bool = False,
    scenario: dict[str, Breakdown] | None = None,
) -> MetricWindow:
    hist = None
    if latency_ms is not None and requests:
        h = LatencyHistogram()
        for _ in range(requests):
            h.record_ms(latency_ms)
        hist = h.encode()
    return MetricWindow(
        t=t,
        ts=T0 + timedelta(seconds=t),
        interval_s=1.0,
        stage_name=stage,
        target_rate=float(requests if planned is None else planned),
        requests=requests,
        errors=errors,
        rps=float(requests),
        hist=hist,
        generator_saturated=saturated,
        by_scenario=scenario or {},
    )


def feed(watch: BreakpointWatch, windows: list[MetricWindow]) -> float | None:
    """Feed windows in order; the t of the window that confirmed a breaking point, if any."""
    for w in windows:
        if watch.observe(w) is not None:
            return w.t
    return None


def test_a_late_break_stops_the_run_although_the_totals_still_pass() -> None:
    """Five good minutes, then 20 % errors: over the run's totals the error rate is still
    about 1 % when the run stops, far under 5 %; over the last 5 s it is 20 %."""
    watch = BreakpointWatch(Breakpoint(until={"http_req_failed": ["rate>0.05"]}))
    good = [window(t, 500, stage="ramp to ×3") for t in range(1, 301)]
    bad = [window(t, 500, 100, planned=900, stage="ramp to ×4") for t in range(301, 331)]
    stopped = feed(watch, good + bad)
    assert stopped is not None
    seen = good + [w for w in bad if w.t <= stopped]
    total_rate = sum(w.errors for w in seen) / sum(w.requests for w in seen)
    assert total_rate < 0.05
    bp = watch.found
    assert bp is not None and bp.found
    # the streak began at t=302 (the 5 s window reached 8 % there) and held 5 s: stop at 307
    assert stopped == 307
    # the break is dated to the first bad window, the good ones before it are the last good
    assert bp.t == 301 and bp.broke_at_rps == 900
    assert bp.rate_rps == 500 and bp.stage == "ramp to ×3"
    assert bp.condition == "http_req_failed rate>0.05"
    assert bp.value == pytest.approx(0.2)
    assert "500 req/s sustained" in bp.reason and "900 req/s planned" in bp.reason
    assert watch.stop_note().startswith("stopped at t=307.0s: http_req_failed rate>0.05")


def test_one_noisy_window_does_not_stop_the_run() -> None:
    """A single window of 100 % errors lifts the 5 s error rate to 20 % for 5 evaluations,
    one short of the 5 s it must hold (hold ≥ window)."""
    watch = BreakpointWatch(Breakpoint())
    windows = [window(t, 400) for t in range(1, 61)]
    windows[29] = window(30, 400, 400)
    assert feed(watch, windows) is None
    result = watch.result("complete")
    assert not result.found and result.broke_at_rps is None
    assert result.reason.startswith("not found: no stop condition held up to 400 req/s")


def test_two_bad_windows_in_a_row_do_stop_it() -> None:
    watch = BreakpointWatch(Breakpoint())
    windows = [window(t, 400) for t in range(1, 61)]
    windows[29] = window(30, 400, 400)
    windows[30] = window(31, 400, 400)
    assert feed(watch, windows) == 35
    assert watch.found is not None and watch.found.t == 30


def test_p95_past_its_limit_stops_the_run_and_the_sustained_rate_is_averaged() -> None:
    """Latency climbs while the target still answers everything: the p95 condition stops
    it. The rate sustained before is the best 5 s average, not one lucky window."""
    watch = BreakpointWatch(Breakpoint(until={"http_req_duration": ["p(95)>1000"]}))
    windows = [window(t, 100 * t, latency_ms=20, stage="warm") for t in range(1, 11)]
    windows[9] = window(10, 2000, latency_ms=20, stage="warm")  # one lucky window
    windows += [window(t, 1000, latency_ms=1500, planned=1200) for t in range(11, 20)]
    assert feed(watch, windows) == 16
    bp = watch.found
    assert bp is not None
    assert bp.t == 11 and bp.broke_at_rps == 1200
    assert bp.rate_rps == pytest.approx((600 + 700 + 800 + 900 + 2000) / 5)
    assert bp.condition == "http_req_duration p(95)>1000"
    assert bp.value == pytest.approx(1500, rel=0.01)


def test_few_requests_give_no_verdict() -> None:
    """At the foot of the ramp 3 errors in 10 requests say nothing about the target."""
    watch = BreakpointWatch(Breakpoint())
    assert feed(watch, [window(t, 2, 1) for t in range(1, 30)]) is None


def test_a_scenario_condition_reads_that_scenario_only() -> None:
    watch = BreakpointWatch(
        Breakpoint(until={"http_req_failed{scenario:checkout}": ["rate>0.1"]}, hold="2s")
    )
    ok = {"checkout": Breakdown(requests=100, errors=0), "browse": Breakdown(requests=900)}
    failing = {"checkout": Breakdown(requests=100, errors=50), "browse": Breakdown(requests=900)}
    windows = [window(t, 1000, 0, scenario=ok) for t in range(1, 11)]
    windows += [window(t, 1000, 50, scenario=failing) for t in range(11, 20)]
    # 5 % errors over all requests, 50 % in checkout
    assert feed(watch, windows) is not None
    assert watch.found is not None and watch.found.t == 11


def test_a_saturated_generator_is_named_in_the_reason() -> None:
    watch = BreakpointWatch(Breakpoint(until={"http_req_failed": ["rate>0.05"]}))
    windows = [window(t, 300) for t in range(1, 11)]
    windows += [window(t, 300, 60, saturated=True) for t in range(11, 20)]
    assert feed(watch, windows) is not None
    assert watch.found is not None and "generator was saturated" in watch.found.reason


def test_an_interrupted_run_says_it_ended_before_a_break() -> None:
    watch = BreakpointWatch(Breakpoint())
    feed(watch, [window(t, 200 + t, stage="ramp to ×2") for t in range(1, 21)])
    result = watch.result("interrupted")
    assert not result.found
    assert result.reason.startswith("not found before the run ended (interrupted) at t=20.0s")
    assert result.rate_rps == pytest.approx(sum(range(216, 221)) / 5)


def test_which_plans_are_watched() -> None:
    assert BreakpointWatch.for_plan(TestPlan(type="load")) is None
    default = BreakpointWatch.for_plan(TestPlan(type="breakpoint"))
    assert default is not None
    assert [c.label for c in default.conditions] == [
        "http_req_failed rate>0.05",
        "http_req_duration p(95)>1000",
    ]
    # any open plan may carry stop conditions
    custom = TestPlan(type="load", breakpoint=Breakpoint(until={"http_reqs": ["rate<10"]}))
    watch = BreakpointWatch.for_plan(custom)
    assert watch is not None and [c.label for c in watch.conditions] == ["http_reqs rate<10"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (Breakpoint(until={"http_req_failed": ["p(95)>3"]}), "http_req_failed has no p(95)"),
        (Breakpoint(until={"vus": ["value>3"]}), "a stop condition cannot read 'vus'"),
        (Breakpoint(window="0s"), "breakpoint.window must be longer than 0s"),
        (Breakpoint(hold="soon"), "breakpoint: "),
    ],
)
def test_a_bad_stop_condition_is_a_user_error(spec: Breakpoint, message: str) -> None:
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        BreakpointWatch(spec)


def test_live_thresholds_bind_the_watch_once() -> None:
    live = LiveThresholds({})
    plan = TestPlan(type="breakpoint")
    watch = live.breakpoint_watch(plan)
    assert watch is not None and live.breakpoint is watch
    assert live.breakpoint_watch(plan) is watch


def test_a_live_run_refuses_a_bad_stop_condition_before_its_folder(
    local_server: Callable[..., LocalServer], tmp_path: Path
) -> None:
    """A hand-edited plan: the user hears it before any worker starts or folder is written."""
    server = local_server()
    plan = as_breakpoint(build_url_plan(server.url + "/", rate=1.0), peak_rps=5.0, duration="10s")
    plan = plan.model_copy(update={"breakpoint": Breakpoint(until={"vus": ["value>1"]})})
    live = LiveRun(plan, RunOptions(out_dir=tmp_path / "runs", workers=1, index=False))
    with pytest.raises(UserError, match="a stop condition cannot read 'vus'"):
        live.start()
    assert live.phase == "ended" and not (tmp_path / "runs").exists()
    assert server.behaviour.requests == 0
