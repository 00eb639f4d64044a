"""Clustering: finds clear groups, picks k by silhouette, deterministic, copes with tiny logs."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score

from loadtui.profile.cluster import choose_k, cluster, dbscan_eps, scale_features


def _blobs(k: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.uniform(-10, 10, size=(k, 5))
    truth = rng.integers(0, k, n)
    return centers[truth] + rng.normal(0, 0.5, size=(n, 5)), truth


def test_kmeans_chooses_the_true_k_by_silhouette() -> None:
    x, truth = _blobs(4, 800)
    res = cluster(x)
    assert res.k == 4, res.silhouette_by_k
    assert adjusted_rand_score(truth, res.labels) > 0.95
    assert res.silhouette is not None and res.silhouette > 0.5
    assert set(res.silhouette_by_k) == set(range(2, 9))


def test_clustering_is_deterministic_and_largest_first() -> None:
    x, _ = _blobs(3, 600, seed=2)
    a, b = cluster(x), cluster(x)
    assert (a.labels == b.labels).all()
    sizes = np.bincount(a.labels)
    assert list(sizes) == sorted(sizes, reverse=True)


@pytest.mark.parametrize("algo", ["dbscan", "agglomerative"])
def test_other_algorithms_find_clear_groups(algo: str) -> None:
    x, truth = _blobs(3, 600, seed=5)
    res = cluster(x, algo=algo)
    assert res.k == 3, res
    assert adjusted_rand_score(truth, res.labels) > 0.95
    assert (res.labels >= 0).all()


def test_forced_k_is_used_and_capped_by_distinct_sessions() -> None:
    x, _ = _blobs(3, 300)
    assert cluster(x, k=5).k == 5
    tiny = np.array([[0.0, 1.0], [0.0, 1.0], [5.0, 5.0]])
    assert cluster(tiny, k=6).k == 2


@pytest.mark.parametrize("n", [1, 2, 3])
def test_tiny_inputs_do_not_crash(n: int) -> None:
    x = np.arange(n * 2, dtype=float).reshape(n, 2)
    res = cluster(x)
    assert 1 <= res.k <= max(1, n - 1)
    assert res.labels.shape == (n,)


def test_identical_sessions_form_one_group() -> None:
    assert choose_k(np.ones((50, 3)))[0] == 1
    assert cluster(np.ones((50, 3))).k == 1


def test_dbscan_eps_follows_the_neighbour_distances() -> None:
    x, _ = _blobs(3, 600, seed=1)
    eps = dbscan_eps(x, 8)
    assert 0.1 < eps < 5.0


def test_heavy_tailed_features_are_log_scaled_before_standardising() -> None:
    features = pl.DataFrame({"requests": [9.0, 99.0, 999.0, 9999.0], "write_ratio": [0, 0, 1, 1]})
    scaled = scale_features(features, ["requests", "write_ratio"])
    assert scaled.logged == [True, False]
    col = scaled.matrix[:, 0]
    assert col.mean() == pytest.approx(0.0, abs=1e-9)
    gaps = np.diff(col)
    assert gaps.max() / gaps.min() == pytest.approx(
        1.0
    )  # log1p spacing is even, raw spacing is not
    back = scaled.unscale(scaled.matrix)
    np.testing.assert_allclose(back[:, 0], [9, 99, 999, 9999], rtol=1e-9)
