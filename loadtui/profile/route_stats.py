"""Per-route response times and status codes: what a stand-in for the profiled system serves.

Personas say what users ask for; a stand-in (`loadtui target --model`) must also answer each
route as production did: as fast (the route's response-time quantiles) and with the same
status mix. Only the routes a plan can send are kept (those named by any persona's chain or
endpoint mix); the rest of the log is pooled into one `other` row, which is what a plan's
`other` state stands for. A log of thousands of distinct URLs then still gives a small model.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from loadtui.contracts import Persona, RouteStats
from loadtui.profile.distributions import QUANTILE_LEVELS, quantile_key
from loadtui.profile.transitions import OTHER_STATE, state_name

POOLED_METHOD = "*"  # the `other` row pools every method


def plan_states(personas: Iterable[Persona]) -> set[str]:
    """`METHOD route` names a plan built from these personas can send (chains and mixes)."""
    names: set[str] = set()
    for p in personas:
        names.update(s for s in p.transitions.states if s != OTHER_STATE)
        names.update(state_name(e.method, e.route) for e in p.endpoint_mix)
    return names


def route_stats(df: pl.DataFrame, keep: set[str]) -> list[RouteStats]:
    """One row per kept `METHOD route` (most requested first), plus `other` for the rest.

    `df` holds requests in `REQUEST_SCHEMA` with `method` and `route` filled
    (`features.normalise_requests`); `response_ms` may be all null.
    """
    if df.height == 0:
        return []
    frame = df.select(
        (pl.col("method") + pl.lit(" ") + pl.col("route")).alias("state"),
        "status",
        "response_ms",
    )
    kept = pl.col("state").is_in(list(keep))
    frame = frame.with_columns(
        pl.when(kept).then(pl.col("state")).otherwise(pl.lit(OTHER_STATE)).alias("state")
    )
    timing = frame.group_by("state").agg(
        pl.len().alias("count"),
        *(
            pl.col("response_ms").quantile(level, interpolation="linear").alias(f"q{i}")
            for i, level in enumerate(QUANTILE_LEVELS)
        ),
    )
    codes = (
        frame.filter(pl.col("status").is_not_null())
        .group_by("state", "status")
        .len()
        .sort("state", "status")
    )
    status_by_state: dict[str, dict[str, int]] = {}
    for state, status, n in codes.iter_rows():
        status_by_state.setdefault(str(state), {})[str(status)] = int(n)
    rows: list[RouteStats] = []
    for row in timing.sort(["count", "state"], descending=[True, False]).iter_rows(named=True):
        state = str(row["state"])
        if state == OTHER_STATE:
            method, route = POOLED_METHOD, OTHER_STATE
        else:
            method, _, route = state.partition(" ")
        quantiles = {
            quantile_key(level): round(float(row[f"q{i}"]), 4)
            for i, level in enumerate(QUANTILE_LEVELS)
            if row[f"q{i}"] is not None
        }
        rows.append(
            RouteStats(
                method=method,
                route=route,
                count=int(row["count"]),
                response_ms=quantiles,
                status=status_by_state.get(state, {}),
            )
        )
    # `other` last: it is a remainder, not a route
    return sorted(rows, key=lambda r: r.route == OTHER_STATE and r.method == POOLED_METHOD)
