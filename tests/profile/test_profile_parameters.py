"""Observed parameter values and query strings: extracted faithfully, secrets redacted."""

from __future__ import annotations

from profile_frames import Req, frame, with_sessions

from loadtui.profile.parameters import extract_values, param_values, query_values, redact_query


def test_values_come_from_the_segments_the_templating_replaced() -> None:
    assert extract_values("/products/{id}", "/products/4711") == ["4711"]
    assert extract_values("/u/{user}/posts/{id}", "/u/ann/posts/9") == ["ann", "9"]
    assert extract_values("/static/img/{hash}.png", "/static/img/ab12cd.png") == ["ab12cd"]
    assert extract_values("/products/{id}", "/other/1") is None
    assert extract_values("/about", "/about") is None


def test_email_addresses_in_paths_are_not_kept() -> None:
    assert extract_values("/users/{name}", "/users/ann%40example.com") is None


def test_secret_query_values_are_dropped_but_names_kept() -> None:
    q = "q=red+shoes&token=abc123&api_key=zzz&page=2&email=ann%40example.com&session=s1"
    assert redact_query(q) == "q=red+shoes&token=&api_key=&page=2&email=&session="
    assert redact_query("password=hunter2&monkey=banana") == "password=&monkey=banana"


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
