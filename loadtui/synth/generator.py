"""A production-like shop access log with known personas, from one seed.

Everything is drawn from one `numpy.random.Generator` in a fixed order and computed on whole
columns (a Markov step advances every session at once; assets, ids, statuses, sizes and
latencies are table look-ups), so a million lines take seconds and the same seed gives the same
bytes. The work runs in four passes:

1. sessions: persona, user (client IP + user agent), page-level steps, think times;
2. rows: assets added after rendered pages, then path parameters;
3. time: session starts from the arrival model, returning users kept > 30 min apart;
4. responses: status, bytes and latency per row, latency rising with the minute's load.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import polars as pl

from loadtui.contracts import REQUEST_SCHEMA
from loadtui.synth import catalog as cat
from loadtui.synth.arrivals import (
    draw_starts,
    minute_intensity,
    separate_user_sessions,
    sessions_per_user,
)
from loadtui.synth.personas import (
    METHOD,
    N_ACTIONS,
    PATH,
    PERSONAS,
    RENDERED,
    ROUTE,
    Action,
    LogNormal,
    PersonaSpec,
)

DEFAULT_START = datetime(2026, 11, 1, tzinfo=UTC)
TRUTH_COLUMNS = ("session", "client", "user_agent", "persona", "is_bot", "start", "end", "requests")
A = Action
_NAMES = [p.name for p in PERSONAS]
_CASUAL, _POWER = _NAMES.index("casual_browser"), _NAMES.index("power_user")
_CRAWLER, _SCRAPER = _NAMES.index("bot_crawler"), _NAMES.index("stealth_scraper")


class SynthLog(NamedTuple):
    """The generated requests (one row per log line, in log order) and the truth per session;
    unpacks as `rows, truth = generate(...)`.

    `rows` has the `REQUEST_SCHEMA` columns (`ts` to the microsecond, `session_id` null, "-"
    for no referer) plus `http_version` and `truth_session`; `truth` has `TRUTH_COLUMNS`.
    """

    rows: pl.DataFrame
    truth: pl.DataFrame

    def requests(self) -> pl.DataFrame:
        """What a parser makes of the combined log: `REQUEST_SCHEMA`, time cut to whole
        seconds, "-" referers as null. Lets benchmarks and tests skip the text round trip."""
        return self.rows.with_columns(
            pl.col("ts").dt.truncate("1s"),
            pl.when(pl.col("referrer") == "-").then(None).otherwise("referrer").alias("referrer"),
        ).select(list(REQUEST_SCHEMA))


def persona_counts(sessions: int, mix: dict[str, float] | None = None) -> dict[str, int]:
    """Sessions per persona by largest remainder, so they add up to `sessions` exactly."""
    shares = {p.name: p.share for p in PERSONAS} if mix is None else dict(mix)
    unknown = set(shares) - set(_NAMES)
    if unknown:
        raise ValueError(
            f"unknown persona(s) {', '.join(sorted(unknown))}; known: {', '.join(_NAMES)}"
        )
    if any(v < 0 for v in shares.values()) or sum(shares.values()) <= 0:
        raise ValueError("the persona mix needs a positive share and no negative one")
    w = np.array([shares.get(n, 0.0) for n in _NAMES], dtype=np.float64)
    exact = w / w.sum() * sessions
    counts = np.floor(exact).astype(np.int64)
    for i in np.argsort(-(exact - counts), kind="stable")[: sessions - int(counts.sum())]:
        counts[i] += 1
    return dict(zip(_NAMES, counts.tolist(), strict=True))


def _lognormal(
    rng: np.random.Generator, dist: LogNormal, n: int, scale: np.ndarray | float = 1.0
) -> np.ndarray:
    x = np.exp(np.log(dist.median) + dist.sigma * rng.standard_normal(n)) * scale
    return np.clip(x, dist.lo, dist.hi)


def _bounds(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First index and length of each run of equal values in a grouped (sorted) array."""
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if key.size else np.zeros(0, int)
    return first, np.diff(np.r_[first, key.size])


def _rank_in_group(flag: np.ndarray, key: np.ndarray) -> np.ndarray:
    """How many flagged rows come before each row within its group (rows grouped by key)."""
    c = np.cumsum(flag) - flag
    first, lengths = _bounds(key)
    return c - np.repeat(c[first], lengths)


