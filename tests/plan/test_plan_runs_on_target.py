"""A plan built from a model runs against the demo target: tokens, bodies and routes all work."""

from __future__ import annotations

from pathlib import Path

from loadtui.contracts import Distribution, TrafficModel
from loadtui.plan.build import build_plan
from loadtui.target.process import TargetProcess


def test_a_built_plan_runs_clean_against_the_demo_target(
    model: TrafficModel, tmp_path: Path
) -> None:
    from loadtui.engine.runner import Runner

    quick = Distribution(kind="constant", median=0.05, mean=0.05)
    fast_model = model.model_copy(
        update={"personas": [p.model_copy(update={"think_time_s": quick}) for p in model.personas]}
    )
    with TargetProcess(capacity=32, service_ms=2.0) as target:
        plan = build_plan(fast_model, duration="10s", peak_rps=60.0, target=target.url)
        runner = Runner(plan, workers=1, transport="aiohttp", seed=5)
        routes: dict[str, list[int]] = {}
        statuses: dict[str, int] = {}
        for w in runner.windows():
            for key, b in w.by_route.items():
                acc = routes.setdefault(key, [0, 0])
                acc[0] += b.requests
                acc[1] += b.errors
            for code, n in w.status_counts.items():
                statuses[code] = statuses.get(code, 0) + n
        record = runner.result()
        served = target.stats()["served"]
    assert record.state == "complete"
    assert record.metrics["http_req_failed"]["rate"] == 0, (statuses, routes)
    assert set(statuses) <= {"200", "201", "204"}
    for route in ("POST /login", "POST /checkout", "GET /account", "PUT /notes/{id}"):
        assert routes.get(route, [0])[0] > 0, routes
    assert served == record.metrics["http_reqs"]["count"]
