"""Paths → routes: `/products/4711` and `/products/12` are one endpoint, `/products/{id}`.

A segment is replaced when it looks like a value rather than a name, checked in this order:

| looks like                                   | example                       | becomes   |
|----------------------------------------------|-------------------------------|-----------|
| e-mail address (`@` or `%40`)                | ann@example.com               | `{email}` |
| IPv4 address (octets 0–255)                  | 192.0.2.17                    | `{ip}`    |
| IPv6 address (8 hex groups, or with `::`)    | 2001:db8::1, ::ffff:192.0.2.1 | `{ip}`    |
| UUID                                         | 9b2c…-…-…-…-…                 | `{uuid}`  |
| date                                         | 2024-03-04                    | `{date}`  |
| digits                                       | 4711                          | `{id}`    |
| hex of 8 or more, with a digit               | 3f2a9c1b, d41d8cd98f00b204…   | `{hash}`  |
| token: 16+ chars, upper, lower and digits    | dGhpcyBpcyBhIHRva2Vu1Q        | `{token}` |
| code: a letter and 2+ digits, up to 16 chars | AB-1234, sku_99x12, sts-68    | `{code}`  |

A trailing file extension is kept (`/img/3f2a9c1b.png` → `/img/{hash}.png`) because later
stages recognise static assets by it. Slugs (`/blog/how-to-cook`), versions (`/api/v2`) and
words stay. Static assets (by extension) are, per the `static` option, grouped per directory
(`/static/app.js` → `/static/{asset}.js`), kept with their own name, or dropped.

Segments are matched as whole `/…/` pieces. The regex engine polars uses has no look-around,
so each `/` is doubled first (every segment gets its own pair of slashes and adjacent
segments cannot share one), and the pairs are collapsed afterwards. `template_path` runs the
very same patterns with Python's `re`, so the scalar and vectorised forms agree.

E-mail and IP addresses are personal data: as route segments they would split one endpoint
into one route per person and print people's addresses as route names, so they go first and
need no digit. Tokens, codes and hashes are found in two steps (mark, then test the content)
with the control characters \\x02–\\x08 as marks. A log can hold those bytes too (a hostile
request line, a JSON `\\u0007`), and no character is out of a log's reach, so before the rules
run, `\\x01` becomes `\\x01 0` and each mark `\\x01 1`…`\\x01 7` (no space); afterwards the
marks are restored, then `\\x01`. No rule matches a segment holding `\\x01`, as none would
one holding a mark, so the escapes ride through untouched.
"""

from __future__ import annotations

import re
from itertools import permutations

import polars as pl

STATIC_MODES = ("group", "drop", "keep")
STATIC_EXTENSIONS = (
    *("js", "mjs", "css", "map", "png", "jpg", "jpeg", "gif", "svg", "ico", "webp", "avif"),
    *("bmp", "tif", "tiff", "woff", "woff2", "ttf", "otf", "eot", "mp4", "webm", "mp3", "wav"),
    *("ogg", "swf"),
)
ASSET_RE = r"(?i)\.(?:" + "|".join(STATIC_EXTENSIONS) + r")$"

_CH = r"[A-Za-z0-9_\-]"
_EXT = r"(\.[A-Za-z0-9]{1,8})?"
_OPEN_TOKEN, _CLOSE_TOKEN, _OPEN_CODE, _CLOSE_CODE = "\x02", "\x03", "\x04", "\x05"
_KEEP, _OPEN_HASH, _CLOSE_HASH = "\x06", "\x07", "\x08"
_ESC = "\x01"
# (raw character, its escape) in escaping order: the escape character itself first
_MARKS = (_OPEN_TOKEN, _CLOSE_TOKEN, _OPEN_CODE, _CLOSE_CODE, _KEEP, _OPEN_HASH, _CLOSE_HASH)
ESCAPES = [(_ESC, _ESC + "0"), *((mark, f"{_ESC}{i}") for i, mark in enumerate(_MARKS, 1))]
NEEDS_ESCAPE = "[\x01-\x08]"

# Personal data: whole segments only, `%40` and `%3A` as a browser may send them.
_EMAIL = r"[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_HEX4, _COLON = "[0-9a-fA-F]{1,4}", "(?::|%3[aA])"
_GROUPS = f"{_HEX4}(?:{_COLON}{_HEX4}){{0,6}}"
_IPV6 = (
    f"(?:{_HEX4}(?:{_COLON}{_HEX4}){{7}}"  # full form: 8 groups
    f"|(?:{_GROUPS})?{_COLON}{_COLON}(?:{_GROUPS})?"  # compressed: 2001:db8::1, ::1, ::
    f"|(?:{_GROUPS})?{_COLON}{_COLON}(?:{_HEX4}{_COLON}){{0,5}}{_IPV4})"  # ::ffff:192.0.2.1
)


