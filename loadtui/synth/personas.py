"""Ground-truth personas of the synthetic shop log: who they are and how they behave.

Each persona is a small, readable spec: a share of sessions, a Markov chain over page-level
actions, a session length and a think time, and the clients it comes from. The generator turns
these specs into requests; nothing else in the generator knows a persona by name, so the truth
lives here and only here.

The numbers follow what real shop logs show: people browse a few pages and read for seconds,
logged-in regulars stay longer and write (cart, checkout), API clients fire many small JSON calls
a second apart with a high write share, crawlers announce themselves and fetch robots.txt first,
and a rare scraper hides behind a browser UA but walks product ids faster than any person.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Action(IntEnum):
    """A page-level step; static assets are added per page by the generator."""

    HOME = 0
    LISTING = 1
    PRODUCT = 2
    SEARCH = 3
    LOGIN = 4
    CART_ADD = 5
    CART = 6
    CHECKOUT = 7
    ACCOUNT = 8
    NOTES_LIST = 9
    NOTE_GET = 10
    NOTE_CREATE = 11
    NOTE_UPDATE = 12
    NOTE_DELETE = 13
    ROBOTS = 14
    HEALTH = 15
    APP_JS = 16
    STYLE_CSS = 17
    IMG = 18


N_ACTIONS = len(Action)
ASSETS = (Action.APP_JS, Action.STYLE_CSS, Action.IMG)
# Pages a browser renders (and so fetches images for); POSTs are XHR without assets.
RENDERED = (Action.HOME, Action.LISTING, Action.PRODUCT, Action.SEARCH, Action.CART, Action.ACCOUNT)

METHOD: dict[Action, str] = {a: "GET" for a in Action} | {
    Action.LOGIN: "POST",
    Action.CART_ADD: "POST",
    Action.CHECKOUT: "POST",
    Action.NOTE_CREATE: "POST",
    Action.NOTE_UPDATE: "PUT",
    Action.NOTE_DELETE: "DELETE",
}
# The path, or the path prefix that an id or a hash completes (see generator).
PATH: dict[Action, str] = {
    Action.HOME: "/",
    Action.LISTING: "/products",
    Action.PRODUCT: "/products/",
    Action.SEARCH: "/search",
    Action.LOGIN: "/login",
    Action.CART_ADD: "/cart/items",
    Action.CART: "/cart",
    Action.CHECKOUT: "/checkout",
    Action.ACCOUNT: "/account",
    Action.NOTES_LIST: "/notes",
    Action.NOTE_GET: "/notes/",
    Action.NOTE_CREATE: "/notes",
    Action.NOTE_UPDATE: "/notes/",
    Action.NOTE_DELETE: "/notes/",
    Action.ROBOTS: "/robots.txt",
    Action.HEALTH: "/health",
    Action.APP_JS: "/static/app.js",
    Action.STYLE_CSS: "/static/style.css",
    Action.IMG: "/static/img/",
}
ROUTE: dict[Action, str] = PATH | {
    Action.PRODUCT: "/products/{id}",
    Action.NOTE_GET: "/notes/{id}",
    Action.NOTE_UPDATE: "/notes/{id}",
    Action.NOTE_DELETE: "/notes/{id}",
    Action.IMG: "/static/img/{hash}.png",
}


@dataclass(frozen=True)
class LogNormal:
    """A positive quantity by its median and the sigma of its logarithm, clipped to [lo, hi]."""

    median: float
    sigma: float
    lo: float = 0.0
    hi: float = float("inf")


@dataclass(frozen=True)
class PersonaSpec:
    name: str
    share: float  # of sessions
    is_bot: bool
    browser: bool  # fetches assets, sends referers, may speak HTTP/2
    entry: dict[Action, float]
    transitions: dict[Action, dict[Action, float]]
    pages: LogNormal  # page-level steps per session (assets not counted)
    think_s: LogNormal  # gap between page-level steps
    # each session's think time is the persona's times a lognormal(0, this) factor
    session_pace_sigma: float
    user_agents: tuple[str, ...]
    # sessions per user over the whole span: 1 + Poisson(rate × days)
    returns_per_day: float
    # the probability that step 1 (else 2) is a log-in, forced, and of no log-in at all
    login_early: float = 0.0
    login_never: float = 1.0
    arrivals: str = "people"  # which daily profile in arrivals.py
    ip_pool: tuple[str, ...] = field(default_factory=tuple)  # /24 prefixes; empty: anywhere
    # per user agent (same order), the /24 prefixes it comes from; overrides ip_pool
    ua_nets: tuple[tuple[str, ...], ...] = field(default_factory=tuple)


A = Action

BROWSER_UAS: tuple[str, ...] = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Android 14; Mobile; rv:132.0) Gecko/132.0 Firefox/132.0",
)

API_UAS: tuple[str, ...] = (
    "python-requests/2.32.3",
    "python-requests/2.31.0",
    "python-requests/2.28.2",
    "okhttp/4.12.0",
    "okhttp/4.9.3",
    "Go-http-client/1.1",
    "notes-sdk-python/1.8.2 (CPython 3.12.7; Linux)",
    "NotesSDK-JS/2.3.0 node/20.18.0",
)

CRAWLER_UAS: tuple[str, ...] = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Googlebot/2.1; "
    "+http://www.google.com/bot.html) Chrome/130.0.6723.116 Safari/537.36",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)",
    "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 "
    "(compatible; Bytespider; spider-feedback@bytedance.com)",
    "Mozilla/5.0 (compatible; PetalBot;+https://webmaster.petalsearch.com/site/petalbot)",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
)
# Crawlers come from their operators' networks (a /24 or two each, aligned with CRAWLER_UAS).
CRAWLER_NETS: tuple[tuple[str, ...], ...] = (
    ("66.249.66", "66.249.68"),
    ("66.249.66", "66.249.79"),
    ("40.77.167", "157.55.39"),
    ("5.255.231", "213.180.203"),
    ("54.36.148", "54.36.149"),
    ("185.191.171",),
    ("20.191.45",),
    ("110.249.201",),
    ("114.119.132",),
    ("17.241.219", "17.241.227"),
)
# Scrapers rent servers: a couple of hosting networks.
SCRAPER_NETS: tuple[str, ...] = ("45.83.64", "185.220.101", "23.94.37")

CASUAL = PersonaSpec(
    name="casual_browser",
    share=0.50,
    is_bot=False,
    browser=True,
    entry={A.HOME: 0.50, A.PRODUCT: 0.28, A.LISTING: 0.15, A.SEARCH: 0.07},
    transitions={
        A.HOME: {A.LISTING: 0.45, A.PRODUCT: 0.25, A.SEARCH: 0.25, A.HOME: 0.05},
        A.LISTING: {A.PRODUCT: 0.55, A.LISTING: 0.30, A.SEARCH: 0.08, A.HOME: 0.07},
        A.PRODUCT: {
            A.PRODUCT: 0.30,
            A.LISTING: 0.33,
            A.SEARCH: 0.15,
            A.HOME: 0.14,
            A.CART_ADD: 0.05,
            A.CART: 0.03,
        },
        A.SEARCH: {A.PRODUCT: 0.60, A.SEARCH: 0.25, A.LISTING: 0.10, A.HOME: 0.05},
        A.CART_ADD: {A.CART: 0.5, A.PRODUCT: 0.3, A.LISTING: 0.2},
        A.CART: {A.PRODUCT: 0.4, A.HOME: 0.3, A.LISTING: 0.3},
    },
    pages=LogNormal(median=3.0, sigma=0.7, lo=1, hi=30),
    think_s=LogNormal(median=14.0, sigma=0.55, lo=2.0, hi=600.0),
    session_pace_sigma=0.25,
    user_agents=BROWSER_UAS,
    returns_per_day=0.1,
)

POWER = PersonaSpec(
    name="power_user",
    share=0.22,
    is_bot=False,
    browser=True,
    entry={A.HOME: 0.75, A.PRODUCT: 0.15, A.SEARCH: 0.10},
    transitions={
        A.HOME: {A.SEARCH: 0.3, A.LISTING: 0.3, A.PRODUCT: 0.25, A.ACCOUNT: 0.1, A.CART: 0.05},
        A.LISTING: {A.PRODUCT: 0.65, A.LISTING: 0.2, A.SEARCH: 0.1, A.CART: 0.05},
        A.PRODUCT: {
            A.PRODUCT: 0.25,
            A.CART_ADD: 0.25,
            A.SEARCH: 0.2,
            A.LISTING: 0.15,
            A.CART: 0.1,
            A.HOME: 0.05,
        },
        A.SEARCH: {A.PRODUCT: 0.65, A.SEARCH: 0.25, A.LISTING: 0.1},
        A.LOGIN: {A.HOME: 0.3, A.SEARCH: 0.25, A.PRODUCT: 0.15, A.CART: 0.15, A.ACCOUNT: 0.15},
        A.CART_ADD: {A.PRODUCT: 0.35, A.CART: 0.3, A.SEARCH: 0.2, A.CHECKOUT: 0.15},
        A.CART: {A.CHECKOUT: 0.5, A.PRODUCT: 0.3, A.SEARCH: 0.2},
        A.CHECKOUT: {A.ACCOUNT: 0.5, A.HOME: 0.3, A.PRODUCT: 0.2},
        A.ACCOUNT: {A.HOME: 0.3, A.SEARCH: 0.3, A.PRODUCT: 0.2, A.CART: 0.2},
    },
    pages=LogNormal(median=14.0, sigma=0.45, lo=5, hi=80),
    think_s=LogNormal(median=3.0, sigma=0.6, lo=0.8, hi=300.0),
    session_pace_sigma=0.25,
    user_agents=BROWSER_UAS,
    returns_per_day=0.5,
    login_early=0.75,
    login_never=0.05,
)

API = PersonaSpec(
    name="api_consumer",
    share=0.16,
    is_bot=False,
    browser=False,
    entry={A.LOGIN: 0.38, A.NOTES_LIST: 0.42, A.NOTE_CREATE: 0.15, A.HEALTH: 0.05},
    transitions={
        A.HEALTH: {A.LOGIN: 0.5, A.NOTES_LIST: 0.5},  # an SDK's start-up ping
        A.LOGIN: {A.NOTES_LIST: 0.7, A.NOTE_CREATE: 0.3},
        A.NOTES_LIST: {
            A.NOTE_GET: 0.45,
            A.NOTES_LIST: 0.25,
            A.NOTE_CREATE: 0.2,
            A.NOTE_UPDATE: 0.1,
        },
        A.NOTE_GET: {
            A.NOTE_UPDATE: 0.3,
            A.NOTE_GET: 0.3,
            A.NOTES_LIST: 0.15,
            A.NOTE_DELETE: 0.15,
            A.NOTE_CREATE: 0.1,
        },
        A.NOTE_CREATE: {
            A.NOTE_GET: 0.35,
            A.NOTE_CREATE: 0.3,
            A.NOTE_UPDATE: 0.2,
            A.NOTES_LIST: 0.15,
        },
        A.NOTE_UPDATE: {
            A.NOTE_GET: 0.35,
            A.NOTES_LIST: 0.2,
            A.NOTE_UPDATE: 0.15,
            A.NOTE_CREATE: 0.15,
            A.NOTE_DELETE: 0.15,
        },
        A.NOTE_DELETE: {A.NOTES_LIST: 0.5, A.NOTE_CREATE: 0.3, A.NOTE_GET: 0.2},
    },
    pages=LogNormal(median=22.0, sigma=0.6, lo=6, hi=600),
    think_s=LogNormal(median=0.7, sigma=0.6, lo=0.05, hi=20.0),
    session_pace_sigma=0.2,
    user_agents=API_UAS,
    returns_per_day=1.5,
    arrivals="business",
)

CRAWLER = PersonaSpec(
    name="bot_crawler",
    share=0.11,
    is_bot=True,
    browser=False,
    entry={A.ROBOTS: 1.0},
    transitions={
        A.ROBOTS: {A.HOME: 0.4, A.LISTING: 0.4, A.PRODUCT: 0.2},
        A.HOME: {A.LISTING: 0.6, A.PRODUCT: 0.4},
        A.LISTING: {A.PRODUCT: 0.6, A.LISTING: 0.4},
        A.PRODUCT: {A.PRODUCT: 0.65, A.LISTING: 0.3, A.HOME: 0.05},
    },
    pages=LogNormal(median=14.0, sigma=0.7, lo=3, hi=400),
    think_s=LogNormal(median=1.2, sigma=0.6, lo=0.1, hi=60.0),
    session_pace_sigma=0.3,
    user_agents=CRAWLER_UAS,
    returns_per_day=1.0,
    arrivals="flat",
    ua_nets=CRAWLER_NETS,
)

SCRAPER = PersonaSpec(
    name="stealth_scraper",
    share=0.008,
    is_bot=True,
    browser=False,  # a browser UA, but no assets, no referer, HTTP/1.1
    entry={A.LISTING: 0.5, A.PRODUCT: 0.5},
    transitions={
        A.LISTING: {A.PRODUCT: 0.9, A.LISTING: 0.1},
        A.PRODUCT: {A.PRODUCT: 0.97, A.LISTING: 0.03},
    },
    pages=LogNormal(median=90.0, sigma=0.4, lo=40, hi=1500),
    think_s=LogNormal(median=0.3, sigma=0.5, lo=0.02, hi=5.0),
    session_pace_sigma=0.2,
    user_agents=BROWSER_UAS[:5],
    returns_per_day=0.5,
    arrivals="flat",
    ip_pool=SCRAPER_NETS,
)

PERSONAS: tuple[PersonaSpec, ...] = (CASUAL, POWER, API, CRAWLER, SCRAPER)
BY_NAME: dict[str, PersonaSpec] = {p.name: p for p in PERSONAS}
