"""Session features: each number means what its name says."""

from __future__ import annotations

import math

import pytest
from profile_frames import Req, frame, with_sessions

from loadtui.profile.features import (
    FEATURES,
    annotate_requests,
    normalise_requests,
    session_features,
    session_table,
)


def _one_session() -> list[Req]:
    c = "10.1.1.1"
    return [
        Req(c, 0, "/", referrer=None, response_ms=10),
        Req(c, 0.2, "/static/app.js", referrer="http://shop/", response_ms=2),
        Req(c, 10, "/login", method="POST", referrer="http://shop/", response_ms=30),
        Req(c, 20, "/search", query="q=lamp", referrer="http://shop/", response_ms=40),
        Req(c, 50, "/cart/items", method="POST", status=500, referrer="-", response_ms=50),
        # 2 h later: beyond the 30 min timeout, so not a think time
        Req(c, 7250, "/", referrer=None, response_ms=10),
    ]


def _features(reqs: list[Req], timeout_s: float = 1800) -> dict[str, float]:
    annotated = annotate_requests(normalise_requests(with_sessions(frame(reqs))), timeout_s)
    rows = session_features(annotated).to_dicts()
    assert len(rows) == 1
    return rows[0]


def test_features_describe_the_session() -> None:
    f = _features(_one_session())
    assert set(FEATURES) <= set(f)
    assert f["requests"] == 6
    assert f["unique_routes"] == 5
    assert f["duration_s"] == pytest.approx(7250)
    # page-to-page gaps 10, 10, 30 (the asset is skipped, the 7200 s gap is idle): median 10
    assert f["think_p50_s"] == pytest.approx(10.0)
    assert f["write_ratio"] == pytest.approx(2 / 6)
    assert f["error_rate"] == pytest.approx(1 / 6)
    assert f["asset_ratio"] == pytest.approx(1 / 6)
    assert f["referer_ratio"] == pytest.approx(3 / 6)
    assert f["auth_step"] == 1.0
    assert f["commerce_step"] == 1.0
    assert f["search_ratio"] == pytest.approx(1 / 6)
    assert f["top_route_share"] == pytest.approx(2 / 6)
    expected_entropy = -(2 / 6) * math.log2(2 / 6) - 4 * (1 / 6) * math.log2(1 / 6)
    assert f["route_entropy"] == pytest.approx(expected_entropy)
    assert f["response_ms_p50"] == pytest.approx(20)
    assert f["request_rate"] == pytest.approx(6 / 7250)


def test_search_is_recognised_by_query_parameter_too() -> None:
    f = _features([Req("a", 0, "/products", query="category=x&q=red"), Req("a", 3, "/")])
    assert f["search_ratio"] == pytest.approx(0.5)


def test_single_request_session_gets_the_typical_think_time() -> None:
    reqs = [Req("a", 0, "/"), Req("a", 4, "/x"), Req("b", 10, "/")]
    df = normalise_requests(with_sessions(frame(reqs)))
    rows = {r["session"]: r for r in session_table(df, annotate_requests(df, 1800)).to_dicts()}
    assert rows["b"]["think_p50_s"] == pytest.approx(4.0)
    assert rows["b"]["request_rate"] == pytest.approx(1.0)


def test_missing_response_times_stay_null() -> None:
    f = _features([Req("a", 0, "/", response_ms=None), Req("a", 1, "/", response_ms=None)])
    assert f["response_ms_p50"] is None
