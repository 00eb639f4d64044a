"""The aiohttp transport's own machinery against a real server on 127.0.0.1: the lean request
path answers exactly as `session.request` does, and the sweep's deadline, the slot queue,
`close` and the stale-connection retry behave as the rest of the engine expects."""

from __future__ import annotations

import asyncio
import gzip
import itertools
from collections.abc import AsyncIterator

import pytest
from engine_servers import next_request

from loadtui.engine.transport import Response, TransportOptions, with_callbacks
from loadtui.engine.transport_aiohttp import _LEAN, AiohttpTransport

PATHS = [True, False] if _LEAN else [False]  # the lean path, and the public one it mirrors


class Handler(asyncio.Protocol):
    """Answers by path: /gzip, /cookie, /redirect, /echo (head and body back), /hang (never),
    /garbage, /slow (after 50 ms), /drop-reused (closes a kept-alive connection instead of
    answering its second request), anything else 200 "ok"."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.buf = b""
        self.answered = 0
        self.t: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.t = transport
        self.server.connections += 1

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while (request := next_request(self.buf)) is not None:
            head, body, self.buf = request
            self.server.heads.append(head)
            asyncio.get_running_loop().create_task(self.answer(head, body))

    async def answer(self, head: str, body: bytes) -> None:
        t = self.t
        assert t is not None
        path = head.split(" ", 2)[1].split("?")[0]
        extra = b""
        payload = b"ok"
        if path == "/hang":
            return
        if path == "/garbage":
            t.write(b"NOT HTTP\r\n\r\n")
            t.close()
            return
        if path == "/drop-reused" and self.answered:
            t.close()
            return
        if path == "/slow":
            await asyncio.sleep(0.05)
        if path == "/gzip":
            payload = gzip.compress(b"z" * 1000)
            extra = b"Content-Encoding: gzip\r\n"
        elif path == "/cookie":
            extra = b"Set-Cookie: sid=abc; Path=/\r\n"
        elif path == "/echo":
            payload = head.encode() + b"\r\n\r\n" + body
        status = b"302 Found" if path == "/redirect" else b"200 OK"
        if path == "/redirect":
            extra = b"Location: /elsewhere\r\n"
        self.answered += 1
        if not t.is_closing():
            t.write(
                b"HTTP/1.1 %s\r\nContent-Length: %d\r\n%s\r\n%s"
                % (status, len(payload), extra, b"" if head.startswith("HEAD") else payload)
            )


class Server:
    def __init__(self) -> None:
        self.connections = 0
        self.heads: list[str] = []
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    s = Server()
    srv = await asyncio.get_running_loop().create_server(lambda: Handler(s), "127.0.0.1", 0)
    s.port = srv.sockets[0].getsockname()[1]
    try:
        yield s
    finally:
        srv.close()


def transport(url: str, lean: bool, **options: object) -> AiohttpTransport:
    t = AiohttpTransport(url, TransportOptions(**options), lean=lean)  # type: ignore[arg-type]
    assert t.lean is lean
    return t


def shape(r: Response) -> tuple[int, int, str | None, bool]:
    return (r.status, r.bytes_in, r.error, r.t_done >= r.t_sent)


@pytest.mark.parametrize("lean", PATHS)
async def test_both_paths_give_the_same_answers(server: Server, lean: bool) -> None:
    t = transport(server.url, lean, request_timeout_s=0.3, headers={"X-Plan": "p", "Accept": "a"})
    try:
        plain = await t.request("GET", "/")
        zipped = await t.request("GET", "/gzip", want_body=True)
        redirect = await t.request("GET", "/redirect")
        await t.request("GET", "/cookie")
        echo = await t.request(
            "POST", "/echo?q=1", headers={"accept": "b", "X-Step": "s"}, body=b"{}", want_body=True
        )
        head = await t.request("HEAD", "/")
        garbage = await t.request("GET", "/garbage")
        hang = await t.request("GET", "/hang")
        after = await t.request("GET", "/")
    finally:
        await t.close()
    assert shape(plain) == (200, 2, None, True) and plain.body is None
    assert shape(zipped) == (200, 1000, None, True) and zipped.body == b"z" * 1000
    assert shape(redirect) == (302, 2, None, True)  # not followed
    assert (head.status, head.bytes_in, head.error) == (200, 0, None)
    assert (garbage.status, garbage.error) == (0, "bad_response")
    assert (hang.status, hang.error) == (0, "timeout") and "0.3 s" in hang.detail
    assert shape(after) == (200, 2, None, True)
    assert echo.body is not None
    sent = echo.body.decode().lower()
    assert sent.startswith("post /echo?q=1 http/1.1") and sent.endswith("\r\n\r\n{}")
    # plan headers on every request; a step's header replaces the plan's of the same name
    assert "x-plan: p" in sent and "x-step: s" in sent and "accept: b" in sent
    assert "accept: a" not in sent and "content-length: 2" in sent
    assert all("\r\ncookie:" not in h.lower() for h in server.heads)  # Set-Cookie never sent back
    assert "/elsewhere" not in " ".join(server.heads)


@pytest.mark.skipif(not _LEAN, reason="this aiohttp takes session.request, which retries or not")
async def test_a_dropped_kept_alive_connection_is_retried_once_for_get_only(
    server: Server,
) -> None:
    """What recent aiohttp's own `session.request` does; older ones (3.9) do not retry."""
    t = transport(server.url, True)
    try:
        first = await t.request("GET", "/drop-reused")
        second = await t.request("GET", "/drop-reused")  # reused, dropped, retried on a new one
        third = await t.request("POST", "/drop-reused", body=b"x")  # reused, dropped: not resent
    finally:
        await t.close()
    assert [r.status for r in (first, second)] == [200, 200]
    assert (third.status, third.error) == (0, "reset")
    assert server.connections == 2


