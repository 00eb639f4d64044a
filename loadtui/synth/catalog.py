"""What the shop's URLs and responses look like: ids, categories, queries, sizes, latencies.

Tables are indexed by `Action` so the generator can look up a million rows at once. Sizes of
fixed files match the demo target (`loadtui target`), so a replay sees the bytes the log shows.
"""

from __future__ import annotations

import zlib

import numpy as np

from loadtui.synth.personas import N_ACTIONS, Action

SITE = "https://shop.example.com"
PRODUCTS = 5000
SEEDED_NOTES = 100_000  # the target serves notes 1..SEEDED_NOTES from the start
FIRST_NEW_NOTE = SEEDED_NOTES + 1

CATEGORIES = ("books", "games", "garden", "kitchen", "toys", "tools")
CATEGORY_WEIGHTS = np.array([0.22, 0.18, 0.14, 0.18, 0.16, 0.12])

SEARCH_QUERIES: tuple[str, ...] = (
    "kettle", "board+game", "gift", "drill", "cookbook", "robot", "planter", "puzzle",
    "knife", "teapot", "kite", "atlas", "hose", "skillet", "hammer", "novel", "dice+set",
    "train+set", "seed+kit", "wrench", "grinder", "plush+bear", "card+deck", "bird+feeder",
    "vintage", "handmade", "eco", "premium+knife", "smart", "portable", "gift+for+dad",
    "kids+toys", "christmas", "sale", "rustic+planter", "party+game", "mixing+bowl",
    "tape+measure", "screwdriver+set", "journal", "strategy+game", "compact+drill",
    "yo-yo", "spinning+top", "deluxe+teapot", "garden+tools", "cast+iron+skillet",
    "level", "pruner", "anthology",
)  # fmt: skip

EXTERNAL_REFERERS: tuple[str, ...] = (
    "-",
    "https://www.google.com/",
    "https://www.bing.com/",
    "https://duckduckgo.com/",
    "https://www.facebook.com/",
    "https://www.instagram.com/",
    "https://t.co/",
    "android-app://com.google.android.gm/",
    "https://news.example.org/best-gifts-2026",
)
EXTERNAL_REFERER_WEIGHTS = np.array([0.35, 0.38, 0.06, 0.04, 0.05, 0.05, 0.02, 0.02, 0.03])


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def product_image_hashes() -> list[str]:
    """Image name of product id i at index i-1, as the target names it."""
    return [f"{_crc(f'product|{pid}'):08x}" for pid in range(1, PRODUCTS + 1)]


def product_table() -> tuple[np.ndarray, np.ndarray]:
    """Per product id (index id-1): bytes of its JSON page and of its image."""
    crc = np.array([_crc(f"product|{pid}") for pid in range(1, PRODUCTS + 1)], dtype=np.int64)
    page = 440 + crc % 90
    image = (np.exp(8.0 + (crc % 1000) / 1000.0 * 3.2)).astype(np.int64)  # ~3 KB .. ~73 KB
    return page, image


def search_bytes() -> np.ndarray:
    """Response size per query in `SEARCH_QUERIES`: a fixed number of hits per query."""
    hits = np.array([1 + _crc(f"search|{q}") % 10 for q in SEARCH_QUERIES], dtype=np.int64)
    return 30 + 105 * hits


def _table(values: dict[Action, float], default: float) -> np.ndarray:
    out = np.full(N_ACTIONS, default, dtype=np.float64)
    for action, value in values.items():
        out[action] = value
    return out


# Median service time (ms) and the sigma of its logarithm; search and checkout are the slow ones.
LATENCY_MS = _table(
    {
        Action.HOME: 18, Action.LISTING: 35, Action.PRODUCT: 22, Action.SEARCH: 95,
        Action.LOGIN: 65, Action.CART_ADD: 40, Action.CART: 28, Action.CHECKOUT: 190,
        Action.ACCOUNT: 30, Action.NOTES_LIST: 42, Action.NOTE_GET: 14, Action.NOTE_CREATE: 38,
        Action.NOTE_UPDATE: 36, Action.NOTE_DELETE: 22, Action.ROBOTS: 1.0, Action.HEALTH: 1.0,
        Action.APP_JS: 2.0, Action.STYLE_CSS: 1.5, Action.IMG: 3.0,
    },
    20.0,
)  # fmt: skip
LATENCY_SIGMA = _table(
    {Action.SEARCH: 0.7, Action.CHECKOUT: 0.6, Action.IMG: 0.7, Action.ROBOTS: 0.3},
    0.5,
)
# Success status per action.
OK_STATUS = _table(
    {Action.CART_ADD: 201, Action.NOTE_CREATE: 201, Action.NOTE_DELETE: 204},
    200,
).astype(np.int32)
# Fixed success sizes; -1 means "drawn per request" by the generator.
OK_BYTES = _table(
    {
        Action.HOME: 3735, Action.ROBOTS: 84, Action.HEALTH: 16, Action.APP_JS: 10244,
        Action.STYLE_CSS: 3860, Action.LOGIN: 96, Action.NOTE_DELETE: 0,
    },
    -1,
).astype(np.int64)  # fmt: skip
# Ranges [lo, hi) for the drawn ones.
BYTES_RANGE: dict[Action, tuple[int, int]] = {
    Action.LISTING: (1850, 2110),
    Action.CART_ADD: (120, 700),
    Action.CART: (40, 900),
    Action.CHECKOUT: (120, 181),
    Action.ACCOUNT: (88, 101),
    Action.NOTES_LIST: (2600, 3400),
    Action.NOTE_GET: (180, 1300),
    Action.NOTE_CREATE: (160, 700),
    Action.NOTE_UPDATE: (180, 1300),
}
ERROR_BYTES = {400: 48, 401: 66, 404: 38, 499: 0, 500: 21, 502: 157, 504: 167}