def _last_in_group(valid: np.ndarray, key: np.ndarray) -> np.ndarray:
    """Index of the last valid row at or before each row within its group, else -1."""
    idx = np.maximum.accumulate(np.where(valid, np.arange(valid.size), -1))
    ok = idx >= 0
    same = np.zeros(valid.size, dtype=bool)
    same[ok] = key[idx[ok]] == key[ok]
    return np.where(same, idx, -1)


# -- 1. sessions and users --------------------------------------------------------------------


def _cumulative(spec: PersonaSpec) -> tuple[np.ndarray, np.ndarray]:
    """Entry and transition rows as cumulative probabilities over all actions."""
    entry = np.zeros(N_ACTIONS)
    for a, p in spec.entry.items():
        entry[a] = p
    matrix = np.zeros((N_ACTIONS, N_ACTIONS))
    for a, row in spec.transitions.items():
        for b, p in row.items():
            matrix[a, b] = p
    matrix[matrix.sum(axis=1) == 0, A.HOME] = 1.0  # rows never reached: keep sampling defined
    entry_c = np.cumsum(entry / entry.sum())
    matrix_c = np.cumsum(matrix / matrix.sum(axis=1, keepdims=True), axis=1)
    entry_c[-1] = 1.0
    matrix_c[:, -1] = 1.0
    return entry_c, matrix_c


def walk(
    rng: np.random.Generator, spec: PersonaSpec, lengths: np.ndarray, login_step: np.ndarray
) -> np.ndarray:
    """Page-level actions of every session, session after session.

    All sessions advance one step per iteration; sorting them by length makes the ones still
    going a prefix, so step t costs only the sessions that have a step t. `login_step[i]` forces
    a log-in at that step of session i (-1: none).
    """
    entry_c, matrix_c = _cumulative(spec)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    out = np.empty(int(lengths.sum()), dtype=np.int8)
    order = np.argsort(-lengths, kind="stable")
    neg_sorted = -lengths[order]
    state = np.searchsorted(entry_c, rng.random(lengths.size), side="right")
    for t in range(int(-neg_sorted[0]) if lengths.size else 0):
        active = order[: int(np.searchsorted(neg_sorted, -t, side="left"))]
        if t > 0:
            u = rng.random(active.size)
            state[active] = (u[:, None] >= matrix_c[state[active]]).sum(axis=1)
        state[active[login_step[active] == t]] = A.LOGIN
        out[offsets[active] + t] = state[active]
    return out


_RESERVED_FIRST_OCTETS = {0, 10, 100, 127, 169, 172, 192, 198, 203}
_FIRST_OCTETS = np.array([o for o in range(1, 224) if o not in _RESERVED_FIRST_OCTETS])


def _public_ips(rng: np.random.Generator, n: int, pool: tuple[str, ...]) -> np.ndarray:
    """Addresses outside private, loopback, link-local, CGNAT, documentation and multicast
    space; from the given /24 networks when there are some."""
    last = rng.integers(1, 255, n)
    if pool:
        nets = rng.integers(0, len(pool), n)
        return np.array(
            [f"{pool[a]}.{b}" for a, b in zip(nets.tolist(), last.tolist(), strict=True)]
        )
    a = _FIRST_OCTETS[rng.integers(0, _FIRST_OCTETS.size, n)]
    b, c = rng.integers(0, 256, n), rng.integers(0, 256, n)
    quads = zip(a.tolist(), b.tolist(), c.tolist(), last.tolist(), strict=True)
    return np.array([f"{w}.{x}.{y}.{z}" for w, x, y, z in quads])


@dataclass
class _Users:
    persona: np.ndarray  # index into PERSONAS
    ip: np.ndarray  # str
    ua: np.ndarray  # str
    http2: np.ndarray  # bool


def _make_users(
    rng: np.random.Generator, per_persona: list[int], days: int
) -> tuple[_Users, np.ndarray]:
    """Users of every persona, and the user of each session (grouped by user)."""
    personas, ips, uas, h2, session_users = [], [], [], [], []
    first = 0
    for pi, (spec, n_sessions) in enumerate(zip(PERSONAS, per_persona, strict=True)):
        counts = sessions_per_user(rng, n_sessions, spec.returns_per_day * days)
        n = counts.size
        personas.append(np.full(n, pi))
        # popular browsers and clients first: a Zipf-like preference over the list
        w = 1.0 / np.arange(1, len(spec.user_agents) + 1) ** 0.8
        choice = rng.choice(len(spec.user_agents), n, p=w / w.sum())
        uas.append(np.array(spec.user_agents, dtype=object)[choice])
        ip = _public_ips(rng, n, spec.ip_pool).astype(object)
        for k, nets in enumerate(spec.ua_nets):
            mine = np.flatnonzero(choice == k)
            ip[mine] = _public_ips(rng, mine.size, nets)
        ips.append(ip)
        h2.append(rng.random(n) < (0.7 if spec.browser else 0.0))
        session_users.append(first + np.repeat(np.arange(n), counts))
        first += n
    users = _Users(
        persona=np.concatenate(personas),
        ip=np.concatenate(ips),
        ua=np.concatenate(uas),
        http2=np.concatenate(h2),
    )
    _share_carrier_ips(rng, users)
    _make_pairs_unique(rng, users)
    return users, np.concatenate(session_users)


