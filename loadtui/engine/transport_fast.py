"""The fast transport: plain HTTP/1.1 keep-alive over raw event-loop protocols (uvloop in workers).

Why it exists: with aiohttp's client stack a worker spends ~190 µs of CPU per request, so the
load generator saturates long before the system under test. A bare `asyncio.Protocol` with the
httptools (llhttp) parser needs ~20 µs, which is what wrk-class throughput from Python takes.

Shape, chosen for a small hot path:
- a pool of up to `max_connections` connections per transport; idle ones are reused LIFO
  (warm, and lets surplus connections age out on the server side), new ones opened on demand;
  when the pool is full the request waits for a connection *before* `t_sent` is taken, as the
  aiohttp transport does, so that wait shows up as send lag, not as server latency;
- `t_sent` is taken when the request owns a connection (before a connect, if one is needed:
  connect time is part of what the user waits for) and `t_done` inside the parser callback;
- the whole-request timeout is enforced by one sweeper timer per transport that aborts
  connections past their deadline (a per-request timer would cost more than the parser);
  it fires within `sweep_period` (≤ 100 ms, ≤ 5 % of the timeout) after the deadline;
- a connection that failed, timed out, or whose answer said `Connection: close` is closed,
  never reused; a *reused* connection that dies before a single answer byte (the server
  closed an idle keep-alive connection as we sent) is retried once on a fresh connection for
  idempotent methods, which is what browsers and curl do.
Errors use the same classes as the aiohttp transport (`loadtui.engine.errors`).
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import errno
import socket
import ssl
import time
from collections.abc import Mapping
from urllib.parse import unquote, urlsplit

from loadtui import __version__
from loadtui.contracts import ErrorClass
from loadtui.engine.errors import classify_exception, describe
from loadtui.engine.http1 import HeaderError, Http1Connection, RequestEncoder
from loadtui.engine.transport import Response, TransportOptions

_perf = time.perf_counter
USER_AGENT = f"loadtui/{__version__}"
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
_ERRNO_TEXT = {f"[Errno {errno.ECONNREFUSED}]": "refused", f"[Errno {errno.ETIMEDOUT}]": "timeout"}


def tls_context(verify: bool) -> ssl.SSLContext:
    """A client context: the system CA store and hostname checks, or neither (`--insecure`)."""
    ctx = ssl.create_default_context()
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def connect_error_class(exc: BaseException) -> ErrorClass:
    """Class of a failed connect; unwraps asyncio's "Multiple exceptions" OSError (v4 + v6)."""
    if isinstance(exc, ssl.SSLError):
        return "other"  # TLS handshake/verification: the peer answered, so not refused
    if isinstance(exc, OSError) and exc.errno is None and not isinstance(exc, socket.gaierror):
        text = str(exc)
        for marker, cls in _ERRNO_TEXT.items():
            if marker in text:
                return cls  # type: ignore[return-value]
    return classify_exception(exc)


