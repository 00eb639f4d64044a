"""Sessions: the source's id when there is one, otherwise client + agent split on idle gaps."""

from __future__ import annotations

import polars as pl
import pytest
from ingest_frames import CHROME, requests

from loadtui.ingest.sessions import assign_sessions, ua_digest


def test_idle_gap_over_the_timeout_starts_a_new_session() -> None:
    rows = [("1.1.1.1", CHROME, t, "/") for t in (0, 60, 1799 + 60, 1860 + 1801, 3700)]
    out = assign_sessions(requests(rows), timeout_s=1800)
    keys = out["session"].to_list()
    assert keys[0] == keys[1] == keys[2]  # gaps of 60 s and 1799 s
    assert keys[3] != keys[2] and keys[3] == keys[4]  # 1801 s gap, then 39 s
    assert keys[0] == f"1.1.1.1|{ua_digest(CHROME)}|1" and keys[3].endswith("|2")


def test_timeout_is_a_parameter() -> None:
    rows = [("1.1.1.1", CHROME, t, "/") for t in (0, 100, 200)]
    assert assign_sessions(requests(rows), timeout_s=99)["session"].n_unique() == 3
    assert assign_sessions(requests(rows), timeout_s=100)["session"].n_unique() == 1


def test_agents_and_clients_are_kept_apart_and_row_order_is_kept() -> None:
    rows = [
        ("1.1.1.1", CHROME, 0, "/a"),
        ("1.1.1.1", "curl/8.5.0", 1, "/b"),
        ("2.2.2.2", CHROME, 2, "/c"),
        ("1.1.1.1", CHROME, 3, "/d"),
    ]
    df = requests(rows)
    out = assign_sessions(df)
    assert out.drop("session").equals(df)
    keys = out["session"].to_list()
    assert len(set(keys)) == 3 and keys[0] == keys[3]


def test_source_session_ids_win_over_the_timeout() -> None:
    rows = [("1.1.1.1", CHROME, t, "/") for t in (0, 5000, 10)]
    out = assign_sessions(requests(rows, ["abc", "abc", "xyz"]))
    by_path = out.sort("ts")["session"].to_list()
    assert by_path == ["sid:abc", "sid:xyz", "sid:abc"]


def test_keys_are_stable_readable_strings_and_nulls_are_handled() -> None:
    rows = [("1.1.1.1", CHROME, 0, "/")]
    df = requests(rows).with_columns(pl.lit(None, dtype=pl.String).alias("user_agent"))
    out = assign_sessions(df)
    assert out["session"].to_list() == ["1.1.1.1|-|1"]
    assert ua_digest(CHROME) == ua_digest(CHROME) and len(ua_digest(CHROME)) == 8
    assert assign_sessions(df.clear())["session"].dtype == pl.String
    with pytest.raises(ValueError):
        assign_sessions(df, timeout_s=0)
