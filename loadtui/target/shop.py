"""The demo shop's data and in-memory state: products, tokens, carts, notes.

Products and notes are *virtual*: generated from their id on demand (and cached), so the
target starts instantly and every id a log mentions exists — like a test environment restored
from a production snapshot. Notes 1..SEEDED_NOTES are the shop's original notes; ids up to
SNAPSHOT_NOTES stand for notes created while the log was written (a synth log creates ids from
SEEDED_NOTES + 1). Notes created here get ids above SNAPSHOT_NOTES and behave exactly as CRUD
says: after DELETE, GET is 404. Deleting a snapshot note drops any edit and answers 204, but the
snapshot copy stays readable: a replayed log deletes the same few ids again and again, and a
demo that drained into 404s would measure the replay, not the server.

Everything users create (tokens, carts, new or edited notes) lives in bounded LRU maps, so a
long soak test cannot grow the target's memory without limit.
"""

from __future__ import annotations

import json
import random
import struct
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

CATEGORIES = ("books", "games", "garden", "kitchen", "toys", "tools")
PRODUCTS = 5000
SEEDED_NOTES = 100_000  # the shop's original notes
SNAPSHOT_NOTES = 10_000_000  # every id up to here exists (see the module docstring)
PAGE_SIZE = 20
MAX_TOKENS = 100_000
MAX_CARTS = 100_000
MAX_NOTES = 200_000  # created or edited notes kept in memory

_ADJECTIVES = (
    "classic", "compact", "deluxe", "eco", "handmade", "modern", "portable", "premium",
    "rustic", "smart", "sturdy", "vintage",
)  # fmt: skip
_NOUNS = {
    "books": ("novel", "cookbook", "atlas", "guide", "anthology", "journal"),
    "games": ("board game", "puzzle", "card deck", "strategy game", "party game", "dice set"),
    "garden": ("trowel", "planter", "hose", "seed kit", "pruner", "bird feeder"),
    "kitchen": ("skillet", "kettle", "knife", "grinder", "teapot", "mixing bowl"),
    "toys": ("robot", "kite", "yo-yo", "plush bear", "train set", "spinning top"),
    "tools": ("hammer", "drill", "wrench", "screwdriver", "level", "tape measure"),
}
_WORDS = (
    "durable", "light", "everyday", "gift", "favourite", "quality", "design", "family",
    "weekend", "reliable", "colour", "finish", "size", "use", "warranty", "material",
)  # fmt: skip


def _h(*parts: object) -> int:
    """A stable hash (crc32): the same product looks the same in every run and process."""
    return zlib.crc32("|".join(str(p) for p in parts).encode())


@lru_cache(maxsize=PRODUCTS)
def product(pid: int) -> dict[str, Any]:
    """Product `pid` (1..PRODUCTS); deterministic, about 500 bytes of JSON."""
    category = CATEGORIES[pid % len(CATEGORIES)]
    h = _h("product", pid)
    noun = _NOUNS[category][h % len(_NOUNS[category])]
    adjective = _ADJECTIVES[(h >> 8) % len(_ADJECTIVES)]
    words = [_WORDS[(h >> (i % 24)) % len(_WORDS)] for i in range(40)]
    return {
        "id": pid,
        "name": f"{adjective.title()} {noun} #{pid}",
        "category": category,
        "price": round(2.5 + (h % 20000) / 100.0, 2),
        "currency": "EUR",
        "rating": round(1 + (h >> 4) % 41 / 10.0, 1),
        "stock": (h >> 12) % 250,
        "description": " ".join(words).capitalize() + ".",
        "image": f"/static/img/{h:08x}.png",
    }


@lru_cache(maxsize=PRODUCTS)
def product_json(pid: int) -> bytes:
    """The product page body, serialised once: the hottest route should cost little CPU."""
    return json.dumps(product(pid)).encode()


def product_summary(pid: int) -> dict[str, Any]:
    p = product(pid)
    return {k: p[k] for k in ("id", "name", "price", "image")}


def products_page(category: str | None, page: int) -> dict[str, Any]:
    """A page of PAGE_SIZE products, optionally in one category (unknown category: no items)."""
    if category is None:
        ids = range(1, PRODUCTS + 1)
    elif category in CATEGORIES:
        first = CATEGORIES.index(category) or len(CATEGORIES)
        ids = range(first, PRODUCTS + 1, len(CATEGORIES))
    else:
        ids = range(0)
    start = (page - 1) * PAGE_SIZE
    chosen = ids[start : start + PAGE_SIZE]
    return {
        "category": category,
        "page": page,
        "per_page": PAGE_SIZE,
        "total": len(ids),
        "items": [product_summary(i) for i in chosen],
    }


