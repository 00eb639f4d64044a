"""Observed path-parameter values and query strings, so a replay hits realistic URLs.

Values are sampled rows (with repetition), so a hot product stays hot in the test. Anything that
looks like a secret or personal data (e-mail and IP addresses) is dropped before it reaches a
model file that people share: the parameter name stays (the URL shape matters), the value goes.
A path row holding one is dropped whole, since its values are kept as one row; the plan fills
`{email}` and `{ip}` with documentation-range stand-ins instead.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import unquote, unquote_plus

import polars as pl

MAX_VALUES = 200  # per persona and route
MAX_QUERIES = 50
# Whole names or `prefix_`/`prefix-` forms: access_token, api-key, X-Auth; not `monkey`.
SECRET_NAMES = re.compile(
    r"(?i)(.*[_.-])?(token|key|apikey|password|passwd|pwd|pass|secret|session|sessionid|sessid|"
    r"phpsessid|jsessionid|sid|auth|authorization|sig|signature|credentials?|jwt|otp|code)"
)
EMAIL = re.compile(r"[^@\s/&=]+@[^@\s/&=]+\.[A-Za-z]{2,}")
PLACEHOLDER = re.compile(r"\{[^{}/]+\}")
# Placeholders the route templating gives personal data (loadtui.ingest.routes)
PERSONAL_PLACEHOLDERS = frozenset({"{email}", "{ip}"})


@lru_cache(maxsize=4096)
def route_regex(route: str) -> re.Pattern[str] | None:
    """`/products/{id}` → a regex capturing each placeholder's value; None without placeholders."""
    parts = PLACEHOLDER.split(route)
    if len(parts) == 1:
        return None
    body = "([^/]+?)".join(re.escape(p) for p in parts)
    return re.compile(f"^{body}$")


def extract_values(route: str, path: str) -> list[str] | None:
    """The values the templating replaced, in placeholder order; None when the path differs."""
    rx = route_regex(route)
    if rx is None:
        return None
    m = rx.match(path)
    if m is None:
        return None
    values = list(m.groups())
    if any(_is_personal(v) for v in values) or _names_personal(route):
        return None
    return values


@lru_cache(maxsize=4096)
def _names_personal(route: str) -> bool:
    return any(p in PERSONAL_PLACEHOLDERS for p in PLACEHOLDER.findall(route))


def _is_personal(value: str) -> bool:
    return _has_email(value) or _is_ip(value)


def _has_email(value: str) -> bool:
    if "@" not in value and "%40" not in value.upper():
        return False  # the cheap test first: most values are ids
    return EMAIL.search(unquote_plus(value)) is not None


def _is_ip(value: str) -> bool:
    """A whole value that is an IPv4 or IPv6 address (`%3A` for `:` too, `[…]` allowed)."""
    if "." not in value and ":" not in value and "%3" not in value.upper():
        return False  # ids, words and hashes have neither
    text = unquote(value).strip("[]")
    try:
        ipaddress.ip_address(text.partition("%")[0])  # `fe80::1%eth0`: the zone goes
    except ValueError:
        return False
    return True


def redact_query(query: str) -> str:
    """Keep every parameter name; drop values that are secrets, e-mail or IP addresses."""
    out: list[str] = []
    for part in query.split("&"):
        if not part:
            continue
        name, sep, value = part.partition("=")
        if SECRET_NAMES.fullmatch(unquote_plus(name)) or _is_personal(value):
            out.append(f"{name}=")
        else:
            out.append(f"{name}{sep}{value}")
    return "&".join(out)


def _sampled(df: pl.DataFrame, value: str, group: list[str], limit: int, seed: int) -> pl.DataFrame:
    """Up to `limit` seeded random rows of `value` per group, as a list column."""
    return (
        df.select(*group, value)
        .with_columns(pl.int_range(pl.len()).hash(seed).alias("_order"))
        .sort("_order")
        .group_by(group, maintain_order=True)
        .agg(pl.col(value).head(limit))
        .sort(group)
    )


def param_values(
    df: pl.DataFrame, group: str, limit: int = MAX_VALUES, seed: int = 7
) -> dict[str, dict[str, list[list[str]]]]:
    """group value → route → list of placeholder-value lists, from `path` vs `route`."""
    templated = df.filter(pl.col("route").str.contains(r"\{", literal=False)).select(
        group, "route", "path"
    )
    result: dict[str, dict[str, list[list[str]]]] = {}
    if templated.height == 0:
        return result
    for key, route, paths in _sampled(templated, "path", [group, "route"], limit, seed).iter_rows():
        values = [v for v in (extract_values(route, p) for p in paths) if v is not None]
        if values:
            result.setdefault(str(key), {})[route] = values
    return result


def query_values(
    df: pl.DataFrame, group: str, limit: int = MAX_QUERIES, seed: int = 11
) -> dict[str, dict[str, list[str]]]:
    """group value → route → up to `limit` redacted query strings (sampled with repetition)."""
    with_query = df.filter(pl.col("query").is_not_null() & (pl.col("query") != "")).select(
        group, pl.col("route").fill_null(pl.col("path")).alias("route"), "query"
    )
    result: dict[str, dict[str, list[str]]] = {}
    if with_query.height == 0:
        return result
    for key, route, queries in _sampled(
        with_query, "query", [group, "route"], limit, seed
    ).iter_rows():
        result.setdefault(str(key), {})[route] = [redact_query(q) for q in queries]
    return result
