"""Group requests into sessions: the source's own session id, or client + user agent + idle gap.

When the log names sessions (a `session_id` column in JSON or CSV), that is the truth and is
used as is. Otherwise a session is what web analytics has long used: the requests of one
client (IP) with one user agent, split wherever the client was idle longer than the timeout
(30 minutes by default, as in Google Analytics). Two browsers behind one NAT address differ by
user agent; one person coming back after lunch starts a new session.

Keys are strings readable in an assignments CSV: `sid:<session_id>` or
`<client>|<ua digest>|<n>` where the digest is 8 hex of BLAKE2s over the user agent (stable
across runs and versions) and `n` counts that client+agent's sessions from 1 in time order.
"""

from __future__ import annotations

import hashlib

import polars as pl

DEFAULT_TIMEOUT_S = 1800.0


def ua_digest(user_agent: str | None) -> str:
    """8 hex characters naming a user agent; `-` for none."""
    if user_agent is None:
        return "-"
    return hashlib.blake2s(user_agent.encode("utf-8", "replace"), digest_size=4).hexdigest()


def assign_sessions(df: pl.DataFrame, timeout_s: float = DEFAULT_TIMEOUT_S) -> pl.DataFrame:
    """`df` plus a `session` column (str), in the same row order.

    Vectorised: rows are ordered by (client, agent, time) on numeric keys, a gap over
    `timeout_s` (or a new client/agent) starts a session, and a cumulative sum numbers them.
    """
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
