"""A plan built from a profiled synth log: the real pipeline's model, not a hand-made one."""

from __future__ import annotations

import pytest

from loadtui.contracts import IngestReport, TrafficModel
from loadtui.plan.build import build_plan

pytest.importorskip("loadtui.ingest.sessions")
pytest.importorskip("loadtui.ingest.bots")
generator = pytest.importorskip("loadtui.synth.generator")


@pytest.fixture(scope="module")
def synth_model() -> TrafficModel:
    from loadtui.profile.pipeline import profile_frame

    log = generator.generate(sessions=600, days=1, seed=11)
    model, _ = profile_frame(log.requests(), IngestReport(lines_total=log.rows.height))
    return model


def test_plan_from_a_profiled_log_has_valid_weighted_markov_scenarios(
    synth_model: TrafficModel,
) -> None:
    plan = build_plan(synth_model, source_model="synth.json")
    humans = [p for p in synth_model.personas if not p.is_bot]
    assert len(plan.scenarios) == len(humans) >= 2
    assert not any(s.is_bot for s in plan.scenarios)
    assert sum(s.weight for s in plan.scenarios) == pytest.approx(1.0, abs=1e-5)
    for sc in plan.scenarios:
        n = len(sc.steps)
        assert n and len(sc.entry) == n and len(sc.exit) == n
        assert sum(sc.entry) == pytest.approx(1.0, abs=1e-4)
        for row, ex in zip(sc.matrix, sc.exit, strict=True):
            assert sum(row) + ex == pytest.approx(1.0, abs=1e-4)
    assert plan.workload.mean_requests_per_session > 1
    steps = [s for sc in plan.scenarios for s in sc.steps]
    assert any(s.captures_token for s in steps), "the power users' login is recognised"
    product = [s for s in steps if s.route == "/products/{id}" and s.params.get("id")]
    assert product and all(v.isdigit() for v in product[0].params["id"])
