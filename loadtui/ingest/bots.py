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
from loadtui.ingest.sessions import is_time_ordered

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
LAST_NUMBER = r"/([0-9]+)(?:\.[A-Za-z0-9]+)?/?$"
HASH_SEED = 20240304  # any fixed seed; ids never leave one call

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


def _path_flags(df: pl.DataFrame) -> pl.LazyFrame:
    """Asset, robots.txt and trailing id per distinct path (hashed to `_pid`): the patterns run
    on the tens of thousands of distinct paths, not on a million requests."""
    path = pl.col("path")
    return (
        df.lazy()
        .group_by(path.hash(HASH_SEED).alias("_pid"))
        .agg(path.first())
        .select(
            "_pid",
            path.str.contains(ASSET_RE).fill_null(False).alias("_asset"),
            path.str.contains(ROBOTS_PATH).fill_null(False).alias("_robots"),
            path.str.extract(LAST_NUMBER, 1).cast(pl.Int64, strict=False).alias("_num"),
        )
    )


def _requests_by_session(df: pl.DataFrame) -> pl.DataFrame:
    """A lean numeric frame, one row per request, ordered by (session, time, row): hashed
    session/path/route ids, the path flags, and the gap to the session's previous request.

    Sorting u64 ids instead of session strings is most of the speed; when the frame is already
    in time order (as `read_logs` returns it) a stable sort on the id alone gives that order.
    """
    lean = (
        df.lazy()
        .select(
            pl.col("session").hash(HASH_SEED).alias("_sid"),
            "ts",
            pl.col("path").hash(HASH_SEED).alias("_pid"),
            pl.col("route").fill_null(pl.col("path")).hash(HASH_SEED).alias("_rid"),
        )
        .with_row_index("_row")
        .join(_path_flags(df), on="_pid", how="left", maintain_order="left")
    )
    if is_time_ordered(df):
        lean = lean.sort("_sid", maintain_order=True)
    else:
        lean = lean.sort("_sid", "ts", "_row")
    same = pl.col("_sid") == pl.col("_sid").shift(1)
    gap = pl.when(same).then(pl.col("ts").diff().dt.total_milliseconds())
    return lean.with_columns(gap.alias("_gap_ms")).collect()


def _id_steps(requests: pl.DataFrame) -> pl.LazyFrame:
    """Per session, how many requests carry the id of the previous request *of the same route*
    plus one. A stable sort on the route id keeps (session, time) order inside each route, so
    "previous request of this session and route" is simply the previous row; only routes that
    ever carry a numeric id take part."""
    numbered = requests.filter(pl.col("_num").is_not_null())["_rid"].unique()
    same = (pl.col("_sid") == pl.col("_sid").shift(1)) & (pl.col("_rid") == pl.col("_rid").shift(1))
    step = same & (pl.col("_num") - pl.col("_num").shift(1)).eq(1)
    return (
        requests.lazy()
        .select("_sid", "_rid", "_num")
        .filter(pl.col("_rid").is_in(numbered.implode()))
        .sort("_rid", maintain_order=True)
        .with_columns(step.fill_null(False).alias("_step"))
        .group_by("_sid")
        .agg(pl.col("_step").sum().alias("_steps"))
    )


def _session_stats(df: pl.DataFrame) -> pl.DataFrame:
    """One row per session with the counts the rules need, plus its session, client and agent
    strings taken from its first request (gathered for ~60k sessions, not grouped as strings)."""
    requests = _requests_by_session(df)
    stats = (
        requests.lazy()
        .group_by("_sid")
        .agg(
            pl.col("_row").first().alias("_first"),
            pl.len().alias("_n"),
            pl.col("_asset").sum().alias("_assets"),
            pl.col("_robots").any().alias("_robots"),
            (pl.col("_gap_ms").median() / 1000.0).alias("_median_gap_s"),
            pl.col("_num").is_not_null().sum().alias("_numbered"),
            pl.col("_pid").filter(~pl.col("_asset")).n_unique().alias("_paths"),
            ((pl.col("ts").max() - pl.col("ts").min()).dt.total_milliseconds() / 60_000.0).alias(
                "_minutes"
            ),
        )
        .join(_id_steps(requests), on="_sid", how="left")
        .with_columns(pl.col("_steps").fill_null(0))
        .collect()
    )
    names = df.select("session", "client", "user_agent")[stats["_first"]]
    return pl.concat([names, stats], how="horizontal")


def flag_bots(df: pl.DataFrame) -> pl.DataFrame:
    """One row per session of `df` (which needs a `session` column, see `assign_sessions`):
    `session, client, user_agent, is_bot, bot_reason`; the reason is null for people.

    Sessions are grouped by a 64-bit hash of their key (as `profile.features` does); two
    distinct keys sharing a hash is a ~1e-10 event at a million sessions.
    """
    if "session" not in df.columns:
        raise ValueError("flag_bots needs a 'session' column: call assign_sessions first")
    sessions = _session_stats(df)
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