def _all_of(classes: list[str]) -> str:
    """A run of `_CH` holding at least one match of each class, in any order."""
    orders = [f"{_CH}*" + f"{_CH}*".join(order) + f"{_CH}*" for order in permutations(classes)]
    return "(?:" + "|".join(orders) + ")"


def _code_body() -> str:
    """A run of `_CH` with a letter and at least two digits, in any order."""
    orders = {tuple(o) for o in permutations(["[A-Za-z]", "[0-9]", "[0-9]"])}
    return "(?:" + "|".join(f"{_CH}*" + f"{_CH}*".join(o) + f"{_CH}*" for o in sorted(orders)) + ")"


def _whole(body: str) -> str:
    return rf"/({body}){_EXT}/"


# (pattern, replacement) in order, on the doubled path; `${n}` is a group (polars syntax).
# Tokens and codes need a length *and* a content test; without look-ahead that is two steps:
# mark segments of the right length, replace the marked ones whose content fits, unmark.
RULES: list[tuple[str, str]] = [
    (f"/{_EMAIL}/", "/{email}/"),
    (f"/{_IPV4}/", "/{ip}/"),
    (f"/{_IPV6}/", "/{ip}/"),
    (
        _whole(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"),
        "/{uuid}${2}/",
    ),
    (_whole(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T_][0-9:]+Z?)?"), "/{date}${2}/"),
    (_whole(r"[0-9]+"), "/{id}${2}/"),
]
# Every later rule needs a digit in the segment, so paths without one skip them all.
DIGIT_RULES: list[tuple[str, str]] = [
    # a hex run of 8+ with a digit in it (`deadbeef` is a word, `3f2a9c1b` a hash)
    (_whole(r"[0-9a-fA-F]{8,}"), f"/{_OPEN_HASH}${{1}}{_CLOSE_HASH}${{2}}/"),
    (f"{_OPEN_HASH}[a-fA-F]*[0-9][0-9a-fA-F]*{_CLOSE_HASH}", "{hash}"),
    (f"[{_OPEN_HASH}{_CLOSE_HASH}]", ""),
    (_whole(rf"{_CH}{{16,}}={{0,2}}"), f"/{_OPEN_TOKEN}${{1}}{_CLOSE_TOKEN}${{2}}/"),
    (f"{_OPEN_TOKEN}{_all_of(['[A-Z]', '[a-z]', '[0-9]'])}={{0,2}}{_CLOSE_TOKEN}", "{token}"),
    (f"[{_OPEN_TOKEN}{_CLOSE_TOKEN}]", ""),
    # API versions (v1, v10, v2.1) are names, not values: shield them from the code rule
    (r"/(v[0-9]{1,3}(?:\.[0-9]{1,3})?)/", f"/{_KEEP}${{1}}/"),
    (_whole(rf"{_CH}{{3,16}}"), f"/{_OPEN_CODE}${{1}}{_CLOSE_CODE}${{2}}/"),
    (f"{_OPEN_CODE}{_code_body()}{_CLOSE_CODE}", "{code}"),
    (f"[{_OPEN_CODE}{_CLOSE_CODE}{_KEEP}]", ""),
]
ASSET_FILE = r"/[^/]*(\.[A-Za-z0-9]+)$"
ASSET_ROUTE = "/{asset}${1}"


def _python_replacement(template: str) -> str:
    return re.sub(r"\$\{(\d+)\}", r"\\g<\1>", template)


_PY_NEEDS_ESCAPE = re.compile(NEEDS_ESCAPE)
_PY_RULES = [(re.compile(p), _python_replacement(r)) for p, r in RULES]
_PY_DIGIT_RULES = [(re.compile(p), _python_replacement(r)) for p, r in DIGIT_RULES]
# Python's `$` also matches before a final newline; `\Z` is what the polars engine means by `$`
_PY_ASSET = re.compile(ASSET_RE.removesuffix("$") + r"\Z")
_PY_ASSET_FILE = re.compile(ASSET_FILE.removesuffix("$") + r"\Z")


def is_asset_path(path: str) -> bool:
    """A static file by extension (what a browser fetches for a page, never what a person clicks).

    Works on raw paths and on routes (`/static/{asset}.css`) alike.
    """
    return _PY_ASSET.search(path) is not None


def _check_static(static: str) -> None:
    if static not in STATIC_MODES:
        raise ValueError(f"static must be one of {', '.join(STATIC_MODES)}, got {static!r}")


def template_path(path: str, static: str = "group") -> str:
    """One path → its route (the scalar twin of `add_routes`; both give the same answer)."""
    _check_static(static)
    if static == "group" and _PY_ASSET.search(path):
        path = _PY_ASSET_FILE.sub(_python_replacement(ASSET_ROUTE), path)
    escaped = _PY_NEEDS_ESCAPE.search(path) is not None
    if escaped:
        for raw, escape in ESCAPES:
            path = path.replace(raw, escape)
    text = path.replace("/", "//") + "/"
    for pattern, replacement in _PY_RULES:
        text = pattern.sub(replacement, text)
    if re.search("[0-9]", text):
        for pattern, replacement in _PY_DIGIT_RULES:
            text = pattern.sub(replacement, text)
    route = text.replace("//", "/")[:-1]
    if escaped:
        for raw, escape in reversed(ESCAPES):
            route = route.replace(escape, raw)
    return route


def _grouped(path: pl.Expr, static: str) -> pl.Expr:
    if static != "group":
        return path
    return (
        pl.when(path.str.contains(ASSET_RE))
        .then(path.str.replace(ASSET_FILE, ASSET_ROUTE))
        .otherwise(path)
    )


def _escaped(path: pl.Expr) -> pl.Expr:
    for raw, escape in ESCAPES:
        path = path.str.replace_all(raw, escape, literal=True)
    return path


def _unescaped(route: pl.Expr) -> pl.Expr:
    for raw, escape in reversed(ESCAPES):
        route = route.str.replace_all(escape, raw, literal=True)
    return route


def _apply(text: pl.Expr, rules: list[tuple[str, str]]) -> pl.Expr:
    for pattern, replacement in rules:
        text = text.str.replace_all(pattern, replacement)
    return text


def _undouble(text: pl.Expr) -> pl.Expr:
    text = text.str.replace_all("//", "/", literal=True)
    return text.str.slice(0, text.str.len_chars() - 1)


def _doubled(path: pl.Expr) -> pl.Expr:
    return path.str.replace_all("/", "//", literal=True) + "/"


def route_expr(path: pl.Expr, static: str = "group") -> pl.Expr:
    """The vectorised templating as one expression on a path column."""
    _check_static(static)
    text = _doubled(_escaped(_grouped(path, static)))
    return _unescaped(_undouble(_apply(_apply(text, RULES), DIGIT_RULES)))


def _routes(paths: pl.DataFrame, text: pl.Expr) -> pl.DataFrame:
    """`path` → `route` for distinct paths, from their grouped (and escaped) `text`; the digit
    rules run only on the paths that still have a digit after ids are replaced."""
    first = paths.with_columns(_apply(_doubled(text), RULES).alias("_t"))
    digits = first["_t"].str.contains("[0-9]")
    rest = first.filter(digits).with_columns(_apply(pl.col("_t"), DIGIT_RULES))
    return pl.concat([first.filter(~digits), rest]).select(
        "path", _undouble(pl.col("_t")).alias("route")
    )


def add_routes(df: pl.DataFrame, static: str = "group") -> pl.DataFrame:
    """Fill `route` from `path`. Templating runs once per distinct path (a log repeats its
    paths many times) and maps back; only the rare paths holding a mark character pay for
    escaping. `static="drop"` also removes static-asset rows."""
    _check_static(static)
    if static == "drop":
        df = df.filter(~pl.col("path").str.contains(ASSET_RE).fill_null(False))
    paths = df.select(pl.col("path").unique().drop_nulls())
    odd = paths["path"].str.contains(NEEDS_ESCAPE)
    grouped = _grouped(pl.col("path"), static)
    mapping = pl.concat(
        [
            _routes(paths.filter(~odd), grouped),
            _routes(paths.filter(odd), _escaped(grouped)).with_columns(_unescaped(pl.col("route"))),
        ]
    )
    columns = df.columns if "route" in df.columns else [*df.columns, "route"]
    joined = df.drop("route", strict=False).join(
        mapping, on="path", how="left", maintain_order="left"
    )
    return joined.select(columns)
