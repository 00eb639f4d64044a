"""Per-session behaviour features, computed in one polars pass over the request frame.

The features describe *how* a client uses a site, not *which* site it is: no route of the demo
shop appears here. Where a feature needs to recognise a kind of request (static asset, log-in,
search, basket), it uses patterns that hold across web applications (file extensions, the words
people name such endpoints with), so the same clustering works on any log.
"""

from __future__ import annotations

import math

import polars as pl

from loadtui.ingest.routes import ASSET_RE, is_asset_path

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Static files by extension: one definition, the one ingest groups assets with.
ASSET_PATTERN = ASSET_RE
AUTH_PATTERN = (
    r"(?i)(^|/)(login|log-in|logon|signin|sign-in|sign_in|auth|oauth2?|token|session|sso)(/|$|\.)"
)
SEARCH_PATTERN = r"(?i)(^|/)(search|find|query|lookup)(/|$|\.)"
SEARCH_QUERY_PATTERN = r"(?i)(^|&)(q|query|search|term|keywords?)="
COMMERCE_PATTERN = r"(?i)(^|/)(cart|basket|bag|checkout|order|orders|payment|pay|purchase)(/|$|\.)"

# Every feature, in the order the model reports them.
FEATURES: tuple[str, ...] = (
    "requests",
    "unique_routes",
    "duration_s",
    "think_p50_s",
    "request_rate",
    "write_ratio",
    "error_rate",
    "asset_ratio",
    "referer_ratio",
    "route_entropy",
    "top_route_share",
    "auth_step",
    "search_ratio",
    "commerce_step",
    "response_ms_p50",
    "response_ms_mean",
)
# Features that separate personas. Response times describe the server, so they are reported but
# never clustered on. Duration, distinct routes, top-route share and request rate are reported
# too but left out: each is roughly requests × think time, and clustering on five views of
# session length splits every persona into short and long halves.
CLUSTER_FEATURES: tuple[str, ...] = (
    "requests",
    "think_p50_s",
    "write_ratio",
    "error_rate",
    "asset_ratio",
    "referer_ratio",
    "route_entropy",
    "auth_step",
    "search_ratio",
    "commerce_step",
)
# Counts, times and rates span orders of magnitude: log1p before scaling.
HEAVY_TAILED: frozenset[str] = frozenset(
    {
        "requests",
        "unique_routes",
        "duration_s",
        "think_p50_s",
        "request_rate",
        "response_ms_p50",
        "response_ms_mean",
    }
)


HASH_SEED = 20240304  # any fixed seed: ids must match between frames of one run


def session_key(col: str = "session") -> pl.Expr:
    """A 64-bit id per session string; numeric keys sort and join far faster than strings."""
    return pl.col(col).hash(HASH_SEED).alias("sid")


def state_key() -> pl.Expr:
    """A 64-bit id per `METHOD route` state (see `transitions.state_names`)."""
    return pl.struct("method", "route").hash(HASH_SEED).alias("state")


def normalise_requests(df: pl.DataFrame) -> pl.DataFrame:
    """Fill what a parser may leave empty so every later step can rely on it."""
    return df.with_columns(
        pl.col("method").fill_null("GET"),
        pl.col("route").fill_null(pl.col("path")),
    )


def is_asset_route(route: str) -> bool:
    """The scalar twin of `route_kinds(...)["asset"]`: what plans and paths call an asset."""
    return is_asset_path(route)


def route_kinds(df: pl.DataFrame) -> dict[str, list[str]]:
    """Which distinct routes are assets, log-ins, searches, basket steps.

    Patterns run on the few distinct routes, not on every request. A route is an asset when
    its (templated) path ends in a static file extension: `/static/img/{hash}.png` still does.
    """
    routes = df.select(pl.col("route").unique().drop_nulls()).to_series()
    return {
        kind: routes.filter(routes.str.contains(pattern)).to_list()
        for kind, pattern in (
            ("asset", ASSET_PATTERN),
            ("auth", AUTH_PATTERN),
            ("search", SEARCH_PATTERN),
            ("commerce", COMMERCE_PATTERN),
        )
    }


def annotate_requests(df: pl.DataFrame, timeout_s: float) -> pl.DataFrame:
    """A lean, numeric frame sorted by session and time: ids, per-request flags and the think
    gap before each page request (`page_gap_s`).

    Only numbers are sorted (strings are what makes a million-row sort slow). A gap longer than
    the session timeout is not a think time (the session was idle or split), so it is null.
    `df` must have gone through `normalise_requests`.
    """
    route = pl.col("route")
    kinds = route_kinds(df)
    return (
        df.lazy()
        .select(
            session_key(),
            pl.col("ts"),
            state_key(),
            route.hash(HASH_SEED).alias("route_id"),
            pl.col("method").is_in(WRITE_METHODS).alias("is_write"),
            route.is_in(kinds["asset"]).alias("is_asset"),
            (pl.col("status") >= 400).fill_null(False).alias("is_error"),
            (
                pl.col("referrer").is_not_null()
                & (pl.col("referrer") != "-")
                & (pl.col("referrer") != "")
            ).alias("has_referer"),
            route.is_in(kinds["auth"]).alias("is_auth"),
            (
                route.is_in(kinds["search"])
                | pl.col("query").str.contains(SEARCH_QUERY_PATTERN).fill_null(False)
            ).alias("is_search"),
            route.is_in(kinds["commerce"]).alias("is_commerce"),
            pl.col("response_ms"),
        )
        .sort(["sid", "ts"])
        .with_columns(_page_gap(timeout_s).alias("page_gap_s"))
        .collect()
    )


