"""The aiohttp transport: full HTTP semantics (TLS, chunked, gzip) over keep-alive connections.

One `ClientSession` per worker process with a bounded `TCPConnector`. A slot counter the size of
the pool is held around each request so that `t_sent` is taken when a connection is actually
available: time spent queueing for a connection is generator-side waiting and shows up as send
lag / corrected latency, not as service time. Redirects are never followed, cookies are never
kept and the environment's proxies are ignored, so the run cannot be steered off the host the
user named.

Per request this costs about a third less CPU than `session.request` (measured, 1 worker vs
nginx): `submit` is native (one task per request, no adapter); the total timeout is a deadline
checked by one periodic sweep instead of aiohttp's per-request timer objects; and, on the aiohttp
versions whose internals match (`_LEAN`), a request goes straight through the pieces
`ClientSession._request` is built from (`ClientRequest`, `connector.connect`, `send`, `start`)
and skips its redirect, cookie, proxy, trace and middleware bookkeeping, none of which this
transport uses. Any other aiohttp version takes `session.request`, with the same results.
The aiohttp version matters as much: 3.9.5 costs about twice the CPU per request of 3.12/3.14.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
from aiohttp.client_proto import ResponseHandler
from multidict import CIMultiDict
from yarl import URL

from loadtui.engine.errors import classify_exception, describe
from loadtui.engine.transport import Done, Response, TransportOptions

# RFC 9112 §9.3.1: these may be sent again when a kept-alive connection turned out to be dead.
_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})
_URL_CACHE_MAX = 4096  # plans have few distinct paths; beyond this, paths are parsed each time
# a stale keep-alive connection: what aiohttp retries once itself
_STALE = (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)
_CONNECT_TIMEOUT = getattr(aiohttp, "ConnectionTimeoutError", aiohttp.ServerTimeoutError)


def _accepts(func: Callable[..., Any], names: set[str]) -> bool:
    try:
        return names <= set(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return False


# whether this aiohttp has the internals the lean path calls, with the signatures it calls them by
_LEAN = (
    _accepts(
        aiohttp.ClientRequest.__init__,
        {"method", "url", "headers", "data", "loop", "response_class", "session", "ssl", "traces"},
    )
    and _accepts(aiohttp.BaseConnector.connect, {"req", "traces", "timeout"})
    and _accepts(
        ResponseHandler.set_response_params,
        {"skip_payload", "read_until_eof", "auto_decompress"},
    )
    and _accepts(aiohttp.ClientRequest.send, {"conn"})
    and _accepts(aiohttp.ClientResponse.start, {"connection"})
)


class _Slots:
    """A counting semaphore without `asyncio.Semaphore`'s per-acquire coroutine and waiter scan.

    A released slot goes straight to the oldest waiter, so the order is FIFO."""

    __slots__ = ("free", "waiters")

    def __init__(self, size: int) -> None:
        self.free = max(1, size)
        self.waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def wait(self) -> None:
        """Wait until `release` hands this caller a slot (call it only when `free` is 0)."""
        waiter = asyncio.get_running_loop().create_future()
        self.waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot just as we were cancelled: pass it on
            raise

    def release(self) -> None:
        waiters = self.waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


class AiohttpTransport:
    """`CallbackTransport` over aiohttp; one per worker process (not thread-safe).

    `lean=False` forces the public `session.request` path (tests compare the two)."""

    def __init__(
        self, base_url: str, options: TransportOptions | None = None, *, lean: bool | None = None
    ) -> None:
        self.options = opts = options or TransportOptions()
        self.base = base_url.rstrip("/")
        self.lean = _LEAN if lean is None else (lean and _LEAN)
        self._session: aiohttp.ClientSession | None = None
        self._defaults: CIMultiDict[str] = CIMultiDict(opts.headers or {})
        self._slots = _Slots(opts.max_connections)
        self._urls: dict[str, URL] = {}  # path -> URL: yarl's parse is not free per request
        self._timeout = float(opts.request_timeout_s)
        self.sweep_period = min(0.1, max(0.005, self._timeout / 20))
        # every running request's task -> its deadline (inf while it waits for a slot)
        self._inflight: dict[asyncio.Task[None], float] = {}
        self._expired: set[asyncio.Task[None]] = set()  # cancelled by the sweep: a timeout
        self._sweeper: asyncio.TimerHandle | None = None

    def _open(self) -> aiohttp.ClientSession:
        opts = self.options
        connector = aiohttp.TCPConnector(
            limit=opts.max_connections,
            limit_per_host=0,
            keepalive_timeout=30.0,
            ttl_dns_cache=300,
            force_close=False,
            ssl=bool(opts.verify_tls),  # True: default certificate verification
        )
        # total=None: the request timeout is the sweep's deadline (see _sweep)
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=opts.connect_timeout_s)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            headers=self._defaults,
            cookie_jar=aiohttp.DummyCookieJar(),  # VUs share the session; never share cookies
            trust_env=False,  # no proxies from the environment: talk to the named host only
            raise_for_status=False,
            skip_auto_headers=(),
        )
        return self._session

    def _url(self, path: str) -> URL:
        url = self._urls.get(path)
        if url is None:
            url = URL(self.base + path, encoded=True)
            if url.scheme not in ("http", "https") or not url.raw_host:
                raise aiohttp.InvalidURL(url)
            if len(self._urls) < _URL_CACHE_MAX:
                self._urls[path] = url
        return url

    # -- the API -----------------------------------------------------------------------------
    def submit(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        want_body: bool = False,
        done: Done,
    ) -> None:
        """`CallbackTransport.submit`: one task per request, `done` called from that task.

        `close` cancels the requests still running; their `done` is not called."""
        self._start(method, path, headers, body, want_body, done)

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        want_body: bool = False,
    ) -> Response:
        """The same request, awaited. It runs in its own task so that a timeout (which cancels
        that task) can never leave a stray cancellation in the caller's task."""
        answer: asyncio.Future[Response] = asyncio.get_running_loop().create_future()

        def done(response: Response) -> None:
            if not answer.done():
                answer.set_result(response)

        task = self._start(method, path, headers, body, want_body, done)
        try:
            return await answer
        except asyncio.CancelledError:
            task.cancel()
            raise

    async def close(self) -> None:
        tasks = list(self._inflight)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._inflight.clear()  # tasks cancelled before they ever ran leave their entry
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- one request -------------------------------------------------------------------------
    def _start(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        want_body: bool,
        done: Done,
    ) -> asyncio.Task[None]:
        loop = asyncio.get_running_loop()
        task = loop.create_task(self._run(method, path, headers, body, want_body, done))
        self._inflight[task] = math.inf
        if self._sweeper is None:
            self._sweeper = loop.call_later(self.sweep_period, self._sweep)
        return task

    async def _run(
        self,
        method: str,
        path: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        want_body: bool,
        done: Done,
    ) -> None:
        task: asyncio.Task[None] = asyncio.current_task()  # type: ignore[assignment]
        inflight = self._inflight
        slots = self._slots
        try:
            if slots.free:
                slots.free -= 1
            else:
                await slots.wait()
        except BaseException:
            inflight.pop(task, None)
            raise
        t_sent = time.perf_counter()
        inflight[task] = t_sent + self._timeout
        try:
            session = self._session or self._open()
            if self.lean:
                resp = await self._exchange(session, method, self._url(path), headers, body)
            else:
                resp = await session.request(
                    method, self._url(path), headers=headers, data=body, allow_redirects=False
                )
            try:
                # a body being sent may still be in flight: `read` waits for its writer
                data = await (resp.content.read() if body is None else resp.read())
            except BaseException:
                resp.close()  # a half-read response must not go back to the pool
                raise
            resp.release()
            response = Response(
                resp.status,
                len(data),
                t_sent,
                time.perf_counter(),
                None,
                data if want_body else None,
            )
        except asyncio.CancelledError:
            if task not in self._expired or task.uncancel() > 0:
                raise  # closed, or cancelled by whoever awaits `request`
            exc = TimeoutError(f"no complete answer within {self._timeout:g} s")
            response = Response(0, 0, t_sent, time.perf_counter(), "timeout", None, describe(exc))
        except Exception as exc:  # every network failure becomes a counted data point
            response = Response(
                0, 0, t_sent, time.perf_counter(), classify_exception(exc), None, describe(exc)
            )
        finally:
            slots.release()
            del inflight[task]
            if self._expired:
                self._expired.discard(task)
        try:
            done(response)
        except Exception as exc:  # the caller's bug: report it loudly, keep the worker going
            asyncio.get_running_loop().call_exception_handler(
                {"message": "submit callback raised", "exception": exc, "task": task}
            )

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: URL,
        headers: Mapping[str, str] | None,
        body: bytes | None,
    ) -> aiohttp.ClientResponse:
        """What `session.request(method, url, allow_redirects=False)` does for this transport's
        session (no cookies, proxies, traces or middlewares; total timeout handled outside)."""
        merged = self._defaults
        if headers:
            merged = CIMultiDict(merged)
            for name, value in headers.items():
                merged[name] = value
        method = method.upper()
        retry = method in _IDEMPOTENT
        connector = session.connector
        assert connector is not None
        while True:
            req = aiohttp.ClientRequest(
                method,
                url,
                headers=merged,
                data=body,
                loop=asyncio.get_running_loop(),
                response_class=aiohttp.ClientResponse,
                session=session,
                ssl=True,  # the connector's TLS settings
                traces=[],
            )
            try:
                conn = await connector.connect(req, traces=[], timeout=session.timeout)
            except TimeoutError as exc:
                raise _CONNECT_TIMEOUT(f"Connection timeout to host {url}") from exc
            protocol = conn.protocol
            assert protocol is not None
            protocol.set_response_params(
                skip_payload=method == "HEAD", read_until_eof=True, auto_decompress=True
            )
            try:
                resp = await req.send(conn)
                try:
                    await resp.start(conn)
                except BaseException:
                    resp.close()
                    raise
            except _STALE:
                conn.close()
                if not retry:
                    raise
                retry = False  # once, as aiohttp does: the kept-alive connection had died
                continue
            except BaseException:
                conn.close()
                raise
            return resp

    def _sweep(self) -> None:
        """Cancel the requests past their deadline; `_run` turns that into a timeout."""
        self._sweeper = None
        inflight = self._inflight
        if not inflight:
            return
        now = time.perf_counter()
        for task, deadline in inflight.items():
            if deadline <= now and task not in self._expired:
                self._expired.add(task)
                task.cancel()
        self._sweeper = asyncio.get_running_loop().call_later(self.sweep_period, self._sweep)