async def test_a_timed_out_request_leaves_the_caller_uncancelled(server: Server) -> None:
    t = transport(server.url, _LEAN, request_timeout_s=0.2)
    try:
        r = await t.request("GET", "/hang")
        await asyncio.sleep(0.05)  # a stray cancellation of this task would surface here
        task = asyncio.current_task()
        assert task is not None and task.cancelling() == 0
        again = await t.request("GET", "/")
    finally:
        await t.close()
    assert (r.error, again.status) == ("timeout", 200)
    assert 0.2 <= r.t_done - r.t_sent < 1.0
    assert server.connections == 2  # the hung connection was closed, not reused


async def test_submits_queue_for_the_pool_in_order(server: Server) -> None:
    t = transport(server.url, _LEAN, max_connections=1)
    submit = with_callbacks(t).submit
    assert submit == t.submit  # native: no TaskSubmit adapter
    answers: list[tuple[int, Response]] = []
    finished = asyncio.get_running_loop().create_future()

    def done_for(i: int) -> object:
        def done(r: Response) -> None:
            answers.append((i, r))
            if len(answers) == 4:
                finished.set_result(None)

        return done

    try:
        for i in range(4):
            submit("GET", "/slow", done=done_for(i))  # type: ignore[arg-type]
        await asyncio.wait_for(finished, 5)
    finally:
        await t.close()
    assert [i for i, _ in answers] == [0, 1, 2, 3]
    assert all(r.status == 200 for _, r in answers)
    # each waited for the one connection: t_sent is when it got it, not when it was submitted
    for (_, before), (_, after) in itertools.pairwise(answers):
        assert after.t_sent >= before.t_done
    assert server.connections == 1


async def test_close_cancels_requests_in_flight_and_queued_without_answering(
    server: Server,
) -> None:
    t = transport(server.url, _LEAN, max_connections=1, request_timeout_s=30)
    answers: list[Response] = []
    for _ in range(3):  # one on the wire (hangs), two queued for the pool
        t.submit("GET", "/hang", done=answers.append)
    await asyncio.sleep(0.1)
    await asyncio.wait_for(t.close(), 5)
    await asyncio.sleep(0.05)
    assert answers == []
    assert not t._inflight and t._sweeper is None


async def test_a_raising_callback_is_reported_and_the_transport_goes_on(server: Server) -> None:
    loop = asyncio.get_running_loop()
    reported: list[dict[str, object]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: reported.append(context))
    t = transport(server.url, _LEAN)
    answered = loop.create_future()

    def done(r: Response) -> None:
        answered.set_result(r.status)
        raise RuntimeError("a bug in the caller")

    try:
        t.submit("GET", "/", done=done)
        assert await asyncio.wait_for(answered, 5) == 200
        again = await t.request("GET", "/")
    finally:
        await t.close()
        loop.set_exception_handler(previous)
    assert [type(c.get("exception")) for c in reported] == [RuntimeError]
    assert again.status == 200 and server.connections == 1