def _page_gap(timeout_s: float) -> pl.Expr:
    """Gap since the previous non-asset request of the session, on non-asset rows only.

    A browser fetches a page's scripts and images within milliseconds; the person reads for
    seconds. Measuring between page requests keeps the first from masking the second.
    """
    page = ~pl.col("is_asset")
    # rows are sorted by session: fill forward over the whole frame, then keep only gaps whose
    # previous page belongs to the same session (cheaper than a window per session)
    prev_ts = pl.when(page).then(pl.col("ts")).forward_fill().shift(1)
    prev_sid = pl.when(page).then(pl.col("sid")).forward_fill().shift(1)
    gap = (pl.col("ts") - prev_ts).dt.total_microseconds() / 1e6
    return pl.when(page & (prev_sid == pl.col("sid")) & (gap <= timeout_s)).then(gap)


def session_features(annotated: pl.DataFrame) -> pl.DataFrame:
    """One row per session: `sid`, `start` and every name in `FEATURES` (think time filled).

    `annotated` comes from `annotate_requests`. `think_p50_s` is the median gap between page
    (non-asset) requests. A one-page session has no think time; it gets the median of all
    sessions so it is not mistaken for a machine.
    """
    lazy = annotated.lazy()
    # counts per (session, route) under one hashed key, then entropy from the counts:
    # H = log2(N) - Σ c·log2(c) / N, with no window over the sessions
    pairs = lazy.group_by(pl.struct("sid", "route_id").hash(HASH_SEED).alias("_pair")).agg(
        pl.col("sid").first(), pl.len().alias("_c")
    )
    per_route = (
        pairs.group_by("sid")
        .agg(
            pl.col("_c").sum().alias("_n"),
            (pl.col("_c") * pl.col("_c").log(base=2)).sum().alias("_s"),
            pl.col("_c").max().alias("_max"),
            pl.len().alias("unique_routes"),
        )
        .select(
            "sid",
            "unique_routes",
            (pl.col("_n").log(base=2) - pl.col("_s") / pl.col("_n"))
            .clip(lower_bound=0.0)
            .alias("route_entropy"),
            (pl.col("_max") / pl.col("_n")).alias("top_route_share"),
        )
    )
    base = lazy.group_by("sid").agg(
        pl.len().alias("requests"),
        pl.col("ts").min().alias("start"),
        ((pl.col("ts").max() - pl.col("ts").min()).dt.total_microseconds() / 1e6).alias(
            "duration_s"
        ),
        pl.col("page_gap_s").median().alias("think_p50_s"),
        pl.col("is_write").mean().alias("write_ratio"),
        pl.col("is_error").mean().alias("error_rate"),
        pl.col("is_asset").mean().alias("asset_ratio"),
        pl.col("has_referer").mean().alias("referer_ratio"),
        pl.col("is_auth").any().cast(pl.Float64).alias("auth_step"),
        pl.col("is_search").mean().alias("search_ratio"),
        pl.col("is_commerce").any().cast(pl.Float64).alias("commerce_step"),
        pl.col("response_ms").median().alias("response_ms_p50"),
        pl.col("response_ms").mean().alias("response_ms_mean"),
    )
    frame = base.join(per_route, on="sid", how="left").collect()
    think_fill = frame["think_p50_s"].median()
    think_default = float(think_fill) if isinstance(think_fill, (int, float)) else 0.0
    frame = frame.with_columns(
        pl.col("think_p50_s").fill_null(think_default),
        (pl.col("requests") / pl.max_horizontal(pl.col("duration_s"), pl.lit(1.0))).alias(
            "request_rate"
        ),
        pl.col("unique_routes").cast(pl.Float64),
        pl.col("requests").cast(pl.Float64),
    )
    return frame.select("sid", "start", *FEATURES).sort("sid")


def session_table(df: pl.DataFrame, annotated: pl.DataFrame) -> pl.DataFrame:
    """Per-session features with the session name, for tests and callers without bot flags."""
    names = df.select(pl.col("session").unique()).with_columns(session_key())
    return session_features(annotated).join(names, on="sid", how="left")


def feature_matrix_columns(features: pl.DataFrame, columns: tuple[str, ...]) -> list[str]:
    """The clustering columns that actually vary: a constant column only adds noise."""
    keep: list[str] = []
    for name in columns:
        col = features[name]
        if col.null_count() == col.len():
            continue
        std = col.std()
        if isinstance(std, float) and math.isfinite(std) and std > 1e-12:
            keep.append(name)
    return keep
