"""Group sessions by behaviour: scaling, k selection by silhouette, three algorithms.

k-means is the default because its centroids name personas well and it scales; DBSCAN finds
odd-shaped groups and outliers; agglomerative (Ward) is stable on small logs. Everything is
seeded so the same log always gives the same personas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import polars as pl
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans, MiniBatchKMeans
from sklearn.metrics import pairwise_distances, silhouette_score
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from loadtui.profile.features import HEAVY_TAILED

Algo = Literal["kmeans", "dbscan", "agglomerative"]
ALGOS: tuple[str, ...] = ("kmeans", "dbscan", "agglomerative")
RANDOM_STATE = 0
K_RANGE = (2, 8)
SILHOUETTE_SAMPLE = 4000  # silhouette is O(n²): a seeded sample ranks k as well (see probe)
SELECTION_SAMPLE = 10_000  # k is chosen on a sample; the final fit sees every session
MINIBATCH_ABOVE = 50_000
AGGLOMERATIVE_SAMPLE = 5_000  # Ward is O(n²) memory; the rest go to the nearest centroid


@dataclass
class Scaled:
    """The clustering input: log1p on heavy tails, then standardised."""

    matrix: np.ndarray
    columns: list[str]
    scaler: StandardScaler
    logged: list[bool]

    def unscale(self, centers: np.ndarray) -> np.ndarray:
        raw = self.scaler.inverse_transform(centers)
        for i, was_logged in enumerate(self.logged):
            if was_logged:
                raw[:, i] = np.expm1(raw[:, i])
        return np.asarray(raw)


@dataclass
class ClusterResult:
    labels: np.ndarray  # one per input row; -1 only for DBSCAN noise that could not be assigned
    centers: np.ndarray  # scaled space, one row per label 0..k-1
    k: int
    algo: str
    silhouette: float | None
    silhouette_by_k: dict[int, float] = field(default_factory=dict)


def scale_features(features: pl.DataFrame, columns: list[str]) -> Scaled:
    """log1p the heavy-tailed columns, then StandardScaler; nulls become the column median."""
    arrays: list[np.ndarray] = []
    logged: list[bool] = []
    for name in columns:
        col = features[name].cast(pl.Float64)
        fill = col.median()
        values = col.fill_null(fill if isinstance(fill, float) else 0.0).to_numpy()
        values = np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
        heavy = name in HEAVY_TAILED
        arrays.append(np.log1p(np.maximum(values, 0.0)) if heavy else values)
        logged.append(heavy)
    raw = np.column_stack(arrays) if arrays else np.zeros((features.height, 0))
    scaler = StandardScaler()
    matrix = scaler.fit_transform(raw) if raw.shape[1] else raw
    return Scaled(
        matrix=np.asarray(matrix, dtype=np.float64), columns=columns, scaler=scaler, logged=logged
    )


def _sample(n: int, size: int, seed: int = RANDOM_STATE) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def _kmeans(k: int, n: int, init: np.ndarray | None = None) -> KMeans | MiniBatchKMeans:
    """k-means seeded by `init` (centres found on the selection sample) when given."""
    start: np.ndarray | str = init if init is not None else "k-means++"
    n_init = 1 if init is not None else 3
    if n > MINIBATCH_ABOVE:
        return MiniBatchKMeans(
            n_clusters=k,
            init=start,
            random_state=RANDOM_STATE,
            n_init=n_init,
            batch_size=4096,
            max_iter=100,
        )
    return KMeans(n_clusters=k, init=start, random_state=RANDOM_STATE, n_init=n_init, max_iter=100)


class SilhouetteProbe:
    """Silhouette of any labelling of `x`, on one seeded sample whose distances are computed once.

    The sample is drawn from the k-selection sample, so the same distance matrix scores every
    candidate k and the final labelling: candidates are compared on identical points, and a
    4,000-point sample costs what 2,000 did when the distances were recomputed per k (at 2,000
    the estimate's noise, ~0.01, was enough to pick the wrong k on a 60k-session log).
    """

    def __init__(self, x: np.ndarray, selection: np.ndarray) -> None:
        self.selection = selection
        self.sub = _sample(selection.size, SILHOUETTE_SAMPLE, RANDOM_STATE + 1)
        self.rows = selection[self.sub]
        dist = pairwise_distances(x[self.rows].astype(np.float32))
        np.fill_diagonal(dist, 0.0)
        self.dist = dist

    def score(self, labels: np.ndarray) -> float | None:
        """`labels` for the selection sample (len == selection.size) or for every row of x."""
        picked = labels[self.sub] if labels.size == self.selection.size else labels[self.rows]
        mask = picked >= 0
        if len(set(picked[mask].tolist())) < 2 or len(set(picked[mask].tolist())) >= mask.sum():
            return None
        dist = self.dist if mask.all() else self.dist[np.ix_(mask, mask)]
        return float(silhouette_score(dist, picked[mask], metric="precomputed"))


def _centers(x: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    centers = np.zeros((k, x.shape[1]))
    for c in range(k):
        members = x[labels == c]
        if members.size:
            centers[c] = members.mean(axis=0)
    return centers


def _relabel_by_size(labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Order clusters largest first so label 0 is always the biggest persona (stable output)."""
    valid = labels[labels >= 0]
    sizes = np.bincount(valid, minlength=k) if valid.size else np.zeros(k, dtype=int)
    order = sorted(range(k), key=lambda c: (-int(sizes[c]), c))
    mapping = np.full(k, -1)
    for new, old in enumerate(order):
        mapping[old] = new
    out = labels.copy()
    out[labels >= 0] = mapping[labels[labels >= 0]]
    return out, np.asarray(order)


def distinct_points(x: np.ndarray, limit: int = K_RANGE[1] + 1) -> int:
    """How many distinct rows there are, counting only up to `limit` (k can never exceed it).

    A seeded sample usually settles it; only near-constant data needs the full pass.
    """
    if x.shape[0] == 0:
        return 0
    for rows in (x[_sample(x.shape[0], 2000)], x):
        found = int(np.unique(np.round(rows, 9), axis=0).shape[0])
        if found >= limit or rows.shape[0] == x.shape[0]:
            return min(found, limit)
    return limit


def choose_k(
    x: np.ndarray, probe: SilhouetteProbe | None = None
) -> tuple[int, dict[int, float], dict[int, np.ndarray]]:
    """k in 2..8 (capped by distinct sessions) with the best silhouette on a sample.

    Also returns each k's centres on the sample, so the full fit starts where selection ended.
    """
    hi = min(K_RANGE[1], distinct_points(x), x.shape[0] - 1)
    if hi < K_RANGE[0]:
        return 1, {}, {}
    probe = probe or SilhouetteProbe(x, _sample(x.shape[0], SELECTION_SAMPLE))
    sample = x[probe.selection]
    scores: dict[int, float] = {}
    centers: dict[int, np.ndarray] = {}
    for k in range(K_RANGE[0], hi + 1):
        model = _kmeans(k, sample.shape[0]).fit(sample)
        centers[k] = np.asarray(model.cluster_centers_)
        score = probe.score(np.asarray(model.labels_, dtype=int))
        if score is not None:
            scores[k] = score
    if not scores:
        return 1, {}, centers
    # ties within 0.001 go to the smaller k: fewer personas are easier to read and to plan
    best = max(scores, key=lambda k: (round(scores[k], 3), -k))
    return best, scores, centers


def cluster(x: np.ndarray, k: int | None = None, algo: str = "kmeans") -> ClusterResult:
    """Cluster the scaled rows of `x`; `k=None` chooses k by silhouette (kmeans/agglomerative).

    Runs single-threaded: on inputs this size OpenMP's threads gain little, and on a busy
    machine their spin-waiting made the same fit 2-7x slower in our benchmark.
    """
    with threadpool_limits(limits=1):
        return _cluster(x, k, algo)


def _cluster(x: np.ndarray, k: int | None, algo: str) -> ClusterResult:
    n = x.shape[0]
    if algo not in ALGOS:
        raise ValueError(f"unknown clustering algorithm {algo!r}; use one of {', '.join(ALGOS)}")
    if n == 0:
        return ClusterResult(np.zeros(0, dtype=int), np.zeros((0, x.shape[1])), 0, algo, None)
    if x.shape[1] == 0:  # every feature was constant: the sessions are indistinguishable
        return ClusterResult(np.zeros(n, dtype=int), np.zeros((1, 0)), 1, algo, None)
    scores: dict[int, float] = {}
    probe = SilhouetteProbe(x, _sample(n, SELECTION_SAMPLE))
    if algo == "dbscan":
        labels = _dbscan(x)
    else:
        n_distinct = distinct_points(x, limit=max(k or 0, K_RANGE[1]) + 1)
        found: dict[int, np.ndarray] = {}
        if k is None:
            k, scores, found = choose_k(x, probe)
        k = max(1, min(k, n_distinct))
        if algo == "kmeans":
            labels = _kmeans_labels(x, k, found.get(k) if x.shape[0] > SELECTION_SAMPLE else None)
        else:
            labels = _agglomerative(x, k)
    k_found = int(labels.max()) + 1 if labels.size and labels.max() >= 0 else 0
    labels, _order = _relabel_by_size(labels, k_found)
    centers = _centers(x, labels, k_found)
    return ClusterResult(
        labels=labels,
        centers=centers,
        k=k_found,
        algo=algo,
        silhouette=probe.score(labels),
        silhouette_by_k=scores,
    )


def _kmeans_labels(x: np.ndarray, k: int, init: np.ndarray | None) -> np.ndarray:
    if k <= 1:
        return np.zeros(x.shape[0], dtype=int)
    return np.asarray(_kmeans(k, x.shape[0], init).fit_predict(x), dtype=int)


def _agglomerative(x: np.ndarray, k: int) -> np.ndarray:
    if k <= 1:
        return np.zeros(x.shape[0], dtype=int)
    idx = _sample(x.shape[0], AGGLOMERATIVE_SAMPLE)
    sample_labels = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(x[idx])
    if idx.size == x.shape[0]:
        return np.asarray(sample_labels, dtype=int)
    centers = _centers(x[idx], sample_labels, k)
    return _nearest(x, centers)


def _nearest(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    nn = NearestNeighbors(n_neighbors=1).fit(centers)
    return np.asarray(nn.kneighbors(x, return_distance=False)[:, 0], dtype=int)


def dbscan_eps(x: np.ndarray, min_samples: int) -> float:
    """The k-distance heuristic: eps at the knee of the sorted distance to the k-th neighbour.

    The knee is the point of the sorted curve farthest from the chord joining its ends.
    """
    idx = _sample(x.shape[0], SILHOUETTE_SAMPLE)
    sample = x[idx]
    k = min(min_samples, sample.shape[0] - 1)
    if k < 1:
        return 0.5
    dist = NearestNeighbors(n_neighbors=k + 1).fit(sample).kneighbors(sample)[0][:, k]
    curve = np.sort(dist)
    if curve[-1] <= curve[0]:
        return float(max(curve[-1], 1e-6))
    xs = np.linspace(0.0, 1.0, curve.size)
    ys = (curve - curve[0]) / (curve[-1] - curve[0])
    knee = int(np.argmax(xs - ys))  # distance below the chord y = x
    return float(max(curve[knee], 1e-6))


def _dbscan(x: np.ndarray) -> np.ndarray:
    """DBSCAN on a sample; noise and unsampled rows join the nearest core cluster."""
    min_samples = max(4, 2 * x.shape[1]) if x.shape[0] > 50 else 3
    eps = dbscan_eps(x, min_samples)
    idx = _sample(x.shape[0], SELECTION_SAMPLE)
    sample = x[idx]
    sample_labels = DBSCAN(eps=eps, min_samples=min(min_samples, sample.shape[0])).fit_predict(
        sample
    )
    k = int(sample_labels.max()) + 1
    if k <= 0:
        return np.zeros(x.shape[0], dtype=int)  # all noise: one group is the honest answer
    centers = _centers(sample, sample_labels, k)
    labels = _nearest(x, centers)
    labels[idx[sample_labels >= 0]] = sample_labels[sample_labels >= 0]
    return labels
