"""Persona names come from readable rules on the centroid and never repeat; persona think
time is measured page to page."""

from __future__ import annotations

import polars as pl
import pytest
from profile_frames import Req, frame

from loadtui.contracts import IngestReport
from loadtui.profile.personas import (
    MAX_NAME,
    RATIO_WORDS,
    SCALE_WORDS,
    VARIANT_STEMS,
    persona_name,
    qualifiers,
    unique_names,
)
from loadtui.profile.pipeline import profile_frame

API = {
    "requests": 40.0,
    "write_ratio": 0.4,
    "asset_ratio": 0.0,
    "referer_ratio": 0.0,
    "think_p50_s": 0.8,
    "duration_s": 600.0,
}
POWER = {
    "requests": 25.0,
    "write_ratio": 0.12,
    "asset_ratio": 0.4,
    "referer_ratio": 0.8,
    "think_p50_s": 8.0,
    "auth_step": 1.0,
    "commerce_step": 1.0,
    "duration_s": 900.0,
}
CASUAL = {
    "requests": 6.0,
    "write_ratio": 0.0,
    "asset_ratio": 0.5,
    "referer_ratio": 0.7,
    "think_p50_s": 6.0,
    "duration_s": 60.0,
}


def test_machine_like_sessions_with_writes_are_api_consumers() -> None:
    assert persona_name(API) == "api_consumer"
    read_only_fast = {**API, "write_ratio": 0.0, "think_p50_s": 0.5}
    assert persona_name(read_only_fast) == "api_consumer"


def test_long_sessions_that_log_in_and_write_are_power_users() -> None:
    assert persona_name(POWER) == "power_user"


def test_short_read_only_browsing_is_casual() -> None:
    assert persona_name(CASUAL) == "casual_browser"


def test_more_specific_behaviours_get_their_own_names() -> None:
    assert persona_name({**CASUAL, "search_ratio": 0.5}) == "searcher"
    assert persona_name({**CASUAL, "commerce_step": 1.0, "write_ratio": 0.1}) == "buyer"
    assert persona_name({**CASUAL, "requests": 1.0}) == "one_shot_visitor"


def test_a_browser_with_slow_pages_is_not_an_api_consumer() -> None:
    assert persona_name({**API, "asset_ratio": 0.3, "referer_ratio": 0.6}) != "api_consumer"


def test_unmatched_centroids_fall_back_to_numbered_names() -> None:
    odd = {**CASUAL, "requests": 500.0, "write_ratio": 0.01, "duration_s": 10.0}
    assert persona_name(odd) is None
    assert unique_names([CASUAL, odd]) == ["casual_browser", "persona_2"]


def test_names_are_unique_when_rules_repeat() -> None:
    names = unique_names([CASUAL, API, CASUAL, CASUAL])
    assert names == ["casual_browser", "api_consumer", "casual_browser_2", "casual_browser_3"]
    assert len(set(names)) == len(names)


def test_clusters_of_mostly_bots_are_named_bot_crawler_when_bots_are_clustered() -> None:
    assert persona_name({**CASUAL, "bot_share": 0.9}) == "bot_crawler"
    assert persona_name({**CASUAL, "bot_share": 0.2}) == "casual_browser"


def test_repeated_names_say_how_the_cluster_differs() -> None:
    one_shot = {**CASUAL, "requests": 1.0}
    failing = {**one_shot, "error_rate": 0.9}
    direct = {**one_shot, "referer_ratio": 0.0}
    assert unique_names([one_shot, failing, direct]) == [
        "one_shot_visitor",
        "one_shot_errors",
        "one_shot_direct",
    ]


def test_variants_that_share_their_strongest_word_take_their_next_one() -> None:
    """Five one-shot clusters as in the elastic sample: every name says something true, none
    is numbered, and each fits an 18-character column."""
    one_shot = {**CASUAL, "requests": 1.4, "asset_ratio": 0.0, "referer_ratio": 0.0}
    assets = {**one_shot, "asset_ratio": 1.0}
    referred_assets = {**one_shot, "asset_ratio": 0.8, "referer_ratio": 0.8}
    referred = {**one_shot, "referer_ratio": 1.0}
    slow = {**referred, "referer_ratio": 0.6, "think_p50_s": 35.0}
    names = unique_names([one_shot, assets, referred_assets, referred, slow])
    assert names == [
        "one_shot_visitor",
        "one_shot_assets",
        "one_shot_referred",
        "one_shot_pages",
        "one_shot_slow",
    ]
    assert all(len(n) <= MAX_NAME for n in names)


def test_words_compare_a_variant_with_the_rest_of_its_kind() -> None:
    base = {"requests": 2.0, "think_p50_s": 10.0, "asset_ratio": 0.5, "referer_ratio": 0.5}
    assert qualifiers({**base, "think_p50_s": 45.0}, [base]) == ["slow"]
    assert qualifiers({**base, "requests": 0.5, "asset_ratio": 0.0}, [base]) == ["pages", "short"]
    # a factor under 2 and a ratio step under 0.2 are not differences worth a word
    assert qualifiers({**base, "think_p50_s": 19.0, "asset_ratio": 0.65}, [base]) == []
    assert qualifiers(base, []) == []


def test_every_variant_name_fits_an_80_column_table() -> None:
    words = [w for _, up, down in RATIO_WORDS + SCALE_WORDS for w in (up, down) if w]
    bases = ["one_shot_visitor", "casual_browser", "api_consumer", "power_user", "bot_crawler"]
    for stem in [VARIANT_STEMS[b] for b in bases] + ["searcher", "buyer"]:
        for word in words:
            assert len(f"{stem}_{word}") <= MAX_NAME, (stem, word)


def test_think_time_is_page_to_page_without_asset_gaps_or_idle_gaps() -> None:
    reqs: list[Req] = []
    for i in range(8):
        c, sid = f"10.0.1.{i}", f"s{i}"
        page_times = (0.0, 10.0, 25.0, 25.0 + 2000.0)  # the last gap is beyond the timeout
        for t, path in zip(page_times, ("/", "/products", "/products/7", "/"), strict=True):
            reqs.append(Req(c, t, path, session_id=sid))
            for dt, asset in ((0.05, "/static/app.js"), (0.1, "/static/img/{asset}.png")):
                reqs.append(Req(c, t + dt, asset, session_id=sid, referrer="http://shop/"))
    df = frame(reqs).with_columns(
        pl.when(pl.col("path") == "/products/7")
        .then(pl.lit("/products/{id}"))
        .otherwise(pl.col("route"))
        .alias("route")
    )
    model, _ = profile_frame(df, IngestReport(lines_total=df.height), k=1, session_timeout_s=1800)
    [persona] = model.personas
    think = persona.think_time_s
    assert think.n == 8 * 2  # two page-to-page gaps per session: 10 s and 15 s
    assert think.quantiles["0"] == pytest.approx(10.0)
    assert think.quantiles["1"] == pytest.approx(15.0)
    assert think.p50 == pytest.approx(12.5)
