"""Markov chains over `METHOD route` states, and the most likely paths through them.

A first-order chain with explicit entry and exit is the smallest model that still reproduces
the order of requests (login before checkout, list before detail) and session length. The state
count is capped so a log with thousands of routes still gives a chain a plan can carry: rare
states fold into one `other` bucket.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import polars as pl

from loadtui.contracts import Transitions
from loadtui.profile.features import normalise_requests, session_key, state_key

OTHER_STATE = "other"  # the bucket for states beyond the cap; plans skip or replace it
DEFAULT_MAX_STATES = 30


def state_name(method: str, route: str) -> str:
    return f"{method} {route}"


def state_names(df: pl.DataFrame) -> dict[int, str]:
    """State id (see `features.state_key`) → `METHOD route`, from the distinct pairs only."""
    pairs = df.group_by("method", "route").len().with_columns(state_key())
    return {
        int(h): state_name(m, r) for m, r, h in pairs.select("method", "route", "state").iter_rows()
    }


def chain_from_sequences(
    sessions: np.ndarray, states: np.ndarray, names: dict[int, str], max_states: int
) -> Transitions:
    """The chain from per-request arrays sorted by session, then time.

    `sessions` and `states` are ids (any integers); `names` maps state ids to labels. The
    `max_states - 1` most requested states are kept; the rest share `other`.
    """
    if sessions.size == 0:
        return Transitions()
    ids, codes, counts = np.unique(states, return_inverse=True, return_counts=True)
    labels = [names.get(int(i), str(i)) for i in ids]
    order = sorted(range(ids.size), key=lambda i: (-int(counts[i]), labels[i]))
    if ids.size > max_states:
        kept = order[: max_states - 1]
        state_list = [labels[i] for i in kept] + [OTHER_STATE]
        remap = np.full(ids.size, max_states - 1)
    else:
        kept = order
        state_list = [labels[i] for i in kept]
        remap = np.zeros(ids.size, dtype=np.int64)
    for new, old in enumerate(kept):
        remap[old] = new
    codes = remap[codes.reshape(-1)]
    n = len(state_list)

    same_next = np.zeros(codes.size, dtype=bool)
    same_next[:-1] = sessions[1:] == sessions[:-1]
    is_first = np.ones(codes.size, dtype=bool)
    is_first[1:] = ~same_next[:-1]
    is_last = ~same_next

    entry = np.bincount(codes[is_first], minlength=n).astype(np.float64)
    exits = np.bincount(codes[is_last], minlength=n).astype(np.float64)
    src = codes[:-1][same_next[:-1]]
    dst = codes[1:][same_next[:-1]]
    moves = np.bincount(src * n + dst, minlength=n * n).astype(np.float64).reshape(n, n)

    totals = moves.sum(axis=1) + exits
    totals[totals == 0] = 1.0  # cannot happen for observed states; keeps the division safe
    matrix = moves / totals[:, None]
    exit_p = exits / totals
    entry_p = entry / entry.sum()
    return Transitions(
        states=state_list,
        entry=[float(v) for v in entry_p],
        matrix=[[float(v) for v in row] for row in matrix],
        exit=[float(v) for v in exit_p],
    )


def build_transitions(df: pl.DataFrame, max_states: int = DEFAULT_MAX_STATES) -> Transitions:
    """The chain of a request frame with `session`, `ts`, `method`, `route`, `path` (any order)."""
    if df.height == 0:
        return Transitions()
    frame = normalise_requests(df)
    names = state_names(frame)
    ordered = frame.select(session_key(), pl.col("ts"), state_key()).sort(["sid", "ts"])
    return chain_from_sequences(
        ordered["sid"].to_numpy(), ordered["state"].to_numpy(), names, max_states
    )


def top_paths(chain: Transitions, n: int = 5, max_len: int = 12, beam: int = 64) -> list[list[str]]:
    """The `n` most likely complete sessions (entry … exit) by beam search over the chain.

    Paths longer than `max_len` are cut; a cut path competes with its probability so far, so a
    chain without likely exits still shows its typical opening.
    """
    if not chain.states:
        return []
    entry = np.asarray(chain.entry, dtype=np.float64)
    matrix = np.asarray(chain.matrix, dtype=np.float64)
    exits = np.asarray(chain.exit, dtype=np.float64)
    # (negative log-probability, path) partial paths kept in the beam
    frontier: list[tuple[float, tuple[int, ...]]] = [
        (-math.log(p), (i,)) for i, p in enumerate(entry) if p > 0
    ]
    frontier = heapq.nsmallest(beam, frontier)
    finished: list[tuple[float, tuple[int, ...]]] = []
    for _ in range(max_len):
        grown: list[tuple[float, tuple[int, ...]]] = []
        for cost, path in frontier:
            last = path[-1]
            if exits[last] > 0:
                finished.append((cost - math.log(exits[last]), path))
            if len(path) >= max_len:
                finished.append((cost, path))
                continue
            for j in np.flatnonzero(matrix[last] > 0):
                grown.append((cost - math.log(matrix[last, j]), (*path, int(j))))
        frontier = heapq.nsmallest(beam, grown)
        if not frontier:
            break
    cheapest: dict[tuple[int, ...], float] = {}
    for cost, path in finished:
        cheapest[path] = min(cost, cheapest.get(path, math.inf))
    best = sorted(cheapest.items(), key=lambda item: (item[1], item[0]))[:n]
    return [[chain.states[i] for i in path] for path, _cost in best]
