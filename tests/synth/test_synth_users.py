"""Many sessions over few days: every user still gets a (client, user agent) pair of its own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from synth_runs import run_synth

from loadtui.synth import generator
from loadtui.synth.generator import AddressSpaceFull, SynthLog, free_addresses, generate
from loadtui.synth.personas import CRAWLER_NETS, CRAWLER_UAS

# Crawlers only, over one day: ~2,250 crawler users, ~600 of them Googlebot, whose two /24s
# hold 508 addresses. The generator used to stop with "could not make (client, user agent)
# pairs unique" here (and on `synth --sessions 62000` with the default three days).
CROWDED_SESSIONS = 4500


def _crowded() -> SynthLog:
    return generate(CROWDED_SESSIONS, days=1, seed=1, mix={"bot_crawler": 1.0})


def _slash16(ip: str) -> str:
    return ".".join(ip.split(".")[:2])


def test_crawlers_outnumbering_their_networks_still_get_a_pair_each() -> None:
    truth = _crowded().truth
    users = truth.select("client", "user_agent").unique()
    googlebot = users.filter(pl.col("user_agent") == CRAWLER_UAS[0])
    assert googlebot.height > 254 * len(CRAWLER_NETS[0])  # more users than the two /24s hold
    pairs = truth.group_by("client", "user_agent").agg(pl.col("persona").n_unique())
    assert pairs["persona"].max() == 1
    # widened only to neighbouring networks of the same operator
    for ua, nets in zip(CRAWLER_UAS, CRAWLER_NETS, strict=True):
        clients = users.filter(pl.col("user_agent") == ua)["client"].to_list()
        assert {_slash16(ip) for ip in clients} <= {_slash16(net) for net in nets}, ua


def test_crowded_logs_stay_deterministic_by_seed() -> None:
    a, b = _crowded(), _crowded()
    assert a.truth.equals(b.truth) and a.rows.equals(b.rows)


def test_free_addresses_fill_the_pool_then_its_neighbours() -> None:
    taken = {"66.249.66.1", "66.249.66.2"}
    got = free_addresses(np.random.default_rng(0), 600, ("66.249.66",), taken)
    assert len(set(got)) == 600
    assert not {"66.249.66.1", "66.249.66.2"} & set(got)
    assert sum(ip.startswith("66.249.66.") for ip in got) == 252  # the pool first, all of it
    assert {ip.rsplit(".", 1)[0] for ip in got} == {"66.249.65", "66.249.66", "66.249.67"}
    assert set(got) <= taken  # now taken for the next group of the same user agent


def test_full_networks_say_what_to_change() -> None:
    every = {f"66.249.{c}.{h}" for c in range(256) for h in range(1, 255)}
    taken = every - {"66.249.3.7", "66.249.200.9"}
    with pytest.raises(AddressSpaceFull, match="fewer sessions or more days") as caught:
        free_addresses(np.random.default_rng(0), 3, ("66.249.66",), taken)
    assert "1 users too many" in str(caught.value) and "66.249.0.0/16" in str(caught.value)


def test_cli_exits_2_with_one_line_when_networks_cannot_hold_the_users(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # no widening: Googlebot's two /24s are all there is
    monkeypatch.setattr(generator, "_widening", lambda pool: iter([list(pool)]))
    code = run_synth(
        "-o", str(tmp_path / "x.log"), "--sessions", str(CROWDED_SESSIONS), "--days", "1",
        "--mix", "bot_crawler=1",
    )  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert "--sessions 4500 over --days 1" in err and "fewer sessions or more days" in err
    assert not (tmp_path / "x.log").exists()
