"""The aiohttp transport against real misbehaving servers: every failure gets its class."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from engine_servers import LocalServer, closed_port_url

from loadtui.engine.errors import classify, classify_exception, status_class
from loadtui.engine.transport import Response, TransportOptions, make_transport


async def one_request(url: str, timeout: float = 1.0) -> Response:
    t = make_transport(
        "aiohttp", url, TransportOptions(request_timeout_s=timeout, connect_timeout_s=1)
    )
    try:
        return await t.request("GET", "/x?a=1")
    finally:
        await t.close()


async def test_healthy_server_gives_status_and_bytes(
    local_server: Callable[..., LocalServer],
) -> None:
    s = local_server(body=b"abcdef")
    r = await one_request(s.url)
    assert (r.status, r.bytes_in, r.error) == (200, 6, None)
    assert r.t_done >= r.t_sent


@pytest.mark.parametrize(
    ("mode", "expected"), [("reset", "reset"), ("garbage", "bad_response"), ("hang", "timeout")]
)
async def test_misbehaving_servers_map_to_error_classes(
    local_server: Callable[..., LocalServer], mode: str, expected: str
) -> None:
    s = local_server(mode=mode)
    started = time.perf_counter()
    r = await one_request(s.url, timeout=0.5)
    assert r.error == expected
    assert r.detail
    assert time.perf_counter() - started < 5


async def test_closed_port_is_refused() -> None:
    r = await one_request(closed_port_url())
    assert r.error == "refused"
    assert classify(r) == "refused"


async def test_redirects_are_not_followed(local_server: Callable[..., LocalServer]) -> None:
    s = local_server(status=302)
    r = await one_request(s.url)
    assert r.status == 302 and classify(r) is None


def test_status_classes_follow_k6_expected_response() -> None:
    assert [status_class(s) for s in (200, 302, 404, 503)] == [None, None, "http_4xx", "http_5xx"]
    assert classify(Response(status=0, bytes_in=0, t_sent=0, t_done=0)) == "bad_response"


def test_plain_exceptions_are_classified() -> None:
    assert classify_exception(ConnectionResetError()) == "reset"
    assert classify_exception(ConnectionRefusedError()) == "refused"
    assert classify_exception(TimeoutError()) == "timeout"
    assert classify_exception(RuntimeError("?")) == "other"


def test_unknown_transport_kind_is_rejected() -> None:
    with pytest.raises(ValueError):
        make_transport("carrier-pigeon", "http://127.0.0.1:1")
