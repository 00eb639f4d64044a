"""The truth file agrees with the log, and each persona behaves as it is documented to."""

from __future__ import annotations

import ipaddress

import polars as pl
from synth_runs import SESSIONS, Synth

ASSET = r"^/static/"
WRITES = ["POST", "PUT", "DELETE"]


def _with_persona(s: Synth) -> pl.DataFrame:
    pairs = s.truth.select("client", "user_agent", "persona", "is_bot").unique()
    return s.requests.join(pairs, on=["client", "user_agent"], how="left", maintain_order="left")


def test_every_client_user_agent_pair_has_exactly_one_persona(synth: Synth) -> None:
    personas = synth.truth.group_by("client", "user_agent").agg(pl.col("persona").n_unique())
    assert personas["persona"].max() == 1
    joined = _with_persona(synth)
    assert joined["persona"].null_count() == 0  # every line belongs to a true session
    assert synth.truth.height == SESSIONS
    assert set(synth.truth["persona"]) == {
        "casual_browser", "power_user", "api_consumer", "bot_crawler", "stealth_scraper",
    }  # fmt: skip


def test_sessions_split_on_30_idle_minutes_match_the_truth(synth: Synth) -> None:
    found = (
        synth.requests.sort("client", "user_agent", "ts")
        .with_columns(
            new=(
                (pl.col("ts").diff().dt.total_seconds() > 1800)
                | (pl.col("client") != pl.col("client").shift())
                | (pl.col("user_agent") != pl.col("user_agent").shift())
            ).fill_null(True)
        )
        .with_columns(pl.col("new").cum_sum().alias("n"))
        .group_by("n")
        .agg(
            pl.col("client").first(),
            pl.col("user_agent").first(),
            pl.col("ts").min().alias("start"),
            pl.col("ts").max().alias("end"),
            pl.len().alias("requests"),
        )
        .select("client", "user_agent", "start", "end", pl.col("requests").cast(pl.Int64))
        .sort("client", "user_agent", "start")
    )
    truth = synth.truth.select("client", "user_agent", "start", "end", "requests").sort(
        "client", "user_agent", "start"
    )
    assert found.height == truth.height
    assert found.equals(truth)
    assert truth["requests"].sum() == synth.requests.height


def test_crawlers_fetch_robots_txt_first_and_never_write(synth: Synth) -> None:
    joined = _with_persona(synth).sort("ts", maintain_order=True)
    bots = joined.filter(pl.col("persona") == "bot_crawler")
    assert bots.height > 0
    first = synth.truth.filter(pl.col("persona") == "bot_crawler").join(
        bots, left_on=["client", "user_agent", "start"], right_on=["client", "user_agent", "ts"]
    )
    first = first.group_by("session").agg(pl.col("path").first())
    assert (first["path"] == "/robots.txt").all()
    assert not bots["method"].is_in(WRITES).any()
    assert not bots["path"].str.contains(ASSET).any()
    assert bots["user_agent"].str.contains(r"(?i)bot|spider|crawl").all()


def test_api_consumers_fetch_no_assets_send_no_referer_and_write_a_lot(synth: Synth) -> None:
    api = _with_persona(synth).filter(pl.col("persona") == "api_consumer")
    assert api.height > 0
    assert not api["path"].str.contains(ASSET).any()
    assert (api["referrer"] == "-").all()
    assert api["path"].str.starts_with("/notes").mean() > 0.8  # type: ignore[operator]
    write_ratio = api["method"].is_in(WRITES).mean()
    assert 0.25 < write_ratio < 0.7  # type: ignore[operator]
    assert (
        api.filter(pl.col("method") == "POST", pl.col("path") == "/notes")["status"] == 201
    ).mean() > 0.9  # type: ignore[operator]


def test_people_fetch_assets_and_think_longer_than_machines(synth: Synth) -> None:
    joined = _with_persona(synth)
    browsers = joined.filter(pl.col("persona").is_in(["casual_browser", "power_user"]))
    assert browsers["path"].str.contains(ASSET).mean() > 0.2  # type: ignore[operator]
    assert (browsers["referrer"] != "-").mean() > 0.7  # type: ignore[operator]
    pages = joined.filter(~pl.col("path").str.contains(ASSET)).sort("client", "user_agent", "ts")
    gaps = pages.with_columns(
        gap=pl.col("ts").diff().dt.total_seconds().over("client", "user_agent")
    ).filter(pl.col("gap") < 1800)
    median = dict(gaps.group_by("persona").agg(pl.col("gap").median()).iter_rows())
    assert median["casual_browser"] > median["power_user"] > median["api_consumer"]
    assert median["casual_browser"] >= 5
    assert median["api_consumer"] <= 2
    # the power users log in and buy
    power = joined.filter(pl.col("persona") == "power_user")
    assert (power["path"] == "/login").any() and (power["path"] == "/checkout").any()
    casual = joined.filter(pl.col("persona") == "casual_browser")
    assert not (casual["path"] == "/checkout").any()


def test_stealth_scrapers_look_like_browsers_but_walk_ids_in_order(synth: Synth) -> None:
    scraper_truth = synth.truth.filter(pl.col("persona") == "stealth_scraper")
    assert scraper_truth.height > 0 and scraper_truth["is_bot"].all()
    assert scraper_truth["user_agent"].str.starts_with("Mozilla/5.0 (").all()
    assert not scraper_truth["user_agent"].str.contains(r"(?i)bot|spider").any()
    scrapers = _with_persona(synth).filter(pl.col("persona") == "stealth_scraper")
    assert not scrapers["path"].str.contains(ASSET).any()
    gap = pl.col("ts").diff().dt.total_seconds().over("client", "user_agent")
    ids = (
        scrapers.with_columns(visit=(gap > 1800).fill_null(False).cum_sum().over("client"))
        .filter(pl.col("path").str.contains(r"^/products/\d+$"))
        .with_columns(pl.col("path").str.extract(r"(\d+)$").cast(pl.Int64).alias("id"))
        .group_by("client", "user_agent", "visit", maintain_order=True)
        .agg(pl.col("id"))
    )
    assert ids.height >= scraper_truth.height
    for seq in ids["id"]:
        assert list(seq) == list(range(seq[0], seq[0] + len(seq)))  # log order is id order
    rate = scraper_truth.select(
        pl.col("requests") / ((pl.col("end") - pl.col("start")).dt.total_seconds() + 1)
    ).to_series()
    assert rate.min() > 1.0  # more than a request a second, for the whole session


def test_statuses_and_sizes_look_like_production(synth: Synth) -> None:
    r = synth.requests
    status = r["status"]
    assert ((status >= 200) & (status < 300)).mean() > 0.85  # type: ignore[operator]
    assert (status == 304).any() and (status == 404).any() and (status == 201).any()
    assert (status >= 500).mean() < 0.01  # type: ignore[operator]
    assert (r.filter(pl.col("status") == 304)["bytes"] == 0).all()
    assert (r.filter(pl.col("path") == "/robots.txt")["bytes"] == 84).all()
    rt = dict(
        r.filter(pl.col("status") == 200)
        .group_by(pl.col("path").str.replace(r"/\d+$", "/{id}"))
        .agg(pl.col("rt").median())
        .iter_rows()
    )
    assert rt["/search"] > rt["/products/{id}"] > rt["/static/app.js"]


def test_client_addresses_are_public(synth: Synth) -> None:
    for ip in synth.truth["client"].unique():
        addr = ipaddress.IPv4Address(ip)
        assert addr.is_global and not addr.is_private and not addr.is_loopback, ip
