"""The Markov chain: probabilities are proper, rare states fold into `other`, paths are likely."""

from __future__ import annotations

import numpy as np
import pytest
from profile_frames import Req, frame, with_sessions

from loadtui.contracts import Transitions
from loadtui.profile.transitions import OTHER_STATE, build_transitions, top_paths


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


def test_top_paths_follow_the_most_likely_chain() -> None:
    chain = Transitions(
        states=["GET /", "GET /a", "GET /b"],
        entry=[1.0, 0.0, 0.0],
        matrix=[[0.0, 0.9, 0.1], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
        exit=[0.0, 1.0, 1.0],
    )
    paths = top_paths(chain, n=2)
    assert paths == [["GET /", "GET /a"], ["GET /", "GET /b"]]


def test_top_paths_of_a_loop_are_cut_at_the_length_limit() -> None:
    chain = Transitions(states=["GET /feed"], entry=[1.0], matrix=[[1.0]], exit=[0.0])
    assert top_paths(chain, n=1, max_len=4) == [["GET /feed"] * 4]