def _share_carrier_ips(rng: np.random.Generator, users: _Users) -> None:
    """Some people sit behind one address (mobile carriers, offices) with other devices."""
    people = np.flatnonzero(np.isin(users.persona, [_CASUAL, _POWER]))
    if people.size < 20:
        return
    movers = people[rng.random(people.size) < 0.05]
    users.ip[movers] = users.ip[people[rng.integers(0, people.size, movers.size)]]


class AddressSpaceFull(ValueError):
    """More users of one user agent than its networks have addresses, even widened."""


_REDRAW_ROUNDS = 100


def _pool_of(users: _Users, i: int) -> tuple[str, ...]:
    """The /24 networks user `i` may come from (empty: anywhere public)."""
    spec = PERSONAS[int(users.persona[i])]
    if spec.ua_nets:
        return spec.ua_nets[spec.user_agents.index(users.ua[i])]
    return spec.ip_pool


def _duplicates(users: _Users) -> np.ndarray:
    """Users whose (client, user agent) pair an earlier user already has, in index order."""
    pairs = pl.DataFrame(
        {"ip": users.ip.tolist(), "ua": users.ua.tolist()},
        schema={"ip": pl.String, "ua": pl.String},
    )
    first = pairs.select(pl.struct("ip", "ua").is_first_distinct()).to_series().to_numpy()
    return np.flatnonzero(~first)


def _pools_can_hold(users: _Users) -> bool:
    """Whether no user agent has more users in its networks than those have addresses."""
    pooled = [
        i
        for i, p in enumerate(users.persona.tolist())
        if PERSONAS[p].ip_pool or PERSONAS[p].ua_nets
    ]
    groups = Counter((str(users.ua[i]), _pool_of(users, i)) for i in pooled)
    return all(n <= 254 * len(set(pool)) for (_, pool), n in groups.items())


def _widening(pool: tuple[str, ...]) -> Iterator[list[str]]:
    """The pool's /24 networks, then rings of their neighbours in the same /16 (an operator
    owns more than the few /24s a small log shows), nearest first, each network once."""
    seen: set[str] = set()
    for d in range(256):
        ring = []
        for net in pool:
            a, b, c = net.split(".")
            for x in dict.fromkeys((int(c) - d, int(c) + d)):
                name = f"{a}.{b}.{x}"
                if 0 <= x <= 255 and name not in seen:
                    seen.add(name)
                    ring.append(name)
        if ring:
            yield ring


def free_addresses(
    rng: np.random.Generator, n: int, pool: tuple[str, ...], taken: set[str]
) -> list[str]:
    """`n` distinct addresses not in `taken`: from the pool's /24 networks, widened to their
    neighbours when those are full; anywhere public when there is no pool.

    Random redrawing stalls once a pool is nearly full and can never succeed once there are
    more users than addresses, so this picks from the free addresses instead.
    """
    out: list[str] = []
    if not pool:
        for _ in range(100):  # ~3.5e9 addresses: a redraw collides once in a blue moon
            for ip in _public_ips(rng, n - len(out), ()).tolist():
                if ip not in taken:
                    taken.add(ip)
                    out.append(ip)
            if len(out) == n:
                return out
        raise AddressSpaceFull(f"found no {n - len(out)} more unused public addresses")
    for ring in _widening(pool):
        free = [f"{net}.{h}" for net in ring for h in range(1, 255)]
        free = [ip for ip in free if ip not in taken]
        picked = [
            free[k] for k in rng.choice(len(free), min(n - len(out), len(free)), replace=False)
        ]
        taken.update(picked)
        out += picked
        if len(out) == n:
            return out
    nets = ", ".join(dict.fromkeys(".".join(net.split(".")[:2]) + ".0.0/16" for net in pool))
    raise AddressSpaceFull(
        f"{n - len(out)} users too many for the addresses of {nets}: "
        "ask for fewer sessions or more days (a user then comes back more often)"
    )


