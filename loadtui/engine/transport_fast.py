"""The fast transport: plain HTTP/1.1 keep-alive over raw event-loop protocols (uvloop in workers).

Why it exists: with aiohttp's client stack a worker spends ~190 µs of CPU per request, so the
load generator saturates long before the system under test. A bare `asyncio.Protocol` with the
httptools (llhttp) parser needs ~20 µs, which is what wrk-class throughput from Python takes.

Shape, chosen for a small hot path:
- callbacks, not coroutines: `submit` writes the request on an idle connection and returns;
  the connection calls the pool back when the answer is complete, the pool builds the
  `Response`, puts the connection back (or hands it straight to the oldest queued request,
  which is written at once) and calls the caller's `done`. No Future, no Task wake-up per
  request; `request()` is `submit` plus one future, for callers that want to await;
- a pool of up to `max_connections` connections per transport; idle ones are reused LIFO
  (warm, and lets surplus connections age out on the server side), new ones opened on demand
  (a task per connect: the rare path); when the pool is full the request is queued and waits
  for a connection *before* `t_sent` is taken, as the aiohttp transport does, so that wait
  shows up as send lag, not as server latency;
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
from loadtui.engine.transport import AnswerDone, Done, Response, TransportOptions

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


# a request waiting for a connection: method, bytes, want_body, done, t_sent, retried
_Queued = tuple[str, bytes, bool, Done, float | None, bool]


class FastTransport:
    """CallbackTransport implementation; one per worker process (not thread-safe)."""

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
        # t_sent of a queued request is None until it owns a connection (kept for a retry)
        self._queue: collections.deque[_Queued] = collections.deque()
        self._connecting: dict[asyncio.Task[None], Done] = {}
        self._sweeper: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self.opened = 0  # connections ever opened (tests and benchmarks read it)

    # -- the hot path ------------------------------------------------------------------------
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
        """Send one request; `done(response)` follows from the event loop, never from here."""
        data = self._heads.get((method, path)) if headers is None and body is None else None
        if data is None:
            try:
                data = self._encoder.encode(method, path, headers, body)
            except (HeaderError, UnicodeError) as exc:
                now = _perf()
                response = Response(0, 0, now, now, "other", None, describe(exc))
                self._get_loop().call_soon(self._deliver, done, response)
                return
        idle = self._idle
        if idle:
            t_sent = _perf()
            idle.pop().send(method, data, want_body, done, t_sent, False, t_sent + self._timeout)
        else:
            self._dispatch(method, data, want_body, done, None, False)

    def submit_view(self, method: str, path: str, done: AnswerDone) -> None:
        """`submit` of a bare request (no headers, no body, none wanted) for a caller that
        reads its answer inside `done` and keeps nothing of it (the session recording it).

        On success `done` gets the connection itself as the `Answer`, valid only until `done`
        returns: the connection may carry the caller's next request right after. That saves
        building a `Response` per request, about 8 % of a worker's CPU on the `--url` path.
        Failures, retries and requests that wait for a connection get a `Response` as usual."""
        data = self._heads.get((method, path))
        idle = self._idle
        if data is None or not idle:
            self.submit(method, path, done=done)
            return
        t_sent = _perf()
        idle.pop().send(method, data, False, done, t_sent, False, t_sent + self._timeout, True)

    def _finish(self, conn: Http1Connection) -> None:
        """Called by a connection once its request is answered or failed."""
        done = conn.done
        assert done is not None
        if conn.error is None:
            if conn.view:  # lent as the answer for the `done` call only (submit_view)
                reuse = conn.keep_alive and not conn.closed
                if reuse and not self._queue:
                    self._idle.append(conn)  # the caller's next request may go out on it
                    self._lend(done, conn)
                    return
                # a queued request written on it (or a discard) would overwrite the answer
                # before `done` reads it: answer first
                self._lend(done, conn)
                if not reuse:
                    self._discard(conn)
                elif self._queue:
                    self._hand_over(conn)
                else:
                    self._idle.append(conn)
                return
            response = Response(
                conn.status,
                conn.bytes_in,
                conn.t_sent,
                conn.t_done,
                None,
                conn.joined_body() if conn.want_body else None,
            )
            if conn.keep_alive and not conn.closed:
                if self._queue:
                    self._hand_over(conn)
                else:
                    self._idle.append(conn)
            else:
                self._discard(conn)
            try:
                done(response)
            except Exception as exc:
                self._report(exc)
            return
        self._discard(conn)
        if (
            not conn.retried
            and conn.error == "reset"
            and conn.served > 0
            and conn.first is None
            and conn.method in IDEMPOTENT
            and not self._closed
            and _perf() < conn.t_sent + self._timeout
        ):
            # stale keep-alive connection (closed by the server as we sent): one fresh try,
            # same t_sent and deadline
            self._dispatch(conn.method, conn.data, conn.want_body, done, conn.t_sent, True)
            return
        self._deliver(done, Response(0, 0, conn.t_sent, conn.t_done, conn.error, None, conn.detail))

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        want_body: bool = False,
    ) -> Response:
        """`submit` and wait; cancelling it closes the connection the request was on."""
        loop = self._get_loop()
        fut: asyncio.Future[Response] = loop.create_future()

        def done(response: Response) -> None:
            if not fut.done():
                fut.set_result(response)

        self.submit(method, path, headers=headers, body=body, want_body=want_body, done=done)
        try:
            return await fut
        except asyncio.CancelledError:
            self._cancel(done)
            raise

    # -- pool --------------------------------------------------------------------------------
    def _dispatch(
        self,
        method: str,
        data: bytes,
        want_body: bool,
        done: Done,
        t_sent: float | None,
        retried: bool,
    ) -> None:
        """Give a request a connection: an idle one, a new one if the pool has room, or a
        place in the queue."""
        if self._idle:
            t = _perf() if t_sent is None else t_sent
            self._idle.pop().send(method, data, want_body, done, t, retried, t + self._timeout)
        elif self._closed:
            now = _perf()
            response = Response(0, 0, now, now, "other", None, "the transport is closed")
            self._get_loop().call_soon(self._deliver, done, response)
        elif self._slots < self._max:
            self._slots += 1
            self._connect(method, data, want_body, done, t_sent, retried)
        else:
            self._queue.append((method, data, want_body, done, t_sent, retried))

    def _hand_over(self, conn: Http1Connection) -> None:
        """A connection is free and requests are queued: the oldest is written on it now."""
        method, data, want_body, done, t_sent, retried = self._queue.popleft()
        t = _perf() if t_sent is None else t_sent
        conn.send(method, data, want_body, done, t, retried, t + self._timeout)

    def _wake_one(self) -> None:
        """A slot was freed: the oldest queued request (if any) gets it to open a connection."""
        if self._queue and self._slots < self._max and not self._closed:
            method, data, want_body, done, t_sent, retried = self._queue.popleft()
            self._slots += 1
            self._connect(method, data, want_body, done, t_sent, retried)

    def _connect(
        self,
        method: str,
        data: bytes,
        want_body: bool,
        done: Done,
        t_sent: float | None,
        retried: bool,
    ) -> None:
        """The request holds a slot: open a connection in a task, then write on it."""
        t = _perf() if t_sent is None else t_sent
        task = self._get_loop().create_task(
            self._connect_and_send(method, data, want_body, done, t, retried)
        )
        self._connecting[task] = done
        task.add_done_callback(self._connected)

    def _connected(self, task: asyncio.Task[None]) -> None:
        self._connecting.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            self._report(task.exception())  # type: ignore[arg-type]

    async def _connect_and_send(
        self,
        method: str,
        data: bytes,
        want_body: bool,
        done: Done,
        t_sent: float,
        retried: bool,
    ) -> None:
        deadline = t_sent + self._timeout
        try:
            opened = await self._open(deadline)
        except asyncio.CancelledError:
            if self._closed:  # the transport closed under a connect: still an answer
                now = _perf()
                done(Response(0, 0, t_sent, now, "other", None, "the transport was closed"))
            raise
        if isinstance(opened, Response):
            opened.t_sent = t_sent
            done(opened)
            return
        if self._closed:
            opened.abort()
            done(Response(0, 0, t_sent, _perf(), "other", None, "the transport was closed"))
            return
        opened.send(method, data, want_body, done, t_sent, retried, deadline)

    def _cancel(self, done: Done) -> None:
        """Give up the request whose callback is `done` (its awaiting caller was cancelled)."""
        for conn in self._conns:
            if conn.active and conn.done is done:
                self._discard(conn)  # the answer may still come: this connection is spent
                return
        for i, item in enumerate(self._queue):
            if item[3] is done:
                del self._queue[i]
                return
        for task, task_done in self._connecting.items():
            if task_done is done:
                task.cancel()  # _open frees the slot
                return

    def _discard(self, conn: Http1Connection) -> None:
        if not conn.closed or conn.active:
            conn.abort()
        if conn in self._conns:
            self._conns.discard(conn)
            self._slots -= 1
            self._wake_one()

    def _lost(self, conn: Http1Connection) -> None:
        """Called by a connection when the peer closed it; idle ones leave the pool at once."""
        if not conn.active and conn in self._conns:
            try:
                self._idle.remove(conn)
            except ValueError:
                return  # being reported right now: the pool discards it
            self._discard(conn)

    def _lend(self, done: Done, conn: Http1Connection) -> None:
        try:
            done(conn)  # type: ignore[arg-type]  # a view only goes to an AnswerDone
        except Exception as exc:
            self._report(exc)

    def _deliver(self, done: Done, response: Response) -> None:
        try:
            done(response)
        except Exception as exc:
            self._report(exc)

    def _report(self, exc: BaseException) -> None:
        """A caller's callback raised: not ours to handle, not to be lost either."""
        self._get_loop().call_exception_handler(
            {"message": "fast transport: a request callback raised", "exception": exc}
        )

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        loop = self._loop
        if loop is None:
            loop = self._loop = asyncio.get_running_loop()
        return loop

    async def _open(self, deadline: float) -> Http1Connection | Response:
        """Connect within the connect timeout (and the request's deadline); slot already held."""
        loop = self._get_loop()
        timeout = max(0.0, min(self._connect_timeout, deadline - _perf()))
        try:
            async with asyncio.timeout(timeout):
                _, conn = await loop.create_connection(
                    lambda: Http1Connection(self._finish, self._lost),
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
        if self._sweeper is None and not self._closed:
            self._sweeper = loop.call_later(self.sweep_period, self._sweep)
        return conn

    def _sweep(self) -> None:
        now = _perf()
        expired = [c for c in self._conns if 0.0 < c.deadline < now]
        for conn in expired:
            conn.fail("timeout", f"no complete response within {self._timeout:g} s")
        if self._loop is not None and not self._loop.is_closed() and not self._closed:
            self._sweeper = self._loop.call_later(self.sweep_period, self._sweep)

    async def close(self) -> None:
        """Close every connection; queued requests are answered "other", connects cancelled,
        requests on the wire end as their connection goes (`done` is still called)."""
        self._closed = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        tasks = list(self._connecting)
        for task in tasks:
            task.cancel()
        queued = list(self._queue)
        self._queue.clear()
        conns = list(self._conns)
        self._idle.clear()
        for conn in conns:
            if conn.transport is not None and not conn.closed:
                conn.closed = True
                conn.transport.close()
        self._conns.clear()
        self._slots = 0
        now = _perf()
        for item in queued:
            done, t_sent = item[3], item[4]
            response = Response(0, 0, t_sent or now, now, "other", None, "the transport was closed")
            self._deliver(done, response)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if conns:
            await asyncio.sleep(0)  # let transports run connection_lost before the loop ends
