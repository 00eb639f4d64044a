"""Acceptance on a synth log with known personas: clusters match the truth, bots are found."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score

from loadtui.contracts import TrafficModel
from loadtui.profile.parameters import redact_query
from loadtui.profile.personas import BOT_PERSONA
from loadtui.profile.pipeline import build_model


@pytest.fixture(scope="module")
def profiled(synth_log: tuple[Path, Path]) -> tuple[TrafficModel, pl.DataFrame]:
    log, truth_csv = synth_log
    model, assignments = build_model([log])
    truth = pl.read_csv(truth_csv, infer_schema=False).select(
        "client",
        "user_agent",
        pl.col("persona").alias("truth"),
        pl.col("is_bot").str.to_lowercase().is_in(["true", "1", "yes"]).alias("truth_bot"),
    )
    joined = assignments.join(truth, on=["client", "user_agent"], how="inner")
    assert joined.height >= 0.99 * assignments.height, "sessions missing from the truth file"
    return model, joined


def test_personas_match_the_truth_for_people(profiled: tuple[TrafficModel, pl.DataFrame]) -> None:
    _model, joined = profiled
    people = joined.filter(~pl.col("truth_bot"))
    ari = adjusted_rand_score(people["truth"].to_list(), people["persona"].to_list())
    table = people.group_by("truth", "persona").len().sort("truth", "persona").rows()
    assert ari >= 0.85, f"ARI {ari:.3f} < 0.85 on {people.height} sessions; truth×found: {table}"


def test_crawlers_are_flagged_as_bots(profiled: tuple[TrafficModel, pl.DataFrame]) -> None:
    _, joined = profiled
    bots = joined.filter(pl.col("truth_bot"))
    assert bots.height > 0
    recall = float(bots["is_bot"].mean() or 0.0)
    assert recall >= 0.95, f"only {recall:.1%} of {bots.height} bot sessions flagged"


def test_api_clients_are_not_mistaken_for_bots(
    profiled: tuple[TrafficModel, pl.DataFrame],
) -> None:
    _, joined = profiled
    api = joined.filter(pl.col("truth") == "api_consumer")
    assert api.height > 0
    flagged = float(api["is_bot"].mean() or 0.0)
    assert flagged <= 0.10, f"{flagged:.1%} of {api.height} API-client sessions flagged as bots"


def test_bot_sessions_are_excluded_from_personas(
    profiled: tuple[TrafficModel, pl.DataFrame],
) -> None:
    model, joined = profiled
    assert (joined.filter(pl.col("is_bot"))["persona"] == BOT_PERSONA).all()
    assert not (joined.filter(~pl.col("is_bot"))["persona"] == BOT_PERSONA).any()
    bot = [p for p in model.personas if p.is_bot]
    assert [p.name for p in bot] == [BOT_PERSONA]
    assert model.source.bot_sessions == bot[0].sessions
    assert "bot_crawler" not in [p.name for p in model.personas if not p.is_bot]


def test_synth_personas_get_their_behavioural_names(
    profiled: tuple[TrafficModel, pl.DataFrame],
) -> None:
    _model, joined = profiled
    people = joined.filter(~pl.col("truth_bot"))
    # each truth persona's majority cluster is named after it
    majority = (
        people.group_by("truth", "persona")
        .len()
        .sort("len", descending=True)
        .group_by("truth", maintain_order=True)
        .first()
    )
    named = dict(majority.select("truth", "persona").iter_rows())
    for truth in ("api_consumer", "power_user", "casual_browser"):
        if truth in named:
            assert named[truth] == truth, named


def test_model_carries_what_a_plan_needs(profiled: tuple[TrafficModel, pl.DataFrame]) -> None:
    model, _ = profiled
    people = [p for p in model.personas if not p.is_bot]
    assert sum(p.share for p in model.personas) == pytest.approx(1.0)
    for p in people:
        assert p.endpoint_mix and p.transitions.states and p.top_paths
        assert p.think_time_s.n > 0 and p.think_time_s.p90 >= p.think_time_s.p50
    by_name = {p.name: p for p in people}
    if "api_consumer" in by_name:
        api = by_name["api_consumer"]
        assert api.write_ratio > 0.1
        assert any("{" in route for route in api.param_values)
    routes = {r for p in people for r in p.param_values}
    assert any(r.startswith("/products/") for r in routes)
    for p in people:
        for values in p.query_values.values():
            assert all(redact_query(q) == q for q in values)  # nothing left to redact