def _make_pairs_unique(rng: np.random.Generator, users: _Users) -> None:
    """One (client, user agent) pair is one user of one persona: move any duplicate.

    Duplicates are first redrawn at random (what the same seed has always produced); when
    that does not settle, or a user agent has more users than its networks have addresses
    (many sessions over few days), the rest get free addresses, networks widened as needed.
    """
    if _pools_can_hold(users):
        for _ in range(_REDRAW_ROUNDS):
            dup = _duplicates(users)
            if not dup.size:
                return
            for i in dup.tolist():
                users.ip[i] = _public_ips(rng, 1, _pool_of(users, i))[0]
    dup = _duplicates(users)
    if not dup.size:
        return
    groups: dict[tuple[str, tuple[str, ...]], list[int]] = {}
    for i in dup.tolist():
        groups.setdefault((str(users.ua[i]), _pool_of(users, i)), []).append(i)
    keep = np.ones(users.ip.size, dtype=bool)
    keep[dup] = False
    taken_by_ua: dict[str, set[str]] = {}
    for ip, ua in zip(users.ip[keep].tolist(), users.ua[keep].tolist(), strict=True):
        taken_by_ua.setdefault(ua, set()).add(ip)
    for (ua, pool), idx in groups.items():
        taken = taken_by_ua.setdefault(ua, set())
        users.ip[idx] = free_addresses(rng, len(idx), pool, taken)


@dataclass
class _Pages:
    session: np.ndarray  # global session index; grouped by session
    action: np.ndarray
    step: np.ndarray  # 0 for the session's first page
    offset_s: np.ndarray  # seconds since the session's start


def _make_pages(rng: np.random.Generator, session_persona: np.ndarray) -> _Pages:
    sessions, actions, steps, offsets = [], [], [], []
    for pi, spec in enumerate(PERSONAS):
        idx = np.flatnonzero(session_persona == pi)
        n = idx.size
        if n == 0:
            continue
        lengths = np.rint(_lognormal(rng, spec.pages, n)).astype(np.int64)
        login = np.full(n, -1, dtype=np.int64)
        if spec.login_never < 1.0:
            logs_in = rng.random(n) >= spec.login_never
            early = rng.random(n) < spec.login_early
            late = 2 + rng.integers(0, 3, n)
            login = np.where(logs_in, np.where(early, 1, late), -1)
            login[login >= lengths] = -1
        acts = walk(rng, spec, lengths, login)
        first = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        step = np.arange(acts.size) - np.repeat(first, lengths)
        pace = np.exp(spec.session_pace_sigma * rng.standard_normal(n))
        think = _lognormal(rng, spec.think_s, acts.size, np.repeat(pace, lengths))
        think[step == 0] = 0.0
        total = np.cumsum(think)
        sessions.append(np.repeat(idx, lengths))
        actions.append(acts)
        steps.append(step)
        offsets.append(total - np.repeat(total[first], lengths))
    session = np.concatenate(sessions)
    order = np.argsort(session, kind="stable")
    return _Pages(
        session=session[order],
        action=np.concatenate(actions)[order],
        step=np.concatenate(steps)[order],
        offset_s=np.concatenate(offsets)[order],
    )


# -- 2. rows ----------------------------------------------------------------------------------

# Images a browser fetches with a rendered page (Poisson mean): on landing, and later (cached).
_IMG_FIRST = np.zeros(N_ACTIONS)
_IMG_LATER = np.zeros(N_ACTIONS)
for _a, _on_landing, _later in (
    (A.HOME, 2.5, 0.2),
    (A.LISTING, 2.0, 0.8),
    (A.PRODUCT, 1.0, 0.8),
    (A.SEARCH, 1.0, 0.6),
):
    _IMG_FIRST[_a], _IMG_LATER[_a] = _on_landing, _later
_RENDERED = np.zeros(N_ACTIONS, dtype=bool)
_RENDERED[list(RENDERED)] = True


@dataclass
class _Rows:
    session: np.ndarray
    action: np.ndarray
    page_row: np.ndarray  # row of the page that caused this row (itself for page-level rows)
    step: np.ndarray  # page-level step of that page
    offset_s: np.ndarray
    is_page: np.ndarray


