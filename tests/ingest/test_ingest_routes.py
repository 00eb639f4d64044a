"""Route templating: a table of what becomes a placeholder, and the scalar and vectorised
forms agreeing on any path."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loadtui.ingest.routes import add_routes, template_path

TABLE = [
    ("/", "/"),
    ("/products/4711", "/products/{id}"),
    ("/products/4711/reviews/12", "/products/{id}/reviews/{id}"),
    ("/users/9b2c1f3e-1a2b-4c3d-8e9f-0123456789ab", "/users/{uuid}"),
    ("/commits/d41d8cd98f00b204e9800998ecf8427e", "/commits/{hash}"),
    ("/img/3f2a9c1b.png", "/img/{asset}.png"),
    ("/reset/dGhpcyBpcyBhIHRva2Vu1Q", "/reset/{token}"),
    ("/sku/AB-1234", "/sku/{code}"),
    ("/sku/sku_99x12/", "/sku/{code}/"),
    ("/archive/2024-03-04/", "/archive/{date}/"),
    ("/export/2024-06-28/7.csv", "/export/{date}/{id}.csv"),
    ("/api/v2/banner/25019354", "/api/v2/banner/{id}"),
    ("/api/v10/items", "/api/v10/items"),
    ("/blog/how-to-tune-apache/", "/blog/how-to-tune-apache/"),
    (
        "/cms/application_3_applikationsserver_aufsetzen/",
        "/cms/application_3_applikationsserver_aufsetzen/",
    ),
    ("/presentations/logstash-monitorama-2013/", "/presentations/logstash-monitorama-2013/"),
    ("/static/app.js", "/static/{asset}.js"),
    ("/static/style.css", "/static/{asset}.css"),
    ("/fonts/Roboto-Bold.WOFF2", "/fonts/{asset}.WOFF2"),
    ("/a//b/", "/a//b/"),
    ("/robots.txt", "/robots.txt"),
    ("-", "-"),
    # personal data: one route for everyone, never a person's address as a route name
    ("/users/alice@example.com/orders", "/users/{email}/orders"),
    ("/users/bob@example.org/orders", "/users/{email}/orders"),
    ("/users/bob%40example.org/orders/17", "/users/{email}/orders/{id}"),
    ("/u/first.last+tag@mail.example.co.uk", "/u/{email}"),
    ("/u/alice%2Bx%40example.com/", "/u/{email}/"),
    ("/hosts/192.0.2.17/status", "/hosts/{ip}/status"),
    ("/hosts/10.0.0.1", "/hosts/{ip}"),
    ("/hosts/255.255.255.255", "/hosts/{ip}"),
    ("/hosts/2001:db8::1", "/hosts/{ip}"),
    ("/hosts/2001:DB8:0:0:8:800:200C:417A", "/hosts/{ip}"),
    ("/hosts/::1/", "/hosts/{ip}/"),
    ("/hosts/::ffff:192.0.2.1", "/hosts/{ip}"),
    ("/hosts/fe80%3A%3A1", "/hosts/{ip}"),
    # not addresses: a word with @, octets over 255, a dotted version, one colon, 7 groups
    ("/team/@home", "/team/@home"),
    ("/hosts/256.1.1.1", "/hosts/256.1.1.1"),
    ("/release/1.2.3", "/release/1.2.3"),
    ("/ns/a:b", "/ns/a:b"),
    ("/x/1:2:3:4:5:6:7", "/x/1:2:3:4:5:6:7"),
    # the internal mark characters are data like any other byte
    ("/a\x07b/3f2a9c1b", "/a\x07b/{hash}"),
    ("/bell\x07/4711", "/bell\x07/{id}"),
    ("/x\x01\x02\x03\x04\x05\x06\x07\x08y/", "/x\x01\x02\x03\x04\x05\x06\x07\x08y/"),
    ("/\x0133/\x01" + "1tok", "/\x0133/\x011tok"),
]


@pytest.mark.parametrize(("path", "route"), TABLE)
def test_template_path_table(path: str, route: str) -> None:
    assert template_path(path) == route


def test_add_routes_matches_the_table_and_keeps_rows() -> None:
    df = pl.DataFrame({"path": [p for p, _ in TABLE] * 2, "other": range(2 * len(TABLE))})
    out = add_routes(df)
    assert out.columns == ["path", "other", "route"]
    assert out["route"].to_list() == [r for _, r in TABLE] * 2
    assert out["other"].to_list() == list(range(2 * len(TABLE)))


def test_static_keep_and_drop() -> None:
    assert template_path("/static/img/3f2a9c1b.png", static="keep") == "/static/img/{hash}.png"
    assert template_path("/static/app.js", static="keep") == "/static/app.js"
    df = pl.DataFrame({"path": ["/static/app.js", "/products/1", None]})
    dropped = add_routes(df, static="drop")
    assert dropped["route"].to_list() == ["/products/{id}", None]
    with pytest.raises(ValueError, match="static"):
        template_path("/x", static="sometimes")


PATHS = st.lists(
    st.one_of(
        st.text(alphabet="abcXYZ019-_.", min_size=0, max_size=20),
        st.uuids().map(str),
        st.integers(0, 10**12).map(str),
        st.binary(min_size=4, max_size=20).map(bytes.hex),
        st.sampled_from(["v1", "v2.1", "2024-01-31", "app.js", "img.PNG", "{x}", "%20", "a.js\n"]),
        st.text(max_size=8),
        st.emails(),
        st.emails().map(lambda e: e.replace("@", "%40")),
        st.ip_addresses().map(str),
        st.ip_addresses(v=6).map(lambda ip: ip.exploded),
        st.text(alphabet="abc019:.@%\x01\x02\x05\x07\x08", max_size=12),
    ),
    max_size=6,
).map(lambda parts: "/" + "/".join(parts))


@settings(max_examples=300, deadline=None)
@given(paths=st.lists(PATHS, min_size=1, max_size=20), static=st.sampled_from(["group", "keep"]))
def test_scalar_and_vectorised_templating_agree(paths: list[str], static: str) -> None:
    out = add_routes(pl.DataFrame({"path": paths}), static=static)
    assert out["route"].to_list() == [template_path(p, static=static) for p in paths]


@settings(max_examples=200, deadline=None)
@given(path=PATHS)
def test_templating_is_idempotent_and_keeps_the_shape(path: str) -> None:
    route = template_path(path)
    assert template_path(route) == route
    assert route.count("/") == path.count("/")


def test_email_and_ip_segments_become_one_route() -> None:
    paths = [f"/users/user{i}@example.com/orders" for i in range(50)]
    paths += [f"/hosts/192.0.2.{i}" for i in range(50)] + [
        f"/hosts/2001:db8::{i:x}" for i in range(50)
    ]
    routes = add_routes(pl.DataFrame({"path": paths}))["route"]
    assert routes.unique().sort().to_list() == ["/hosts/{ip}", "/users/{email}/orders"]


MARKS = "\x01\x02\x03\x04\x05\x06\x07\x08"


@settings(max_examples=300, deadline=None)
@given(
    path=PATHS.filter(lambda p: "~" not in p), marks=st.lists(st.sampled_from(MARKS), max_size=6)
)
def test_mark_characters_behave_like_any_other_foreign_byte(path: str, marks: list[str]) -> None:
    """A control byte from a log is templated like `~` (no rule's character): kept in place."""
    segments = path.split("/")
    for i in range(len(marks)):
        at = 1 + i % (len(segments) - 1)
        segments[at] = segments[at] + "~"
    with_tildes = "/".join(segments)
    with_marks = with_tildes
    for mark in marks:
        with_marks = with_marks.replace("~", mark, 1)
    expected = template_path(with_tildes)
    for mark in marks:
        expected = expected.replace("~", mark, 1)
    assert template_path(with_marks) == expected
    assert add_routes(pl.DataFrame({"path": [with_marks]}))["route"].to_list() == [expected]
