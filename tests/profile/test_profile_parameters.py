"""Observed parameter values and query strings: extracted faithfully, secrets redacted."""

from __future__ import annotations

import polars as pl
from profile_frames import Req, frame, with_sessions

from loadtui.ingest.routes import add_routes
from loadtui.profile.parameters import extract_values, param_values, query_values, redact_query


def test_values_come_from_the_segments_the_templating_replaced() -> None:
    assert extract_values("/products/{id}", "/products/4711") == ["4711"]
    assert extract_values("/u/{user}/posts/{id}", "/u/ann/posts/9") == ["ann", "9"]
    assert extract_values("/static/img/{hash}.png", "/static/img/ab12cd.png") == ["ab12cd"]
    assert extract_values("/products/{id}", "/other/1") is None
    assert extract_values("/about", "/about") is None


def test_email_addresses_in_paths_are_not_kept() -> None:
    assert extract_values("/users/{name}", "/users/ann%40example.com") is None


def test_ip_addresses_in_paths_are_not_kept() -> None:
    assert extract_values("/hosts/{x}", "/hosts/192.0.2.17") is None
    assert extract_values("/hosts/{x}", "/hosts/2001:db8::1") is None
    assert extract_values("/hosts/{x}", "/hosts/fe80%3A%3A1") is None
    # whatever the value, an `{email}`/`{ip}` row is personal by the templating's word
    assert extract_values("/hosts/{ip}/{id}", "/hosts/1:2:3:4:5:6:7:8:9/5") is None
    # dotted versions and plain ids are not addresses
    assert extract_values("/release/{v}", "/release/1.2.3") == ["1.2.3"]
    assert extract_values("/hosts/{x}", "/hosts/256.1.1.1") == ["256.1.1.1"]


def test_templated_personal_segments_leave_no_values_behind() -> None:
    paths = ["/users/ann@example.com/orders", "/users/bob%40example.org/orders"]
    paths += ["/hosts/203.0.113.9", "/hosts/2001:db8::7", "/products/5"]
    reqs = [Req("a", i, p) for i, p in enumerate(paths)]
    df = add_routes(with_sessions(frame(reqs)).with_columns(persona=pl.lit("a")))
    assert set(df["route"]) == {"/users/{email}/orders", "/hosts/{ip}", "/products/{id}"}
    assert param_values(df, "persona") == {"a": {"/products/{id}": [["5"]]}}


def test_secret_query_values_are_dropped_but_names_kept() -> None:
    q = "q=red+shoes&token=abc123&api_key=zzz&page=2&email=ann%40example.com&session=s1"
    assert redact_query(q) == "q=red+shoes&token=&api_key=&page=2&email=&session="
    assert redact_query("password=hunter2&monkey=banana") == "password=&monkey=banana"
    assert redact_query("client=10.0.0.1&peer=%5B%3A%3A1%5D&v=1.2") == "client=&peer=&v=1.2"


def test_param_and_query_values_are_grouped_by_persona_and_route() -> None:
    reqs = [
        Req("a", i, f"/products/{i}", route="/products/{id}", query=f"ref=home&key=k{i}")
        for i in range(5)
    ] + [Req("b", 1, "/notes/7", route="/notes/{id}")]
    df = with_sessions(frame(reqs)).with_columns(persona=frame(reqs)["client"])
    params = param_values(df, "persona")
    assert sorted(v[0] for v in params["a"]["/products/{id}"]) == ["0", "1", "2", "3", "4"]
    assert params["b"] == {"/notes/{id}": [["7"]]}
    queries = query_values(df, "persona")
    assert set(queries["a"]["/products/{id}"]) == {"ref=home&key="}
    assert "b" not in queries


def test_value_samples_are_bounded_and_keep_popularity() -> None:
    reqs = [Req("a", i, "/p/1", route="/p/{id}") for i in range(900)]
    reqs += [Req("a", 1000 + i, f"/p/{i + 2}", route="/p/{id}") for i in range(100)]
    df = with_sessions(frame(reqs)).with_columns(persona=frame(reqs)["client"])
    values = param_values(df, "persona", limit=200)["a"]["/p/{id}"]
    assert len(values) == 200
    hot = sum(1 for v in values if v == ["1"])
    assert 150 <= hot <= 200, hot
