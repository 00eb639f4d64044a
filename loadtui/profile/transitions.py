"""Markov chains over `METHOD route` states, and the page journeys sessions most often take.

A first-order chain with explicit entry and exit is the smallest model that still reproduces
the order of requests (login before checkout, list before detail) and session length. The state
count is capped so a log with thousands of routes still gives a chain a plan can carry: rare
states fold into one `other` bucket.
"""

from __future__ import annotations

from collections import Counter

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


def page_journeys(
    sessions: np.ndarray,
    states: np.ndarray,
    is_asset: np.ndarray,
    names: dict[int, str],
    n: int = 5,
    min_len: int = 3,
    max_len: int = 5,
) -> list[list[str]]:
    """The `n` most common page journeys from a session's start, assets skipped.

    Arrays are per request, sorted by session, then time. Every session contributes each
    opening of its page sequence of `min_len`..`max_len` pages; an opening scores its count
    times the moves it holds, so a longer journey wins when most sessions go on along it.
    Picked journeys never extend or cut one already picked, so the list shows different routes
    through the site rather than one route at several lengths. Only when no session has
    `min_len` pages do shorter journeys (down to the landing page) stand in. Ties break on the
    names, so the answer is deterministic.
    """
    page = ~np.asarray(is_asset, dtype=bool)
    sid = np.asarray(sessions)[page]
    state = np.asarray(states)[page]
    if sid.size == 0:
        return []
    starts = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]])
    ends = np.r_[starts[1:], sid.size]
    openings = [
        tuple(state[a:b].tolist())
        for a, b in zip(starts.tolist(), np.minimum(ends, starts + max_len).tolist(), strict=True)
    ]
    longest = max(len(o) for o in openings)
    shortest = min(min_len, longest)  # shorter journeys only when no session has min_len pages
    counts: Counter[tuple[int, ...]] = Counter()
    for opening in openings:
        for length in range(shortest, len(opening) + 1):
            counts[opening[:length]] += 1

    def label(path: tuple[int, ...]) -> list[str]:
        return [names.get(i, str(i)) for i in path]

    ranked = sorted(
        counts.items(), key=lambda kv: (-kv[1] * max(1, len(kv[0]) - 1), -kv[1], label(kv[0]))
    )
    picked: list[tuple[int, ...]] = []
    for path, _count in ranked:
        if len(picked) == n:
            break
        if any(path == p[: len(path)] or p == path[: len(p)] for p in picked):
            continue
        picked.append(path)
    return [label(p) for p in picked]