def _expand_assets(
    rng: np.random.Generator, pages: _Pages, browser_session: np.ndarray, returning: np.ndarray
) -> _Rows:
    """Insert a browser's static fetches right after each page it renders.

    Assets are served with a day's max-age, so a returning visitor's warm cache skips most of
    them: scripts only now and then (a reload, an expired entry), images half as often.
    """
    rendered = _RENDERED[pages.action] & browser_session[pages.session]
    landing = pages.step == 0
    warm = returning[pages.session]
    lam = np.where(landing, _IMG_FIRST[pages.action], _IMG_LATER[pages.action])
    imgs = np.where(rendered, rng.poisson(np.where(warm, 0.5 * lam, lam)), 0)
    reload = rng.random(pages.action.size) < 0.3
    scripts = np.where(rendered & landing & (~warm | reload), 2, 0)  # app.js and style.css
    counts = 1 + imgs + scripts
    page_of_row = np.repeat(np.arange(pages.action.size), counts)
    row_start = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(page_of_row.size) - np.repeat(row_start, counts)  # 0: the page itself
    with_scripts = scripts[page_of_row] > 0
    action = np.select(
        [pos == 0, with_scripts & (pos == 1), with_scripts & (pos == 2)],
        [pages.action[page_of_row], A.APP_JS, A.STYLE_CSS],
        A.IMG,
    ).astype(np.int8)
    # fetches start tens of ms apart after the page, a few at a time
    delay = np.where(pos == 0, 0.0, np.exp(np.log(0.045) + 0.6 * rng.standard_normal(pos.size)))
    delay_total = np.cumsum(delay)
    in_page = delay_total - np.repeat(delay_total[row_start], counts)
    return _Rows(
        session=pages.session[page_of_row],
        action=action,
        page_row=np.repeat(row_start, counts),
        step=pages.step[page_of_row],
        offset_s=pages.offset_s[page_of_row] + in_page,
        is_page=pos == 0,
    )


def _zipf_index(rng: np.random.Generator, size: int, n: int, exponent: float) -> np.ndarray:
    w = 1.0 / np.arange(1, size + 1) ** exponent
    return rng.choice(size, n, p=w / w.sum())


def _product_ids(rng: np.random.Generator, rows: _Rows, persona: np.ndarray) -> np.ndarray:
    """Product id per row (used by product pages and images).

    People follow popularity (a Zipf law over a shuffled catalogue); crawlers cover the
    catalogue evenly and follow some stale links (404); scrapers count up from where they start.
    """
    n = rows.action.size
    popular = rng.permutation(cat.PRODUCTS) + 1
    ids = popular[_zipf_index(rng, cat.PRODUCTS, n, 1.05)]
    stale = rng.random(n) < 0.03
    crawl = np.where(stale, rng.integers(cat.PRODUCTS + 1, cat.PRODUCTS + 1001, n), 0)
    crawl = np.where(stale, crawl, rng.integers(1, cat.PRODUCTS + 1, n))
    ids = np.where(persona == _CRAWLER, crawl, ids)
    scraper = persona == _SCRAPER
    first, lengths = _bounds(rows.session)
    start_id = np.repeat(rng.integers(1, cat.PRODUCTS - 500, first.size), lengths)
    rank = _rank_in_group(scraper & (rows.action == A.PRODUCT), rows.session)
    ids = np.where(scraper, start_id + rank, ids)
    # the first image on a product page is that product's picture; others are suggestions
    img = rows.action == A.IMG
    on_product = img & (rows.action[rows.page_row] == A.PRODUCT)
    on_product &= _rank_in_group(img, rows.page_row) == 0
    return np.where(on_product, ids[rows.page_row], ids)


# -- 4. responses -----------------------------------------------------------------------------


