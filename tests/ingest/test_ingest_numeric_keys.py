"""The numeric-key `assign_sessions` / `flag_bots` give exactly what the plain string-sorted,
windowed reference gives: same session keys in the same rows, same flags and reasons."""

from __future__ import annotations

import polars as pl
import pytest
from ingest_reference import reference_assign_sessions, reference_flag_bots
from polars.testing import assert_frame_equal

from loadtui.ingest.bots import flag_bots
from loadtui.ingest.sessions import assign_sessions
from loadtui.synth import generate


@pytest.fixture(scope="module")
def shop() -> pl.DataFrame:
    return generate(sessions=500, days=1, seed=5).requests()


def _every_nth(n: int, k: int) -> pl.Expr:
    return pl.int_range(pl.len()) % n == k


def _assert_same(df: pl.DataFrame) -> None:
    for timeout_s in (1800.0, 30.0):
        ours = assign_sessions(df, timeout_s)
        assert_frame_equal(ours, reference_assign_sessions(df, timeout_s))
        assert_frame_equal(flag_bots(ours), reference_flag_bots(ours))


def test_time_ordered_log_matches_the_reference(shop: pl.DataFrame) -> None:
    assert flag_bots(assign_sessions(shop))["is_bot"].any()
    _assert_same(shop)


def test_shuffled_rows_match_the_reference(shop: pl.DataFrame) -> None:
    _assert_same(shop.sample(fraction=1.0, shuffle=True, seed=2))


def test_nulls_and_source_session_ids_match_the_reference(shop: pl.DataFrame) -> None:
    messy = shop.with_columns(
        pl.when(_every_nth(9, 0)).then(pl.col("client")).alias("session_id"),
        pl.when(_every_nth(97, 5)).then(None).otherwise(pl.col("ts")).alias("ts"),
        pl.when(_every_nth(53, 3)).then(None).otherwise(pl.col("client")).alias("client"),
        pl.when(_every_nth(41, 1)).then(None).otherwise(pl.col("route")).alias("route"),
        pl.when(_every_nth(61, 2)).then(None).otherwise(pl.col("user_agent")).alias("user_agent"),
        pl.when(_every_nth(71, 4)).then(None).otherwise(pl.col("path")).alias("path"),
    )
    _assert_same(messy)


def test_empty_frame_matches_the_reference(shop: pl.DataFrame) -> None:
    _assert_same(shop.clear())
