"""The Markov chain: probabilities are proper, rare states fold into `other`; top paths are the
common page journeys."""

from __future__ import annotations

import numpy as np
import pytest
from profile_frames import Req, frame, with_sessions

from loadtui.profile.features import annotate_requests, normalise_requests
from loadtui.profile.transitions import (
    OTHER_STATE,
    build_transitions,
    page_journeys,
    state_names,
)


def _shop_sessions() -> list[Req]:
    reqs: list[Req] = []
    for i in range(40):
        c = f"10.0.0.{i}"
        reqs += [
            Req(c, 0, "/"),
            Req(c, 5, "/products/1", route="/products/{id}"),
            Req(c, 9, "/cart/items", method="POST"),
        ]
        if i % 2:
            reqs.append(Req(c, 12, "/checkout", method="POST"))
    return reqs


def test_rows_plus_exit_and_entry_sum_to_one() -> None:
    chain = build_transitions(with_sessions(frame(_shop_sessions())))
    matrix = np.asarray(chain.matrix)
    assert matrix.shape == (len(chain.states), len(chain.states))
    np.testing.assert_allclose(matrix.sum(axis=1) + np.asarray(chain.exit), 1.0, atol=1e-12)
    assert sum(chain.entry) == pytest.approx(1.0)


def test_counts_become_the_observed_probabilities() -> None:
    chain = build_transitions(with_sessions(frame(_shop_sessions())))
    idx = {s: i for i, s in enumerate(chain.states)}
    assert chain.entry[idx["GET /"]] == pytest.approx(1.0)
    cart = idx["POST /cart/items"]
    assert chain.matrix[cart][idx["POST /checkout"]] == pytest.approx(0.5)
    assert chain.exit[cart] == pytest.approx(0.5)
    assert chain.exit[idx["POST /checkout"]] == pytest.approx(1.0)
    assert chain.matrix[idx["GET /"]][idx["GET /products/{id}"]] == pytest.approx(1.0)


def test_state_count_is_capped_with_an_other_bucket() -> None:
    reqs = [Req(f"c{i}", j, f"/page{(i * 7 + j) % 60}") for i in range(30) for j in range(10)]
    chain = build_transitions(with_sessions(frame(reqs)), max_states=10)
    assert len(chain.states) == 10
    assert chain.states[-1] == OTHER_STATE
    np.testing.assert_allclose(
        np.asarray(chain.matrix).sum(axis=1) + np.asarray(chain.exit), 1.0, atol=1e-12
    )


def test_sessions_do_not_leak_into_each_other() -> None:
    reqs = [Req("a", 0, "/x"), Req("a", 1, "/y"), Req("b", 2, "/z")]
    chain = build_transitions(with_sessions(frame(reqs)))
    idx = {s: i for i, s in enumerate(chain.states)}
    assert chain.matrix[idx["GET /y"]][idx["GET /z"]] == 0.0
    assert chain.exit[idx["GET /y"]] == 1.0


def _journeys(reqs: list[Req], **kw: int) -> list[list[str]]:
    df = normalise_requests(with_sessions(frame(reqs)))
    annotated = annotate_requests(df, 1800)
    return page_journeys(
        annotated["sid"].to_numpy(),
        annotated["state"].to_numpy(),
        annotated["is_asset"].to_numpy(),
        state_names(df),
        **kw,
    )


def _browse(c: str, pages: list[str]) -> list[Req]:
    """A browser session: each page followed by its script and image within 0.1 s."""
    reqs: list[Req] = []
    for i, page in enumerate(pages):
        t = i * 10.0
        reqs.append(Req(c, t, page))
        reqs.append(Req(c, t + 0.05, "/static/app.js"))
        reqs.append(Req(c, t + 0.1, "/static/img/{asset}.png"))
    return reqs


def test_top_paths_are_the_common_page_journeys_without_assets() -> None:
    reqs: list[Req] = []
    for i in range(6):
        reqs += _browse(f"a{i}", ["/", "/search", "/product", "/cart"])
    for i in range(3):
        reqs += _browse(f"b{i}", ["/", "/products", "/product"])
    reqs += _browse("c0", ["/product"])  # one page: no journey
    paths = _journeys(reqs)
    assert paths == [
        ["GET /", "GET /search", "GET /product", "GET /cart"],
        ["GET /", "GET /products", "GET /product"],
    ]
    assert all(len(p) >= 2 and not any("static" in s for s in p) for p in paths)


def test_top_paths_are_capped_deterministic_and_never_repeat_a_journey() -> None:
    reqs: list[Req] = []
    for i in range(10):
        pages = ["/", f"/p{i % 7}", f"/q{i % 3}", "/r", "/s", "/t"]
        reqs += _browse(f"c{i}", pages)
    first = _journeys(reqs, n=4)
    assert first == _journeys(list(reversed(reqs)), n=4)
    assert len(first) == 4
    assert all(3 <= len(p) <= 5 for p in first)
    for a in first:  # none is the start of another
        assert not any(a != b and b[: len(a)] == a for b in first)


def test_top_paths_of_short_sessions_fall_back_to_what_they_have() -> None:
    reqs = _browse("a", ["/", "/x"]) + _browse("b", ["/", "/x"]) + _browse("c", ["/", "/y"])
    assert _journeys(reqs) == [["GET /", "GET /x"], ["GET /", "GET /y"]]
    assert _journeys(_browse("d", ["/only"])) == [["GET /only"]]