def _statuses(
    rng: np.random.Generator,
    act: np.ndarray,
    sess: np.ndarray,
    pid: np.ndarray,
    returning: np.ndarray,
    is_page: np.ndarray,
) -> np.ndarray:
    n = act.size
    status = cat.OK_STATUS[act].copy()
    u, v, w, kind = rng.random(n), rng.random(n), rng.random(n), rng.random(n)
    status[(act == A.PRODUCT) & (pid > cat.PRODUCTS)] = 404
    login = act == A.LOGIN
    status[login & (u < 0.04)] = 401  # a mistyped password
    logged_in = _rank_in_group(login & (status == 200), sess) > 0
    status[np.isin(act, [A.CHECKOUT, A.ACCOUNT]) & ~logged_in] = 401
    status[np.isin(act, [A.NOTE_GET, A.NOTE_UPDATE]) & (u < 0.03)] = 404
    status[(act == A.NOTE_DELETE) & (u < 0.05)] = 404
    status[np.isin(act, [A.NOTE_CREATE, A.CART_ADD]) & (u < 0.01)] = 400
    # caches: a returning browser revalidates its scripts, and images it has seen
    scripts = np.isin(act, [A.APP_JS, A.STYLE_CSS])
    status[scripts & returning & (v < 0.85)] = 304
    status[(act == A.IMG) & (v < np.where(returning, 0.45, 0.08))] = 304
    # the server's own failures: rare, more where the work is heavy
    p5 = np.where(np.isin(act, [A.SEARCH, A.CHECKOUT]), 0.006, np.where(is_page, 0.0015, 0.0002))
    failed = w < p5
    status[failed] = np.where(kind[failed] < 0.75, 500, np.where(kind[failed] < 0.92, 502, 504))
    status[(act == A.SEARCH) & (w > 0.998)] = 499  # the client gave up on a slow search
    return status


def _error_latency(rng: np.random.Generator, status: np.ndarray, ms: np.ndarray) -> np.ndarray:
    n = status.size
    out = np.where((status >= 400) & (status < 499), ms * 0.4, ms)
    out = np.where(status == 304, rng.uniform(0.2, 1.2, n), out)
    out = np.where(status == 500, ms * 1.5, out)
    out = np.where(status == 502, rng.uniform(1.0, 5.0, n), out)
    out = np.where(status == 504, 60_000.0 + rng.uniform(0.0, 40.0, n), out)
    return np.where(status == 499, rng.uniform(2_000.0, 15_000.0, n), out)


@lru_cache(maxsize=1)
def _size_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    lo, hi = np.zeros(N_ACTIONS, dtype=np.int64), np.zeros(N_ACTIONS, dtype=np.int64)
    for a, (low, high) in cat.BYTES_RANGE.items():
        lo[a], hi[a] = low, high
    page, image = cat.product_table()
    return lo, hi, page, image, cat.search_bytes()


def _sizes(
    rng: np.random.Generator,
    act: np.ndarray,
    status: np.ndarray,
    pid: np.ndarray,
    query: np.ndarray,
) -> np.ndarray:
    lo, hi, page, image, search = _size_tables()
    size = cat.OK_BYTES[act].copy()
    drawn = lo[act] + np.floor(rng.random(act.size) * (hi[act] - lo[act])).astype(np.int64)
    size = np.where(size < 0, drawn, size)
    known = np.clip(pid, 1, cat.PRODUCTS) - 1
    size = np.where(act == A.PRODUCT, page[known], size)
    size = np.where(act == A.IMG, image[known], size)
    size = np.where(act == A.SEARCH, search[query], size)
    for code, nbytes in cat.ERROR_BYTES.items():
        size = np.where(status == code, nbytes, size)
    return np.where((status == 304) | (status == 204), 0, size)


# -- the whole log ----------------------------------------------------------------------------


