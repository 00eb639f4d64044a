"""Which sessions are bots: crawlers that say so, and scrapers that hide behind a browser.

A load test should replay people and the programs that are real load (mobile apps, SDKs,
partner integrations), not search-engine crawlers: their traffic is shaped by a crawl budget,
not by the product. Two kinds of evidence, checked per session:

1. **Self-identified** (`bot_reason` `ua:<word>`): the user agent names a crawler (`bot`,
   `crawler`, `spider`, `slurp`, well-known names such as Googlebot, bingbot, YandexBot,
   Baiduspider, Bytespider, Applebot, GPTBot, Scrapy, HeadlessChrome), or the session fetched
   `/robots.txt` (`robots.txt`), which only crawlers read.
2. **Behavioural**, and *only for browser user agents* (`Mozilla/…`, `Opera/…`). A scraper
   that wants to pass as a person sends a browser UA, yet behaves like no browser can:

   - `fast-no-assets`: ≥ 30 requests, no static asset at all, and a median gap between
     requests under 1.5 s. A real browser fetches CSS/JS/images with its pages and a reader
     pauses for seconds; a scraper fetches only the HTML, back to back.
   - `sequential-ids`: ≥ 10 steps where the numeric id of the same route grows by exactly 1
     (`/products/41`, `/products/42`, …) making up at least half the session's id requests:
     nobody reads a catalogue in id order, an enumerator does.
   - `route-sweep`: ≥ 50 requests touching ≥ 30 distinct non-asset paths a minute (a new
     page every 2 s, sustained): a person reads what a page says before the next one.

API clients (`python-requests`, `okhttp`, `Go-http-client`, `curl`, `axios`, `node-fetch`,
`aws-sdk`, `Apache-HttpClient`, `Java/…`, vendor SDKs) are not bots: they are the load the
service exists for, and they are *supposed* to be fast, asset-free and tireless. That is why
the behavioural rules never look at a non-browser UA: an honest program names itself, so speed
alone would otherwise turn every integration into a "bot". Self-identification still applies
to them (a Python crawler that reads robots.txt is a crawler).
"""

from __future__ import annotations

import polars as pl

from loadtui.ingest.routes import ASSET_RE

# Word-ish crawler markers; matched case-insensitively anywhere in the UA.
CRAWLER_UA = (
    r"(?i)(bot\b|bot/|bot;|bot-|crawler|crawl\b|spider|slurp|archiver|scrapy|heritrix|"
    r"nutch|facebookexternalhit|mediapartners-google|adsbot|google-inspectiontool|"
    r"bingpreview|yandex|baidu|bytespider|petalbot|applebot|duckduck|gptbot|ccbot|claudebot|"
    r"perplexitybot|amazonbot|headlesschrome|phantomjs|ia_archiver|semrush|ahrefs|mj12|"
    r"dotbot|seznam|sogou|exabot|qwantify|linkcheck|uptimerobot|pingdom|statuscake)"
)
CRAWLER_WORD = r"(?i)(bot|crawler|crawl|spider|slurp|archiver|scrapy|yandex|baidu|headlesschrome)"
BROWSER_UA = r"^(?:Mozilla/|Opera/)"
ROBOTS_PATH = r"(?i)^/robots\.txt$"

MIN_REQUESTS_FAST = 30
MAX_MEDIAN_GAP_S = 1.5
MIN_SEQUENTIAL_STEPS = 10
MIN_SWEEP_REQUESTS = 50
MIN_PATHS_PER_MINUTE = 30.0


def _ua_reason() -> pl.Expr:
    word = pl.col("user_agent").str.extract(CRAWLER_WORD, 1).str.to_lowercase()
    named = pl.col("user_agent").str.extract(CRAWLER_UA, 1).str.to_lowercase()
    found = pl.coalesce(word, named)
    return pl.when(found.is_not_null()).then(pl.concat_str(pl.lit("ua:"), found))


def flag_bots(df: pl.DataFrame) -> pl.DataFrame:
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
        _ua_reason(),
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
