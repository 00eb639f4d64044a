"""The first, plain implementations of `assign_sessions` and `flag_bots` (string sort and
window expressions), kept as the reference the fast numeric versions must match exactly."""

from __future__ import annotations

import polars as pl

from loadtui.ingest import bots
from loadtui.ingest.bots import (
    BROWSER_UA,
    MAX_MEDIAN_GAP_S,
    MIN_PATHS_PER_MINUTE,
    MIN_REQUESTS_FAST,
    MIN_SEQUENTIAL_STEPS,
    MIN_SWEEP_REQUESTS,
    ROBOTS_PATH,
)
from loadtui.ingest.routes import ASSET_RE
from loadtui.ingest.sessions import ua_digest


def reference_assign_sessions(df: pl.DataFrame, timeout_s: float = 1800.0) -> pl.DataFrame:
    if timeout_s <= 0:
        raise ValueError("timeout_s must be positive")
    if df.height == 0:
        return df.with_columns(pl.lit(None, dtype=pl.String).alias("session"))
    agents = df.select(pl.col("user_agent").unique()).to_series().to_list()
    digest = pl.col("user_agent").replace_strict(
        agents, [ua_digest(a) for a in agents], default="-", return_dtype=pl.String
    )
    client = pl.col("client").fill_null("-")
    timeout_us = int(timeout_s * 1_000_000)
    work = (
        df.select("ts", "client", "user_agent", "session_id")
        .with_row_index("_row")
        .with_columns(pl.struct(client, pl.col("user_agent")).hash(1).alias("_key"))
        .sort("_key", "ts", "_row")
        .with_columns(
            (
                (pl.col("_key") != pl.col("_key").shift(1))
                | (pl.col("ts").diff().dt.total_microseconds() > timeout_us)
            )
            .fill_null(True)
            .alias("_new")
        )
        .with_columns(pl.col("_new").cast(pl.UInt32).cum_sum().over("_key").alias("_n"))
        .with_columns(
            pl.when(pl.col("session_id").is_not_null())
            .then(pl.concat_str(pl.lit("sid:"), pl.col("session_id")))
            .otherwise(
                pl.concat_str(
                    client, pl.lit("|"), digest, pl.lit("|"), pl.col("_n").cast(pl.String)
                )
            )
            .alias("session")
        )
        .sort("_row")
    )
    return df.with_columns(work["session"])


def reference_flag_bots(df: pl.DataFrame) -> pl.DataFrame:
    """One row per session of `df` (which needs a `session` column, see `assign_sessions`):
    `session, client, user_agent, is_bot, bot_reason`; the reason is null for people."""
    if "session" not in df.columns:
        raise ValueError("flag_bots needs a 'session' column: call assign_sessions first")
    last_number = pl.col("path").str.extract(r"/([0-9]+)(?:\.[A-Za-z0-9]+)?/?$", 1)
    per_request = (
        df.lazy()
        .select(
            "session",
            "client",
            "user_agent",
            "ts",
            "path",
            pl.col("route").fill_null(pl.col("path")).alias("route"),
            pl.col("path").str.contains(ASSET_RE).fill_null(False).alias("_asset"),
            pl.col("path").str.contains(ROBOTS_PATH).fill_null(False).alias("_robots"),
            last_number.cast(pl.Int64, strict=False).alias("_num"),
        )
        .sort("session", "ts", maintain_order=True)
        .with_columns(
            pl.col("ts").diff().over("session").dt.total_milliseconds().alias("_gap_ms"),
            (pl.col("_num") - pl.col("_num").shift(1).over("session", "route"))
            .eq(1)
            .fill_null(False)
            .alias("_step"),
        )
    )
    sessions = (
        per_request.group_by("session")
        .agg(
            pl.col("client").first(),
            pl.col("user_agent").first(),
            pl.len().alias("_n"),
            pl.col("_asset").sum().alias("_assets"),
            pl.col("_robots").any().alias("_robots"),
            (pl.col("_gap_ms").median() / 1000.0).alias("_median_gap_s"),
            pl.col("_step").sum().alias("_steps"),
            pl.col("_num").is_not_null().sum().alias("_numbered"),
            pl.col("path").filter(~pl.col("_asset")).n_unique().alias("_paths"),
            ((pl.col("ts").max() - pl.col("ts").min()).dt.total_milliseconds() / 60_000.0).alias(
                "_minutes"
            ),
        )
        .collect()
    )
    browser = pl.col("user_agent").str.contains(BROWSER_UA).fill_null(False)
    fast = (
        (pl.col("_n") >= MIN_REQUESTS_FAST)
        & (pl.col("_assets") == 0)
        & (pl.col("_median_gap_s") < MAX_MEDIAN_GAP_S)
    )
    sequential = (pl.col("_steps") >= MIN_SEQUENTIAL_STEPS) & (
        pl.col("_steps") * 2 >= pl.col("_numbered")
    )
    sweep = (pl.col("_n") >= MIN_SWEEP_REQUESTS) & (
        pl.col("_paths") / pl.col("_minutes").clip(lower_bound=1.0) >= MIN_PATHS_PER_MINUTE
    )
    reason = pl.coalesce(
        bots._ua_reason(),
        pl.when(pl.col("_robots")).then(pl.lit("robots.txt")),
        pl.when(browser & sequential).then(pl.lit("sequential-ids")),
        pl.when(browser & fast).then(pl.lit("fast-no-assets")),
        pl.when(browser & sweep).then(pl.lit("route-sweep")),
    )
    return (
        sessions.with_columns(reason.alias("bot_reason"))
        .select(
            "session",
            "client",
            "user_agent",
            pl.col("bot_reason").is_not_null().alias("is_bot"),
            "bot_reason",
        )
        .sort("session")
    )