def search(q: str) -> dict[str, Any]:
    """Up to 10 results, stable for a query; an empty query finds nothing."""
    q = q.strip()
    if not q:
        return {"q": q, "total": 0, "items": []}
    h = _h("search", q.lower())
    n = 1 + h % 10
    ids = [1 + (h // (k + 1) + 7919 * k) % PRODUCTS for k in range(n)]
    return {"q": q, "total": n, "items": [product_summary(i) for i in ids]}


@lru_cache(maxsize=4096)
def seeded_note(nid: int) -> dict[str, Any]:
    h = _h("note", nid)
    words = [_WORDS[(h >> (i % 24)) % len(_WORDS)] for i in range(24)]
    return {
        "id": nid,
        "title": f"Note {nid}: {words[0]} {words[1]}",
        "body": " ".join(words).capitalize() + ".",
        "created": 1_700_000_000 + nid * 60,
    }


def _lru_put(store: OrderedDict[Any, Any], key: Any, value: Any, cap: int) -> None:
    store[key] = value
    store.move_to_end(key)
    while len(store) > cap:
        store.popitem(last=False)


@dataclass
class Shop:
    """Mutable per-process state; one asyncio loop, so no locks are needed."""

    rng: random.Random = field(default_factory=random.Random)
    tokens: OrderedDict[str, str] = field(default_factory=OrderedDict)  # token → user
    carts: OrderedDict[str, dict[int, int]] = field(default_factory=OrderedDict)  # key → id → qty
    orders: dict[str, int] = field(default_factory=dict)  # user → orders placed
    notes: OrderedDict[int, dict[str, Any]] = field(default_factory=OrderedDict)  # created/edited
    next_note: int = SNAPSHOT_NOTES + 1
    next_order: int = 1

    # -- auth ---------------------------------------------------------------------------------
    def login(self, user: str) -> str:
        token = f"{self.rng.getrandbits(128):032x}"
        _lru_put(self.tokens, token, user, MAX_TOKENS)
        return token

    def user_for(self, authorization: str | None) -> str | None:
        """The user behind `Authorization: Bearer <token>`, or None."""
        if not authorization:
            return None
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer":
            return None
        user = self.tokens.get(token.strip())
        if user is not None:
            self.tokens.move_to_end(token.strip())
        return user

    # -- cart ---------------------------------------------------------------------------------
    def cart(self, key: str) -> dict[int, int]:
        return self.carts.get(key, {})

    def add_to_cart(self, key: str, pid: int, qty: int) -> dict[int, int]:
        cart = dict(self.carts.get(key, {}))
        cart[pid] = cart.get(pid, 0) + qty
        _lru_put(self.carts, key, cart, MAX_CARTS)
        return cart

    def checkout(self, key: str, user: str) -> dict[str, Any]:
        cart = self.carts.pop(key, {})
        self.orders[user] = self.orders.get(user, 0) + 1
        if len(self.orders) > MAX_TOKENS:
            self.orders.pop(next(iter(self.orders)))
        order_id = self.next_order
        self.next_order += 1
        return {
            "order_id": order_id,
            "status": "confirmed",
            "items": sum(cart.values()),
            "total": cart_total(cart),
            "currency": "EUR",
        }

    # -- notes --------------------------------------------------------------------------------
    def get_note(self, nid: int) -> dict[str, Any] | None:
        if nid in self.notes:
            return self.notes[nid]
        if 1 <= nid <= SNAPSHOT_NOTES:
            return seeded_note(nid)
        return None

    def create_note(self, title: str, body: str) -> dict[str, Any]:
        nid = self.next_note
        self.next_note += 1
        note = {"id": nid, "title": title, "body": body, "created": 1_700_000_000 + nid * 60}
        _lru_put(self.notes, nid, note, MAX_NOTES)
        return note

    def update_note(self, nid: int, title: str, body: str) -> dict[str, Any] | None:
        old = self.get_note(nid)
        if old is None:
            return None
        note = {**old, "title": title, "body": body}
        _lru_put(self.notes, nid, note, MAX_NOTES)
        return note

    def delete_note(self, nid: int) -> bool:
        if self.get_note(nid) is None:
            return False
        self.notes.pop(nid, None)  # a snapshot note falls back to its original
        return True

    def notes_page(self, page: int) -> dict[str, Any]:
        start = (page - 1) * PAGE_SIZE + 1
        items: list[dict[str, Any]] = []
        nid = start
        while len(items) < PAGE_SIZE and nid < self.next_note and nid < start + 10 * PAGE_SIZE:
            note = self.get_note(nid)
            if note is not None:
                items.append({"id": note["id"], "title": note["title"]})
            nid += 1
        return {"page": page, "per_page": PAGE_SIZE, "items": items}


def cart_total(cart: dict[int, int]) -> float:
    return round(sum(product(pid)["price"] * qty for pid, qty in cart.items()), 2)


def cart_view(cart: dict[int, int]) -> dict[str, Any]:
    return {
        "items": [{"product_id": pid, "qty": qty} for pid, qty in cart.items()],
        "count": sum(cart.values()),
        "total": cart_total(cart),
        "currency": "EUR",
    }


# -- static assets: small fixed bodies ---------------------------------------------------------


def _png(width: int = 16, height: int = 16) -> bytes:
    """A real (tiny, solid-colour) PNG, so clients that sniff content are not confused."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x3c\x8d\xbc" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PNG = _png()
APP_JS = (
    "/* loadtui demo shop */\n"
    + "".join(
        f"function widget{i}(el){{el.dataset.ready='{i}';"
        "return el.querySelectorAll('a').length;}\n"
        for i in range(120)
    )
).encode()
STYLE_CSS = "".join(
    f".c{i}{{margin:{i % 8}px;padding:{i % 5}px;color:#{(i * 2654435) % 0xFFFFFF:06x}}}\n"
    for i in range(90)
).encode()
ROBOTS_TXT = (
    b"User-agent: *\nDisallow: /cart\nDisallow: /checkout\nDisallow: /account\nCrawl-delay: 1\n"
)
HOME_HTML = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Demo shop</title>"
    "<link rel='stylesheet' href='/static/style.css'><script src='/static/app.js' defer>"
    "</script></head><body><h1>Demo shop</h1><nav>"
    + "".join(f"<a href='/products?category={c}&page=1'>{c}</a> " for c in CATEGORIES)
    + "</nav><main>"
    + "".join(
        f"<article><a href='/products/{p['id']}'><img src='{p['image']}' alt=''>"
        f"{p['name']}</a> <span>{p['price']} EUR</span></article>"
        for p in (product_summary(i) for i in range(1, 25))
    )
    + "</main><form action='/search'><input name='q'></form></body></html>"
).encode()