def generate(
    sessions: int = 3000,
    days: int = 3,
    seed: int = 7,
    start: datetime | None = None,
    *,
    out_of_order: bool = False,
    mix: dict[str, float] | None = None,
) -> SynthLog:
    """A shop log of `sessions` sessions over `days` days from `start` (1 Nov 2026, 00:00 UTC,
    by default), with its truth.

    `out_of_order` writes lines in completion order (start + latency) while each line keeps
    its start time, as Apache does: the small steps back in time real logs have.
    `mix` overrides the persona shares, e.g. `{"api_consumer": 3, "casual_browser": 1}`.
    """
    if sessions < 1 or days < 1:
        raise ValueError("sessions and days must be at least 1")
    start = DEFAULT_START if start is None else start
    start = start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)
    rng = np.random.default_rng(seed)

    # 1. sessions and users
    counts = persona_counts(sessions, mix)
    users, session_user = _make_users(rng, [counts[n] for n in _NAMES], days)
    session_persona = users.persona[session_user]
    n_sessions = session_user.size
    returning = _rank_in_group(np.ones(n_sessions, dtype=np.int64), session_user) > 0
    pages = _make_pages(rng, session_persona)
    is_browser = np.array([p.browser for p in PERSONAS])[session_persona]

    # 2. rows and parameters
    rows = _expand_assets(rng, pages, is_browser, returning)
    n = rows.action.size
    act = rows.action.astype(np.int64)
    sess = rows.session
    persona = session_persona[sess]
    pid = _product_ids(rng, rows, persona)
    category = rng.choice(len(cat.CATEGORIES), n, p=cat.CATEGORY_WEIGHTS)
    list_page = np.where(persona == _CRAWLER, rng.integers(1, 46, n), rng.geometric(0.55, n))
    query = _zipf_index(rng, len(cat.SEARCH_QUERIES), n, 1.0)
    notes_page = rng.geometric(0.5, n)

    # 3. time
    durations = np.zeros(n_sessions)
    np.maximum.at(durations, sess, rows.offset_s)
    intensity = minute_intensity(rng, days, start)
    starts = np.zeros(n_sessions)
    for pi, spec in enumerate(PERSONAS):
        idx = np.flatnonzero(session_persona == pi)
        starts[idx] = draw_starts(rng, intensity[spec.arrivals], idx.size)
    starts = separate_user_sessions(starts, durations, session_user)
    ts_s = starts[sess] + rows.offset_s

    # notes: new ids count up in time order; later calls in a session often use them
    created = act == A.NOTE_CREATE
    new_id = np.full(n, -1, dtype=np.int64)
    c_rows = np.flatnonzero(created)
    new_id[c_rows[np.argsort(ts_s[c_rows], kind="stable")]] = cat.FIRST_NEW_NOTE + np.arange(
        c_rows.size
    )
    last = _last_in_group(created, sess)
    mine = np.where(last >= 0, new_id[np.maximum(last, 0)], -1)
    seeded = np.floor(np.exp(rng.random(n) * np.log(cat.SEEDED_NOTES + 1))).astype(np.int64)
    note_id = np.where((mine > 0) & (rng.random(n) < 0.6), mine, np.maximum(seeded, 1))

    # 4. responses
    status = _statuses(rng, act, sess, pid, returning[sess], rows.is_page)
    ms = np.exp(np.log(cat.LATENCY_MS[act]) + cat.LATENCY_SIGMA[act] * rng.standard_normal(n))
    minute = np.floor(ts_s / 60.0).astype(np.int64)
    load = np.bincount(minute)
    dynamic = rows.is_page & (act != A.ROBOTS) & (act != A.HEALTH)
    ms = np.where(dynamic, ms * (1.0 + 1.2 * (load[minute] / load.max()) ** 2), ms)
    ms = np.maximum(np.rint(_error_latency(rng, status, ms)), 0.0)  # the log keeps milliseconds
    size = _sizes(rng, act, status, pid, query)
    external = rng.choice(
        len(cat.EXTERNAL_REFERERS),
        n_sessions,
        p=cat.EXTERNAL_REFERER_WEIGHTS / cat.EXTERNAL_REFERER_WEIGHTS.sum(),
    )

    # truth per session, keyed in order of start
    ts_us = np.floor((start.timestamp() + ts_s) * 1e6).astype(np.int64)
    first, lengths = _bounds(sess)
    s_start = np.minimum.reduceat(ts_us, first)
    s_end = np.maximum.reduceat(ts_us, first)
    s_order = np.lexsort((np.arange(n_sessions), s_start))
    rank = np.empty(n_sessions, dtype=np.int64)
    rank[s_order] = np.arange(n_sessions)
    keys = pl.Series("truth_session", [f"s{i + 1:06d}" for i in range(n_sessions)])

    frame = _frame(
        act=act,
        rows=rows,
        ts_us=ts_us,
        user=session_user[sess],
        users=users,
        pid=pid,
        category=category,
        list_page=list_page,
        query=query,
        notes_page=notes_page,
        note_id=note_id,
        status=status,
        size=size,
        ms=ms,
        browser=is_browser[sess],
        external=external[sess],
        session_key=keys.gather(rank[sess]),
    )
    sort_key = ts_s + (ms / 1000.0 if out_of_order else 0.0)
    frame = frame[np.argsort(sort_key, kind="stable")]

    s_user = session_user[s_order]
    truth = pl.DataFrame(
        {
            "session": keys,
            "client": users.ip[s_user].tolist(),
            "user_agent": users.ua[s_user].tolist(),
            "persona": [_NAMES[i] for i in session_persona[s_order].tolist()],
            "is_bot": np.array([p.is_bot for p in PERSONAS])[session_persona[s_order]],
            "start": _datetimes(s_start[s_order]).dt.truncate("1s"),
            "end": _datetimes(s_end[s_order]).dt.truncate("1s"),
            "requests": lengths[s_order],
        }
    )
    return SynthLog(rows=frame, truth=truth)


