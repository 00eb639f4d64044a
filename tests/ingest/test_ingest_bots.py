"""Bot flags: self-identified crawlers and browser-disguised scrapers, never API clients."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from ingest_frames import CHROME, GOOGLEBOT, browse, requests, walk_ids

from loadtui.ingest.bots import flag_bots
from loadtui.ingest.formats import read_logs
from loadtui.ingest.sessions import assign_sessions


def _flags(rows: list[tuple[str, str, float, str]]) -> dict[str, tuple[bool, str | None]]:
    out = flag_bots(assign_sessions(requests(rows)))
    assert out.columns == ["session", "client", "user_agent", "is_bot", "bot_reason"]
    return {c: (b, r) for c, b, r in out.select("client", "is_bot", "bot_reason").iter_rows()}


def test_googlebot_is_flagged_and_python_requests_is_not() -> None:
    rows = walk_ids("66.249.66.1", GOOGLEBOT, 0, 5, 10.0)
    rows += walk_ids("10.0.0.1", "python-requests/2.32.3", 0, 200, 0.05)
    flags = _flags(rows)
    assert flags["66.249.66.1"] == (True, "ua:bot")
    assert flags["10.0.0.1"] == (False, None)


@pytest.mark.parametrize(
    "agent",
    [
        "python-requests/2.32.3",
        "okhttp/4.12.0",
        "Go-http-client/1.1",
        "curl/8.5.0",
        "axios/1.6.7",
        "aws-sdk-java/2.25.0 Linux/6.1 OpenJDK_64-Bit_Server_VM/17.0.9",
        "Apache-HttpClient/4.5.14 (Java/17.0.9)",
        "Java/17.0.9",
        "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
        "notes-sdk-python/1.8.2 (CPython 3.12.7; Linux)",
    ],
)
def test_fast_api_clients_are_load_not_bots(agent: str) -> None:
    # as fast, asset-free and sequential as a scraper: still an integration, not a bot
    assert _flags(walk_ids("10.0.0.2", agent, 0, 300, 0.02))["10.0.0.2"] == (False, None)


def test_robots_txt_marks_a_crawler_whatever_its_agent() -> None:
    rows = [("5.5.5.5", "python-requests/2.31.0", 0, "/robots.txt")]
    rows += walk_ids("5.5.5.5", "python-requests/2.31.0", 1, 3, 5.0)
    assert _flags(rows)["5.5.5.5"] == (True, "robots.txt")


def test_browser_agent_walking_ids_is_flagged() -> None:
    flags = _flags(walk_ids("45.83.64.9", CHROME, 0, 25, 4.0))  # slow, but sequential
    assert flags["45.83.64.9"] == (True, "sequential-ids")


def test_browser_agent_fast_without_assets_is_flagged() -> None:
    rows = [("23.94.37.1", CHROME, i * 0.4, f"/products/{(i * 97) % 1000}") for i in range(60)]
    assert _flags(rows)["23.94.37.1"] == (True, "fast-no-assets")


def test_people_in_browsers_are_not_flagged() -> None:
    rows = browse("81.2.3.4", CHROME, 0, 12, 15.0)  # reads, fetches assets
    rows += browse("81.2.3.5", CHROME, 0, 40, 4.0)  # a fast power user, still with assets
    flags = _flags(rows)
    assert flags["81.2.3.4"] == (False, None)
    assert flags["81.2.3.5"] == (False, None)


def test_browser_agent_sweeping_pages_is_flagged() -> None:
    rows = [("81.2.3.6", CHROME, i * 1.0, f"/news/story-{i * 13 % 997}-title") for i in range(60)]
    rows += [("81.2.3.6", CHROME, i * 1.0 + 0.1, "/static/app.js") for i in range(0, 60, 10)]
    assert _flags(rows)["81.2.3.6"] == (True, "route-sweep")


def test_needs_sessions_first() -> None:
    with pytest.raises(ValueError, match="assign_sessions"):
        flag_bots(requests(walk_ids("1.1.1.1", CHROME, 0, 2, 1.0)))


def test_synth_log_crawlers_flagged_and_api_clients_spared(tmp_path: Path) -> None:
    """The acceptance the profile stage relies on, on a small seeded synth log."""
    generator = pytest.importorskip("loadtui.synth.generator")
    writer = pytest.importorskip("loadtui.synth.writer")
    synth = generator.generate(sessions=800, days=1, seed=11)
    log = tmp_path / "shop.log"
    writer.write_log(synth.rows, log, "nginx")
    df, report = read_logs([log])
    assert report.lines_bad == 0
    flags = flag_bots(assign_sessions(df))
    truth = synth.truth.select("client", "user_agent", "persona", "is_bot").unique(
        ["client", "user_agent"]
    )
    joined = flags.join(truth, on=["client", "user_agent"], how="inner")
    assert joined.height == flags.height
    crawlers = joined.filter(pl.col("persona") == "bot_crawler")
    api = joined.filter(pl.col("persona") == "api_consumer")
    people = joined.filter(~pl.col("is_bot_right"))
    assert crawlers.height and api.height
    assert crawlers["is_bot"].mean() >= 0.95
    assert api["is_bot"].mean() <= 0.10
    assert people["is_bot"].mean() <= 0.02
    scrapers = joined.filter(pl.col("persona") == "stealth_scraper")
    if scrapers.height:
        assert scrapers["is_bot"].mean() >= 0.8


def test_sample_shop_log_sessions_and_bots_match_its_truth() -> None:
    root = Path(__file__).resolve().parents[2] / "sample_data"
    log, truth_csv = root / "shop_access.log", root / "shop_truth.csv"
    if not (log.exists() and truth_csv.exists()):
        pytest.skip("sample_data/shop_access.log and shop_truth.csv are not generated yet")
    df, report = read_logs([log])
    assert report.lines_bad == 0
    sessions = assign_sessions(df)
    truth = pl.read_csv(truth_csv, infer_schema=False)
    assert sessions["session"].n_unique() == truth.height  # 30 idle minutes split them
    flags = flag_bots(sessions)
    per_pair = truth.select("client", "user_agent", "persona").unique(["client", "user_agent"])
    joined = flags.join(per_pair, on=["client", "user_agent"], how="inner")
    assert joined.height == flags.height
    rate = dict(joined.group_by("persona").agg(pl.col("is_bot").mean()).iter_rows())
    assert rate["bot_crawler"] >= 0.95 and rate["stealth_scraper"] >= 0.8
    assert rate["api_consumer"] <= 0.10
    assert rate["casual_browser"] <= 0.02 and rate["power_user"] <= 0.02
