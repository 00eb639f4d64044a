"""Both transports against real servers on 127.0.0.1: same answers, same error classes.

Each test runs its client on uvloop (as workers do) via `uvloop.run`, while the servers run
their own loop in a thread: a raw protocol server that misbehaves on purpose per path, and an
aiohttp web server (TLS, real chunked encoding). Every server is stopped by its fixture.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
import uvloop
from aiohttp import web
from engine_servers import next_request

from loadtui.engine.errors import classify
from loadtui.engine.transport import (
    Answer,
    Response,
    Transport,
    TransportOptions,
    make_transport,
    with_callbacks,
)
from loadtui.engine.transport_fast import FastTransport

KINDS = ["aiohttp", "fast"]
T = TypeVar("T")


def run(coro: Awaitable[T]) -> T:
    return uvloop.run(coro)  # type: ignore[arg-type]


# -- servers ---------------------------------------------------------------------------------
class RawHandler(asyncio.Protocol):
    """Parses request heads + Content-Length bodies; answers by path (see `answer`)."""

    def __init__(self, server: RawServer) -> None:
        self.server = server
        self.buf = b""
        self.t: asyncio.Transport | None = None
        self.answered = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.t = transport
        self.server.connections += 1

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while (request := next_request(self.buf)) is not None:
            head, body, self.buf = request
            self.server.seen.append((head, body))
            asyncio.get_running_loop().create_task(self.answer(head, body))

    async def answer(self, head: str, body: bytes) -> None:
        t = self.t
        assert t is not None
        path = head.split(" ", 2)[1].split("?")[0]
        self.answered += 1
        if path == "/ok":
            t.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
        elif path == "/echo":
            payload = head.encode("latin-1") + b"\r\n\r\n" + body
            t.write(
                b"HTTP/1.1 201 Created\r\nContent-Length: %d\r\n\r\n%s" % (len(payload), payload)
            )
        elif path == "/chunked":
            t.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            for part in (b"abc", b"defgh", b"ij"):
                await asyncio.sleep(0.005)
                t.write(b"%x\r\n%s\r\n" % (len(part), part))
            t.write(b"0\r\n\r\n")
        elif path == "/big":
            t.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (256 * 4096))
            for _ in range(256):
                t.write(b"z" * 4096)
        elif path == "/close":
            t.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")
            t.close()
        elif path == "/http10":
            t.write(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
            t.close()
        elif path == "/status/503":
            t.write(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy")
        elif path == "/reset":
            t.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100)
            await asyncio.sleep(0.02)
            abort_with_rst(t)
        elif path == "/truncated":  # clean FIN in the middle of a Content-Length body
            t.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
            await asyncio.sleep(0.02)
            t.close()
        elif path == "/drop":  # closes without a single byte of answer
            t.close()
        elif path == "/garbage":
            t.write(b"THIS IS NOT HTTP AT ALL\r\n\r\n")
            t.close()
        elif path == "/stall-body":  # head and some body, then nothing
            t.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nxx")
        elif path == "/once":  # the second request on a connection is dropped unanswered
            if self.answered > 1:
                t.close()
            else:
                t.write(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nonce")
        elif path == "/hang":
            return
        else:
            t.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")


def abort_with_rst(t: asyncio.Transport) -> None:
    sock = t.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    t.abort()


class ThreadLoop:
    """An event loop in a daemon thread hosting one server until `stop`."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)  # type: ignore[arg-type]

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class RawServer:
    def __init__(self) -> None:
        self.connections = 0
        self.seen: list[tuple[str, bytes]] = []
        self.port = 0
        self._host = ThreadLoop()
        self._server: asyncio.Server | None = None

    def start(self) -> RawServer:
        async def boot() -> None:
            self._server = await asyncio.get_running_loop().create_server(
                lambda: RawHandler(self), "127.0.0.1", 0
            )
            self.port = self._server.sockets[0].getsockname()[1]

        self._host.call(boot())
        return self

    def stop(self) -> None:
        async def down() -> None:
            if self._server is not None:
                self._server.close()

        self._host.call(down())
        self._host.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class WebServer:
    """aiohttp.web on 127.0.0.1, optionally with TLS; counts connections via peer ports."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.ssl_context = ssl_context
        self.peers: set[tuple[str, int]] = set()
        self.port = 0
        self._host = ThreadLoop()
        self._runner: web.AppRunner | None = None

    async def _hello(self, request: web.Request) -> web.Response:
        self.peers.add(request.transport.get_extra_info("peername"))  # type: ignore[union-attr]
        return web.Response(text="secure hello")

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for i in range(5):
            await resp.write(b"part-%d;" % i)
        await resp.write_eof()
        return resp

    def start(self) -> WebServer:
        async def boot() -> None:
            app = web.Application()
            app.router.add_get("/hello", self._hello)
            app.router.add_get("/stream", self._stream)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0, ssl_context=self.ssl_context)
            await site.start()
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

        self._host.call(boot())
        return self

    def stop(self) -> None:
        if self._runner is not None:
            self._host.call(self._runner.cleanup())
        self._host.stop()

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://127.0.0.1:{self.port}"


@pytest.fixture
def raw() -> Iterator[RawServer]:
    server = RawServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1, made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl CLI not installed")
    d = tmp_path_factory.mktemp("tls")
    crt, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(crt), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return crt, key


@pytest.fixture
def tls_server(cert: tuple[Path, Path]) -> Iterator[WebServer]:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    server = WebServer(ctx).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def web_server() -> Iterator[WebServer]:
    server = WebServer().start()
    try:
        yield server
    finally:
        server.stop()


def closed_port_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


async def with_transport(
    kind: str, url: str, body: Callable[[Transport], Awaitable[T]], **opts: Any
) -> T:
    options = TransportOptions(**{"request_timeout_s": 2.0, "connect_timeout_s": 2.0, **opts})
    t = make_transport(kind, url, options)
    try:
        return await body(t)
    finally:
        await t.close()


def one(
    kind: str,
    url: str,
    method: str = "GET",
    path: str = "/ok",
    *,
    opts: dict[str, Any] | None = None,
    **kw: Any,
) -> Response:
    """One request on a fresh transport; `opts` go to TransportOptions, `kw` to request()."""
    return run(with_transport(kind, url, lambda t: t.request(method, path, **kw), **(opts or {})))


# -- answers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_content_length_body_is_counted_and_returned(kind: str, raw: RawServer) -> None:
    r = one(kind, raw.url, want_body=True)
    assert (r.status, r.bytes_in, r.body, r.error) == (200, 5, b"hello", None)
    assert r.t_done >= r.t_sent > 0


@pytest.mark.parametrize("kind", KINDS)
def test_body_is_not_kept_unless_asked(kind: str, raw: RawServer) -> None:
    r = one(kind, raw.url)
    assert r.body is None and r.bytes_in == 5


@pytest.mark.parametrize("kind", KINDS)
def test_chunked_body_is_reassembled(kind: str, raw: RawServer) -> None:
    r = one(kind, raw.url, path="/chunked", want_body=True)
    assert (r.status, r.body, r.bytes_in) == (200, b"abcdefghij", 10)


@pytest.mark.parametrize("kind", KINDS)
def test_aiohttp_servers_chunked_stream_arrives_whole(kind: str, web_server: WebServer) -> None:
    r = one(kind, web_server.url, path="/stream", want_body=True)
    assert r.body == b"".join(b"part-%d;" % i for i in range(5))


@pytest.mark.parametrize("kind", KINDS)
def test_large_body_over_many_reads_is_counted_exactly(kind: str, raw: RawServer) -> None:
    r = one(kind, raw.url, path="/big")
    assert (r.status, r.bytes_in, r.error) == (200, 256 * 4096, None)


@pytest.mark.parametrize("kind", KINDS)
def test_http10_body_delimited_by_close_is_a_success(kind: str, raw: RawServer) -> None:
    r = one(kind, raw.url, path="/http10", want_body=True)
    assert (r.status, r.body, r.error) == (200, b"until the end", None)


@pytest.mark.parametrize("kind", KINDS)
def test_error_status_is_an_answer_not_a_network_error(kind: str, raw: RawServer) -> None:
    r = one(kind, raw.url, path="/status/503")
    assert (r.status, r.error, classify(r)) == (503, None, "http_5xx")


@pytest.mark.parametrize("kind", KINDS)
def test_post_body_and_headers_arrive_intact(kind: str, raw: RawServer) -> None:
    payload = '{"title": "naïve", "body": "x"}'.encode()
    sent = {"Content-Type": "application/json", "Authorization": "Bearer tok-1"}
    r = one(kind, raw.url, "POST", "/echo?a=1&b=%20", body=payload, headers=sent, want_body=True)
    assert r.status == 201
    head, sent_body = raw.seen[0]
    assert head.startswith("POST /echo?a=1&b=%20 HTTP/1.1\r\n")
    lines = {
        k.strip().lower(): v.strip()
        for k, _, v in (x.partition(":") for x in head.split("\r\n")[1:])
    }
    assert lines["content-type"] == "application/json"
    assert lines["authorization"] == "Bearer tok-1"
    assert lines["content-length"] == str(len(payload))
    assert lines["host"] == f"127.0.0.1:{raw.port}"
    assert sent_body == payload
    assert r.body is not None and r.body.endswith(payload)


@pytest.mark.parametrize("kind", KINDS)
def test_plan_headers_go_with_every_request(kind: str, raw: RawServer) -> None:
    async def two(t: Transport) -> list[Response]:
        return [await t.request("GET", "/ok"), await t.request("GET", "/ok", headers={"X-B": "2"})]

    run(with_transport(kind, raw.url, two, headers={"X-Run": "r1"}))
    for head, _ in raw.seen:
        assert "\r\nX-Run: r1" in head
    assert "\r\nX-B: 2" in raw.seen[1][0]


def test_fast_transport_names_itself_and_keeps_one_host_header(raw: RawServer) -> None:
    async def go(t: Transport) -> Response:
        return await t.request("GET", "/ok", headers={"user-agent": "custom/1"})

    run(with_transport("fast", raw.url, go))
    first = one("fast", raw.url)
    assert first.status == 200
    heads = [h for h, _ in raw.seen]
    assert heads[0].lower().count("\r\nuser-agent:") == 1
    assert "\r\nuser-agent: custom/1" in heads[0]
    assert "\r\nUser-Agent: loadtui/" in heads[1]
    assert heads[1].count("\r\nHost:") == 1 and "\r\nConnection: keep-alive" in heads[1]


def test_fast_transport_refuses_header_injection(raw: RawServer) -> None:
    r = one("fast", raw.url, headers={"X-Token": "a\r\nEvil: 1"})
    assert r.error == "other" and "line break" in r.detail
    assert raw.seen == []


# -- keep-alive and the pool -------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_sequential_requests_reuse_one_connection(kind: str, raw: RawServer) -> None:
    async def many(t: Transport) -> list[Response]:
        return [await t.request("GET", "/ok") for _ in range(20)]

    responses = run(with_transport(kind, raw.url, many))
    assert [r.status for r in responses] == [200] * 20
    assert raw.connections == 1


@pytest.mark.parametrize("kind", KINDS)
def test_pool_never_exceeds_max_connections(kind: str, raw: RawServer) -> None:
    async def burst(t: Transport) -> list[Response]:
        return list(await asyncio.gather(*(t.request("GET", "/ok") for _ in range(40))))

    responses = run(with_transport(kind, raw.url, burst, max_connections=3))
    assert [r.status for r in responses] == [200] * 40
    assert 1 <= raw.connections <= 3


@pytest.mark.parametrize("kind", KINDS)
def test_connection_close_answer_is_honoured(kind: str, raw: RawServer) -> None:
    async def many(t: Transport) -> list[Response]:
        return [await t.request("GET", "/close") for _ in range(3)]

    responses = run(with_transport(kind, raw.url, many))
    assert [(r.status, r.error) for r in responses] == [(200, None)] * 3
    assert raw.connections == 3


def test_fast_transport_retries_once_when_a_reused_connection_was_dropped(raw: RawServer) -> None:
    async def twice(t: Transport) -> list[Response]:
        return [await t.request("GET", "/once"), await t.request("GET", "/once")]

    responses = run(with_transport("fast", raw.url, twice))
    assert [(r.status, r.error) for r in responses] == [(200, None), (200, None)]
    assert raw.connections == 2


def test_fast_transport_does_not_retry_a_post(raw: RawServer) -> None:
    async def twice(t: Transport) -> list[Response]:
        first = await t.request("POST", "/once", body=b"1")
        return [first, await t.request("POST", "/once", body=b"2")]

    responses = run(with_transport("fast", raw.url, twice))
    assert [r.error for r in responses] == [None, "reset"]


def test_cancelled_request_frees_its_pool_slot(raw: RawServer) -> None:
    async def go(t: Transport) -> Response:
        task = asyncio.ensure_future(t.request("GET", "/hang"))
        await asyncio.sleep(0.1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return await asyncio.wait_for(t.request("GET", "/ok"), 5)

    r = run(with_transport("fast", raw.url, go, max_connections=1))
    assert (r.status, r.error) == (200, None)
    assert raw.connections == 2  # the cancelled one was closed, not reused


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_closed_port_is_refused(kind: str) -> None:
    r = one(kind, closed_port_url())
    assert (r.status, r.error, classify(r)) == (0, "refused", "refused")
    assert r.detail


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/reset", "reset"),
        ("/truncated", "reset"),
        ("/drop", "reset"),
        ("/garbage", "bad_response"),
        ("/hang", "timeout"),
        ("/stall-body", "timeout"),
    ],
)
def test_misbehaving_server_maps_to_error_class(
    kind: str, path: str, expected: str, raw: RawServer
) -> None:
    started = time.perf_counter()
    r = one(kind, raw.url, path=path, opts={"request_timeout_s": 0.4})
    elapsed = time.perf_counter() - started
    assert (r.status, r.error) == (0, expected), r.detail
    assert r.detail
    assert elapsed < 5
    if expected == "timeout":
        assert elapsed >= 0.35
        assert r.t_done - r.t_sent >= 0.35


@pytest.mark.parametrize("kind", KINDS)
def test_failed_connection_is_not_reused(kind: str, raw: RawServer) -> None:
    async def go(t: Transport) -> list[Response]:
        return [await t.request("GET", "/hang"), await t.request("GET", "/ok")]

    first, second = run(with_transport(kind, raw.url, go, request_timeout_s=0.3))
    assert (first.error, second.error, second.status) == ("timeout", None, 200)
    assert raw.connections == 2


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_host_is_a_dns_error(kind: str) -> None:
    r = one(kind, "http://no-such-host.invalid:80", opts={"connect_timeout_s": 5})
    assert r.error == "dns"


# -- TLS ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", KINDS)
def test_tls_without_verification_reaches_a_self_signed_server(
    kind: str, tls_server: WebServer
) -> None:
    async def two(t: Transport) -> list[Response]:
        return [await t.request("GET", "/hello", want_body=True) for _ in range(2)]

    responses = run(with_transport(kind, tls_server.url, two, verify_tls=False))
    assert [(r.status, r.body) for r in responses] == [(200, b"secure hello")] * 2
    assert len(tls_server.peers) == 1  # kept alive over TLS too


@pytest.mark.parametrize("kind", KINDS)
def test_tls_verifies_certificates_by_default(kind: str, tls_server: WebServer) -> None:
    r = one(kind, tls_server.url, path="/hello")
    assert r.status == 0 and r.error is not None
    assert "certificate" in r.detail.lower() or "ssl" in r.detail.lower()


# -- the callback API (submit) -----------------------------------------------------------------
def test_failures_found_inside_submit_are_delivered_later_never_recursively(
    raw: RawServer,
) -> None:
    # each answer submits the next bad request from inside `done`: 3,000 in a chain would blow
    # the recursion limit if a failure were delivered from inside submit
    async def chain(t: Transport) -> list[Response]:
        transport = with_callbacks(t)
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[None] = loop.create_future()
        seen: list[Response] = []
        inside = False

        def done(r: Response) -> None:
            assert not inside, "done ran inside submit"
            seen.append(r)
            if len(seen) == 3000:
                finished.set_result(None)
            else:
                submit()

        def submit() -> None:
            nonlocal inside
            inside = True
            transport.submit("GET", "/ok", headers={"X-Bad": "a\r\nb"}, done=done)
            inside = False

        submit()
        await asyncio.wait_for(finished, 10)
        return seen

    seen = run(with_transport("fast", raw.url, chain))
    assert len(seen) == 3000
    assert {(r.status, r.error) for r in seen} == {(0, "other")}
    assert raw.seen == []


def test_queued_submits_take_a_freed_connection_oldest_first(raw: RawServer) -> None:
    async def burst(t: Transport) -> list[tuple[int, Response]]:
        transport = with_callbacks(t)
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[None] = loop.create_future()
        answers: list[tuple[int, Response]] = []

        def done_for(i: int) -> Callable[[Response], None]:
            def done(r: Response) -> None:
                answers.append((i, r))
                if len(answers) == 6:
                    finished.set_result(None)

            return done

        for i in range(6):
            transport.submit("GET", f"/ok?n={i}", done=done_for(i))
        await asyncio.wait_for(finished, 10)
        return answers

    answers = run(with_transport("fast", raw.url, burst, max_connections=1))
    assert [i for i, _ in answers] == list(range(6))
    assert [(r.status, r.error) for _, r in answers] == [(200, None)] * 6
    assert [h.split(" ")[1] for h, _ in raw.seen] == [f"/ok?n={i}" for i in range(6)]
    assert raw.connections == 1
    # t_sent is taken when a queued request gets the connection, after the previous answer
    for (_, before), (_, after) in itertools.pairwise(answers):
        assert after.t_sent >= before.t_done


def test_a_raising_callback_is_reported_and_the_connection_stays_usable(raw: RawServer) -> None:
    async def go(t: Transport) -> tuple[list[dict[str, Any]], Response]:
        transport = with_callbacks(t)
        loop = asyncio.get_running_loop()
        reported: list[dict[str, Any]] = []
        loop.set_exception_handler(lambda _loop, context: reported.append(context))
        answered: asyncio.Future[None] = loop.create_future()

        def done(r: Response) -> None:
            answered.set_result(None)
            raise RuntimeError("a bug in the caller")

        transport.submit("GET", "/ok", done=done)
        await asyncio.wait_for(answered, 5)
        second = await transport.request("GET", "/ok")
        return reported, second

    reported, second = run(with_transport("fast", raw.url, go))
    assert [type(c.get("exception")) for c in reported] == [RuntimeError]
    assert (second.status, second.error) == (200, None)
    assert raw.connections == 1


@pytest.mark.parametrize("kind", KINDS)
def test_submit_works_on_every_transport(kind: str, raw: RawServer) -> None:
    async def go(t: Transport) -> list[Response]:
        transport = with_callbacks(t)
        assert transport is t  # both have a native submit (no TaskSubmit adapter)
        loop = asyncio.get_running_loop()
        finished: asyncio.Future[None] = loop.create_future()
        answers: list[Response] = []

        def done(r: Response) -> None:
            answers.append(r)
            if len(answers) == 3:
                finished.set_result(None)

        transport.submit("POST", "/echo", body=b"x", want_body=True, done=done)
        transport.submit("GET", "/status/503", done=done)
        transport.submit("GET", "/drop", done=done)
        await asyncio.wait_for(finished, 10)
        return sorted(answers, key=lambda r: r.status)

    drop, echo, busy = run(with_transport(kind, raw.url, go))
    assert (drop.status, drop.error) == (0, "reset")
    assert echo.status == 201 and echo.body is not None and echo.body.endswith(b"x")
    assert (busy.status, busy.error) == (503, None)


def test_closing_answers_queued_submits_and_requests_on_the_wire(raw: RawServer) -> None:
    async def go(t: Transport) -> list[Response]:
        transport = with_callbacks(t)
        answers: list[Response] = []
        for _ in range(3):  # one on the wire (hangs), two queued behind it
            transport.submit("GET", "/hang", done=answers.append)
        await asyncio.sleep(0.2)
        await transport.close()
        await asyncio.sleep(0.05)
        return answers

    answers = run(with_transport("fast", raw.url, go, max_connections=1))
    assert sorted((r.status, r.error) for r in answers) == [
        (0, "other"),
        (0, "other"),
        (0, "reset"),
    ]


def test_submit_view_lends_the_connection_as_the_answer_during_done_only(
    raw: RawServer,
) -> None:
    # each answer is read inside `done`, which submits the next request at once: a lent
    # connection is reused under the reader right after, so what it read must be its own
    paths = ["/ok", "/ok", "/status/503", "/ok", "/chunked", "/drop", "/ok"]

    async def chain(t: Transport) -> list[tuple[int, int, str | None, bool, bool]]:
        assert isinstance(t, FastTransport)
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        seen: list[tuple[int, int, str | None, bool, bool]] = []

        def done(a: Answer) -> None:
            lent = not isinstance(a, Response)
            seen.append((a.status, a.bytes_in, a.error, a.t_done >= a.t_sent > 0, lent))
            if len(seen) == len(paths):
                finished.set_result(None)
            else:
                t.submit_view("GET", paths[len(seen)], done)

        t.submit_view("GET", paths[0], done)
        await asyncio.wait_for(finished, 10)
        return seen

    seen = run(with_transport("fast", raw.url, chain))
    assert seen == [
        (200, 5, None, True, False),  # first use of a path: encoded and sent by `submit`
        (200, 5, None, True, True),  # a ready head and an idle connection: lent
        (503, 4, None, True, False),
        (200, 5, None, True, True),
        (200, 10, None, True, False),  # chunked, new path
        (0, 0, "reset", True, False),  # failures are always a Response (after one retry)
        (200, 5, None, True, False),  # no idle connection left: a new one, via `submit`
    ]


def test_submit_view_answer_is_read_before_a_queued_request_takes_the_connection(
    raw: RawServer,
) -> None:
    # one connection, requests queued behind a lent one (an open-model burst): the queued
    # request must not be written on the connection before `done` has read the lent answer
    async def burst(t: Transport) -> list[tuple[int, int, str | None, bool]]:
        assert isinstance(t, FastTransport)
        finished: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        seen: list[tuple[int, int, str | None, bool]] = []

        def done(a: Answer) -> None:
            seen.append((a.status, a.bytes_in, a.error, not isinstance(a, Response)))
            if len(seen) == 6 and not finished.done():
                finished.set_result(None)

        t.submit_view("GET", "/ok", done)  # first use: opens the connection
        await asyncio.sleep(0.2)
        for _ in range(5):  # the first is lent the idle connection, the rest queue for it
            t.submit_view("GET", "/ok", done)
        await asyncio.wait_for(finished, 10)
        return seen

    seen = run(with_transport("fast", raw.url, burst, max_connections=1))
    assert seen == [(200, 5, None, False), (200, 5, None, True)] + [(200, 5, None, False)] * 4