def _datetimes(us: np.ndarray) -> pl.Series:
    return pl.Series(us).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _lookup(table: dict[Action, str], index: np.ndarray) -> pl.Series:
    return pl.Series([table[a] for a in Action]).gather(index)


def _frame(
    *,
    act: np.ndarray,
    rows: _Rows,
    ts_us: np.ndarray,
    user: np.ndarray,
    users: _Users,
    pid: np.ndarray,
    category: np.ndarray,
    list_page: np.ndarray,
    query: np.ndarray,
    notes_page: np.ndarray,
    note_id: np.ndarray,
    status: np.ndarray,
    size: np.ndarray,
    ms: np.ndarray,
    browser: np.ndarray,
    external: np.ndarray,
    session_key: pl.Series,
) -> pl.DataFrame:
    """Rows in session order as the strings a log shows; referers follow the pages."""
    image_hash = pl.Series(cat.product_image_hashes()).gather(np.clip(pid, 1, cat.PRODUCTS) - 1)
    df = pl.DataFrame(
        {
            "act": act.astype(np.int8),
            "prefix": _lookup(PATH, act),
            "pid": pid,
            "note_id": note_id,
            "hash": image_hash,
            "category": pl.Series(cat.CATEGORIES).gather(category),
            "list_page": list_page,
            "q": pl.Series(cat.SEARCH_QUERIES).gather(query),
            "notes_page": notes_page,
        }
    )
    a = pl.col("act")
    with_id = a.is_in([A.NOTE_GET, A.NOTE_UPDATE, A.NOTE_DELETE])
    parts = df.select(
        path=pl.when(a == A.PRODUCT)
        .then(pl.concat_str("prefix", pl.col("pid").cast(pl.String)))
        .when(with_id)
        .then(pl.concat_str("prefix", pl.col("note_id").cast(pl.String)))
        .when(a == A.IMG)
        .then(pl.concat_str("prefix", "hash", pl.lit(".png")))
        .otherwise("prefix"),
        query=pl.when(a == A.LISTING)
        .then(pl.concat_str(pl.lit("category="), "category", pl.lit("&page="), "list_page"))
        .when(a == A.SEARCH)
        .then(pl.concat_str(pl.lit("q="), "q"))
        .when(a == A.NOTES_LIST)
        .then(pl.concat_str(pl.lit("page="), "notes_page"))
        .otherwise(None),
    )
    url = parts.select(
        pl.concat_str(
            pl.lit(cat.SITE),
            "path",
            pl.when(pl.col("query").is_not_null()).then(pl.lit("?")),
            "query",
            ignore_nulls=True,
        )
    ).to_series()
    # referer: assets name their page; pages and XHRs the page rendered before them
    rendered = rows.is_page & _RENDERED[act] & browser
    before = _last_in_group(rendered, rows.session)
    before = np.r_[-1, before[:-1]]
    before = np.where(
        (before >= 0) & (rows.session[np.maximum(before, 0)] == rows.session), before, -1
    )
    ref_row = np.where(rows.is_page, before, rows.page_row)
    outside = pl.Series(cat.EXTERNAL_REFERERS).gather(external)
    referrer = (
        pl.DataFrame({"url": url.gather(np.maximum(ref_row, 0)), "outside": outside})
        .select(
            pl.when(pl.Series(~browser))
            .then(pl.lit("-"))
            .when(pl.Series(ref_row >= 0))
            .then("url")
            .otherwise("outside")
        )
        .to_series()
    )
    return pl.DataFrame(
        {
            "ts": _datetimes(ts_us),
            "client": pl.Series(users.ip.tolist()).gather(user),
            "session_id": pl.Series([None] * act.size, dtype=pl.String),
            "method": _lookup(METHOD, act),
            "path": parts["path"],
            "query": parts["query"],
            "route": _lookup(ROUTE, act),
            "status": pl.Series(status, dtype=pl.Int32),
            "bytes": pl.Series(size, dtype=pl.Int64),
            "response_ms": pl.Series(ms, dtype=pl.Float64),
            "user_agent": pl.Series(users.ua.tolist()).gather(user),
            "referrer": referrer,
            "http_version": pl.Series(np.where(users.http2[user], "HTTP/2.0", "HTTP/1.1")),
            "truth_session": session_key,
        }
    )
