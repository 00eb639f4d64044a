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


def is_time_ordered(df: pl.DataFrame) -> bool:
    """True when `ts` has no nulls and never decreases (what `read_logs` returns): then a
    stable sort on a key alone orders rows by (key, time, row) as a three-key sort would."""
    if df["ts"].null_count():
        return False
    zero = pl.duration(microseconds=0)
    return bool(df.select((pl.col("ts").diff() >= zero).all()).item())


def _sessions_sorted(df: pl.DataFrame, client: pl.Expr, timeout_us: int) -> pl.DataFrame:
    """Rows ordered by (client+agent, time, row): `_row`, `_new` (starts a session), `_g` (the
    session's index in this order) and `_n` (its number within its client+agent, from 1).

    Only numbers are sorted: the key is (client, agent) hashed to u64. When the frame is
    already in time order a stable sort on the key alone gives the same order, far cheaper
    than a three-key sort. `_n` is a global running count minus its value where the key starts,
    so no window expression is needed.
    """
    keys = df.select(
        pl.struct(client, pl.col("user_agent")).hash(1).alias("_key"), "ts"
    ).with_row_index("_row")
    if is_time_ordered(df):
        ordered = keys.sort("_key", maintain_order=True)
    else:
        ordered = keys.sort("_key", "ts", "_row")
    key_starts = pl.col("_key") != pl.col("_key").shift(1)
    new = (key_starts | (pl.col("ts").diff().dt.total_microseconds() > timeout_us)).fill_null(True)
    total = pl.col("_new").cast(pl.UInt32).cum_sum()
    before_key = pl.when(key_starts.fill_null(True)).then(pl.col("_g")).forward_fill()
    return (
        ordered.lazy()
        .with_columns(new.alias("_new"))
        .with_columns((total - 1).alias("_g"))
        .with_columns((pl.col("_g") - before_key + 1).alias("_n"))
        .select("_row", "_new", "_g", "_n")
        .collect()
    )


def assign_sessions(df: pl.DataFrame, timeout_s: float = DEFAULT_TIMEOUT_S) -> pl.DataFrame:
    """`df` plus a `session` column (str), in the same row order.

    Vectorised: rows are ordered by (client, agent, time) on numeric keys, a gap over
    `timeout_s` (or a new client/agent) starts a session, and a cumulative sum numbers them.
    Key strings are built once per session and gathered into row order, so no string column
    is sorted or built a million times.
    """
    if timeout_s <= 0:
        raise ValueError("timeout_s must be positive")
    if df.height == 0:
        return df.with_columns(pl.lit(None, dtype=pl.String).alias("session"))
    client = pl.col("client").fill_null("-")
    ordered = _sessions_sorted(df, client, int(timeout_s * 1_000_000))
    starts = ordered.filter(pl.col("_new"))
    firsts = df.select(client, "user_agent")[starts["_row"]]
    agents = firsts["user_agent"].unique().to_list()
    digest = pl.col("user_agent").replace_strict(
        agents, [ua_digest(a) for a in agents], default="-", return_dtype=pl.String
    )
    labels = firsts.select(
        pl.concat_str(
            client, pl.lit("|"), digest, pl.lit("|"), pl.lit(starts["_n"]).cast(pl.String)
        )
    ).to_series()
    row_session = pl.zeros(df.height, pl.UInt32, eager=True).scatter(ordered["_row"], ordered["_g"])
    session = labels.gather(row_session).alias("session")
    if df["session_id"].null_count() < df.height:
        sid = df.select(pl.concat_str(pl.lit("sid:"), pl.col("session_id"))).to_series()
        session = sid.fill_null(session).alias("session")
    return df.with_columns(session)