class FastTransport:
    """Transport protocol implementation; one per worker process (not thread-safe)."""

    def __init__(self, base_url: str, options: TransportOptions | None = None) -> None:
        opts = options or TransportOptions()
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"fast transport needs an http(s) base URL, got {base_url!r}")
        self.options = opts
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self._ssl: ssl.SSLContext | None = (
            tls_context(opts.verify_tls) if parts.scheme == "https" else None
        )
        default_port = self.port == (443 if parts.scheme == "https" else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        host_header = host if default_port else f"{host}:{self.port}"
        defaults: dict[str, str] = {"User-Agent": USER_AGENT, "Connection": "keep-alive"}
        if parts.username is not None:
            cred = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
            defaults["Authorization"] = "Basic " + base64.b64encode(cred.encode()).decode()
        for name, value in (opts.headers or {}).items():
            for existing in [k for k in defaults if k.lower() == name.lower()]:
                del defaults[existing]
            defaults[name] = value
        self._encoder = RequestEncoder(host_header, parts.path.rstrip("/"), defaults)
        self._heads = self._encoder.heads
        self._max = max(1, int(opts.max_connections))
        self._timeout = float(opts.request_timeout_s)
        self._connect_timeout = float(opts.connect_timeout_s)
        self.sweep_period = min(0.1, max(0.005, self._timeout / 20))
        self._idle: list[Http1Connection] = []
        self._conns: set[Http1Connection] = set()
        self._slots = 0  # connections open or being opened
        self._waiters: collections.deque[asyncio.Future[Http1Connection | None]] = (
            collections.deque()
        )
        self._sweeper: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.opened = 0  # connections ever opened (tests and benchmarks read it)

    # -- the hot path ------------------------------------------------------------------------
    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        want_body: bool = False,
    ) -> Response:
        data = self._heads.get((method, path)) if headers is None and body is None else None
        if data is None:
            try:
                data = self._encoder.encode(method, path, headers, body)
            except (HeaderError, UnicodeError) as exc:
                now = _perf()
                return Response(0, 0, now, now, "other", None, describe(exc))
        idle = self._idle
        if idle:
            conn: Http1Connection | None = idle.pop()
            t_sent = _perf()
        else:
            conn = await self._acquire()
            t_sent = _perf()
        retried = False
        while True:
            deadline = t_sent + self._timeout
            if conn is None:
                opened = await self._open(deadline)
                if isinstance(opened, Response):
                    opened.t_sent = t_sent
                    return opened
                conn = opened
            waiter = conn.send(data, deadline, want_body, method == "HEAD")
            try:
                await waiter
            except asyncio.CancelledError:
                self._discard(conn)
                raise
            if conn.error is None:
                response = Response(
                    conn.status,
                    conn.bytes_in,
                    t_sent,
                    conn.t_done,
                    None,
                    conn.body() if want_body else None,
                )
                if conn.keep_alive and not conn.closed:
                    if self._waiters:
                        self._release(conn)
                    else:
                        idle.append(conn)
                else:
                    self._discard(conn)
                return response
            self._discard(conn)
            if (
                not retried
                and conn.error == "reset"
                and conn.served > 0
                and conn.first is None
                and method in IDEMPOTENT
                and _perf() < deadline
            ):
                retried = True  # stale keep-alive connection: one fresh try
                conn = await self._acquire()
                continue
            return Response(0, 0, t_sent, conn.t_done, conn.error, None, conn.detail)

    # -- pool --------------------------------------------------------------------------------
    async def _acquire(self) -> Http1Connection | None:
        """An idle connection, or None with a slot reserved for a new one; waits when full."""
        if self._idle:
            return self._idle.pop()
        if self._slots < self._max:
            self._slots += 1
            return None
        loop = self._loop or asyncio.get_running_loop()
        fut: asyncio.Future[Http1Connection | None] = loop.create_future()
        self._waiters.append(fut)
        try:
            return await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                handed = fut.result()  # handed over just as we were cancelled: pass it on
                if handed is None:
                    self._slots -= 1
                    self._wake_one()
                else:
                    self._release(handed)
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(fut)
            raise

    def _release(self, conn: Http1Connection) -> None:
        waiters = self._waiters
        while waiters:
            fut = waiters.popleft()
            if not fut.done():
                fut.set_result(conn)
                return
        self._idle.append(conn)

    def _wake_one(self) -> None:
        """A slot was freed: the oldest waiter (if any) gets it to open a new connection."""
        waiters = self._waiters
        while waiters and self._slots < self._max:
            fut = waiters.popleft()
            if not fut.done():
                self._slots += 1
                fut.set_result(None)
                return

    def _discard(self, conn: Http1Connection) -> None:
        if not conn.closed:
            conn.abort()
        if conn in self._conns:
            self._conns.discard(conn)
            self._slots -= 1
            self._wake_one()

    def _lost(self, conn: Http1Connection) -> None:
        """Called by a connection when the peer closed it; idle ones leave the pool at once."""
        if conn.waiter is None and conn in self._conns:
            try:
                self._idle.remove(conn)
            except ValueError:
                return  # in a request right now: that request discards it
            self._discard(conn)

    async def _open(self, deadline: float) -> Http1Connection | Response:
        """Connect within the connect timeout (and the request's deadline); slot already held."""
        loop = self._loop or asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        timeout = max(0.0, min(self._connect_timeout, deadline - _perf()))
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(
                    lambda: Http1Connection(loop, self._lost),
                    self.host,
                    self.port,
                    ssl=self._ssl,
                    server_hostname=self.host if self._ssl is not None else None,
                )
        except asyncio.CancelledError:
            self._slots -= 1
            self._wake_one()
            raise
        except Exception as exc:  # every connect failure becomes a counted data point
            self._slots -= 1
            self._wake_one()
            now = _perf()
            if isinstance(exc, TimeoutError):
                detail = f"TimeoutError: no connection within {timeout:.3g} s"
            else:
                detail = describe(exc)
            return Response(0, 0, now, now, connect_error_class(exc), None, detail)
        self._conns.add(conn)
        self.opened += 1
        if self._sweeper is None:
            self._sweeper = loop.call_later(self.sweep_period, self._sweep)
        return conn

    def _sweep(self) -> None:
        now = _perf()
        expired = [c for c in self._conns if 0.0 < c.deadline < now]
        for conn in expired:
            conn.fail("timeout", f"no complete response within {self._timeout:g} s")
        if self._loop is not None and not self._loop.is_closed():
            self._sweeper = self._loop.call_later(self.sweep_period, self._sweep)

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        for fut in self._waiters:
            if not fut.done():
                fut.cancel()
        self._waiters.clear()
        conns = list(self._conns)
        self._idle.clear()
        for conn in conns:
            if conn.transport is not None and not conn.closed:
                conn.closed = True
                conn.transport.close()
        self._conns.clear()
        self._slots = 0
        if conns:
            await asyncio.sleep(0)  # let transports run connection_lost before the loop ends
