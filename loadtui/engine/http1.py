"""HTTP/1.1 on the wire for the fast transport: request bytes out, httptools-parsed answers in.

`RequestEncoder` precomputes everything that does not change between requests (request-line
tail, Host, User-Agent, Connection, the plan's headers) so the hot path is a cache lookup or a
couple of byte concatenations. `Http1Connection` is one keep-alive connection: an
`asyncio.Protocol` that feeds bytes to `httptools.HttpResponseParser` and tells its pool when
the one request on it (no pipelining) is finished. It never raises: failures become
`error`/`detail` on the connection, read by the pool in its `on_finish` callback.

Only the callbacks we need are defined on the protocol (`on_headers_complete`, `on_body`,
`on_message_complete`, `on_chunk_header`): httptools looks them up once per parser and skips
the Python call for the others, so response headers cost no Python work at all.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Mapping

from httptools import HttpParserError, HttpResponseParser

from loadtui.contracts import ErrorClass
from loadtui.engine.transport import Done

_perf = time.perf_counter
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:", re.IGNORECASE)
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
# Headers the encoder owns: the caller's value replaces the default (Host, User-Agent,
# Connection) or is dropped because the encoder computes it from the body (Content-Length).
_COMPUTED = frozenset({"content-length", "transfer-encoding"})
PATH_CACHE_LIMIT = 4096  # distinct (method, target) pairs kept as ready-made request heads


class HeaderError(ValueError):
    """A header name or value that would break the request framing (CR/LF, bad name)."""


def _header_line(name: str, value: str) -> bytes:
    if not _TOKEN.match(name):
        raise HeaderError(f"invalid header name {name!r}")
    if "\r" in value or "\n" in value or "\0" in value:
        raise HeaderError(f"header {name!r} has a line break in its value")
    return f"{name}: {value}\r\n".encode()


class RequestEncoder:
    """Builds request bytes; defaults are encoded once, per-request headers merged by name."""

    def __init__(self, host_header: str, prefix: str, defaults: Mapping[str, str]) -> None:
        merged: dict[str, tuple[str, str]] = {"host": ("Host", host_header)}
        for name, value in defaults.items():
            if name.lower() in _COMPUTED:
                continue
            merged[name.lower()] = (name, value)
        self._defaults = merged
        self._default_block = b"".join(_header_line(n, v) for n, v in merged.values())
        self._tail = b" HTTP/1.1\r\n" + self._default_block + b"\r\n"
        self._prefix = prefix
        self.heads: dict[tuple[str, str], bytes] = {}  # ready-made heads, no headers/body

    def target(self, path: str) -> bytes:
        """The request target as bytes; whitespace and control characters are refused."""
        full = self._prefix + path if self._prefix else path
        raw = full.encode("utf-8")  # non-ASCII bytes pass as-is, like curl does
        if b" " in raw or b"\r" in raw or b"\n" in raw or b"\t" in raw or not raw:
            raise HeaderError(f"request target {full[:80]!r} contains whitespace or is empty")
        return raw

    def encode(
        self, method: str, path: str, headers: Mapping[str, str] | None, body: bytes | None
    ) -> bytes:
        if not headers and body is None:
            key = (method, path)
            head = self.heads.get(key)
            if head is None:
                if not _TOKEN.match(method):
                    raise HeaderError(f"invalid method {method!r}")
                head = method.encode("ascii") + b" " + self.target(path) + self._tail
                if len(self.heads) < PATH_CACHE_LIMIT:
                    self.heads[key] = head
            return head
        if not _TOKEN.match(method):
            raise HeaderError(f"invalid method {method!r}")
        line = method.encode("ascii") + b" " + self.target(path) + b" HTTP/1.1\r\n"
        if headers:
            lowered = {n.lower() for n in headers}
            if lowered.isdisjoint(self._defaults):
                block = self._default_block
            else:
                block = b"".join(
                    _header_line(n, v) for k, (n, v) in self._defaults.items() if k not in lowered
                )
            extra = b"".join(
                _header_line(n, v) for n, v in headers.items() if n.lower() not in _COMPUTED
            )
        else:
            block, extra = self._default_block, b""
        if body is None:
            if method in ("POST", "PUT", "PATCH"):
                return line + block + extra + b"Content-Length: 0\r\n\r\n"
            return line + block + extra + b"\r\n"
        return b"%s%s%sContent-Length: %d\r\n\r\n%s" % (line, block, extra, len(body), body)


class Http1Connection(asyncio.Protocol):
    """One keep-alive connection carrying one request at a time.

    Per-request state lives in plain attributes reset by `send`: what was asked (`method`,
    `data`, `want_body`, `done`, `t_sent`, `retried`, `view`, set by the pool and read back by
    it) and what came back (`status`, `bytes_in`, `t_done`, `error`, `detail`, `keep_alive`):
    the fields of an `Answer`, so the pool can lend the connection itself as one. When the answer is
    complete or the request failed, the connection calls `on_finish(self)` once, never from
    inside the parser (a callback that sends the next request on this very connection must not
    run while llhttp is still in its `feed_data`). `deadline` is a perf_counter instant checked
    by the pool's sweeper (0.0 when idle).
    """

    __slots__ = (
        "active",
        "bytes_in",
        "chunked",
        "closed",
        "data",
        "deadline",
        "detail",
        "done",
        "error",
        "finished",
        "first",
        "headers_done",
        "is_head",
        "keep_alive",
        "method",
        "on_finish",
        "on_lost",
        "parser",
        "parts",
        "retried",
        "served",
        "status",
        "t_done",
        "t_sent",
        "transport",
        "view",
        "want_body",
    )

    def __init__(
        self,
        on_finish: Callable[[Http1Connection], None],
        on_lost: Callable[[Http1Connection], None],
    ) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = HttpResponseParser(self)
        self.on_finish = on_finish
        self.on_lost = on_lost
        self.active = False  # a request is on this connection and not finished yet
        self.finished = False  # completed inside the parser; reported after feed_data
        self.method = ""
        self.data = b""
        self.done: Done | None = None
        self.t_sent = 0.0
        self.retried = False
        self.want_body = False
        self.view = False  # the pool may lend this connection as the answer (submit_view)
        self.is_head = False
        self.status = 0
        self.bytes_in = 0
        self.parts: list[bytes] = []
        self.headers_done = False
        self.first: bytes | None = None  # first data chunk of the answer (holds the head)
        self.chunked = False
        self.keep_alive = True
        self.t_done = 0.0
        self.error: ErrorClass | None = None
        self.detail = ""
        self.deadline = 0.0
        self.closed = False
        self.served = 0  # answers completed on this connection (reuse count + 1)

    # -- driven by the pool ----------------------------------------------------------------
    def send(
        self,
        method: str,
        data: bytes,
        want_body: bool,
        done: Done,
        t_sent: float,
        retried: bool,
        deadline: float,
        view: bool = False,
    ) -> None:
        """Write one request; `on_finish` follows later, from the event loop, never from here."""
        self.view = view
        self.method = method
        self.data = data
        self.done = done
        self.t_sent = t_sent
        self.retried = retried
        self.status = 0
        self.bytes_in = 0
        self.headers_done = False
        self.first = None
        self.chunked = False
        self.error = None
        self.want_body = want_body
        if want_body:
            self.parts = []
        self.is_head = method == "HEAD"
        self.deadline = deadline
        self.active = True
        try:
            self.transport.write(data)  # type: ignore[union-attr]
        except Exception as exc:  # a handle already closed under us: fail on the next turn
            asyncio.get_running_loop().call_soon(
                self.fail, "reset", f"{type(exc).__name__}: {exc}"[:200]
            )

    def joined_body(self) -> bytes:
        return b"".join(self.parts)

    def fail(self, error: ErrorClass, detail: str) -> None:
        """End the current request with an error class and close the connection for good."""
        self.deadline = 0.0
        if self.error is None:
            self.error = error
            self.detail = detail
        self.t_done = _perf()
        self.closed = True
        if self.transport is not None:
            self.transport.abort()
        if self.active:
            self.active = False
            self.finished = False
            self.on_finish(self)

    def abort(self) -> None:
        """Close for good without reporting anything (the pool gave the request up)."""
        self.active = False
        self.closed = True
        self.deadline = 0.0
        if self.transport is not None:
            self.transport.abort()

    # -- asyncio.Protocol -------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if not self.active:
            # bytes nobody asked for (a late answer after a timeout, or garbage): unusable
            self.closed = True
            self.transport.abort()  # type: ignore[union-attr]
            return
        if self.first is None:
            self.first = data
        try:
            self.parser.feed_data(data)
        except HttpParserError as exc:
            if not self.finished:
                self.fail("bad_response", f"{type(exc).__name__}: {exc}"[:200])
                return
            # garbage after a complete answer: the answer stands, the connection goes
            self.closed = True
            self.transport.abort()  # type: ignore[union-attr]
        if self.finished:
            self.finished = False
            if self.is_head:
                # llhttp cannot be told a response answers HEAD; start afresh for the next one
                self.parser = HttpResponseParser(self)
            self.on_finish(self)

    def eof_received(self) -> bool | None:
        return None  # let the transport close; connection_lost decides what it meant

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.active:
            if self.headers_done and exc is None and self._ends_at_eof():
                self._complete()  # HTTP/1.0-style body delimited by the connection close
                self.finished = False
                self.on_finish(self)
            elif exc is not None:
                self.fail("reset", f"{type(exc).__name__}: {exc}"[:200])
            elif self.headers_done:
                self.fail("reset", "connection closed in the middle of the response body")
            else:
                self.fail("reset", "connection closed before a complete response head")
        self.on_lost(self)

    def _ends_at_eof(self) -> bool:
        if self.chunked or self.parser.should_keep_alive():
            return False
        head = self.first or b""
        end = head.find(b"\r\n\r\n")
        return _CONTENT_LENGTH.search(head, 0, end if end >= 0 else len(head)) is None

    # -- httptools callbacks ----------------------------------------------------------------
    def on_headers_complete(self) -> None:
        # keep-alive is read once the answer is complete (`_ends_at_eof` reads it for itself)
        self.headers_done = True
        self.status = self.parser.get_status_code()
        if self.is_head and self.status >= 200:
            self.keep_alive = self.parser.should_keep_alive()
            self._complete()

    def on_chunk_header(self) -> None:
        self.chunked = True

    def on_body(self, body: bytes) -> None:
        self.bytes_in += len(body)
        if self.want_body:
            self.parts.append(body)

    def on_message_complete(self) -> None:
        if self.status < 200 and self.status != 101:
            # 1xx interim answer (103 Early Hints...): the real one follows on the same bytes
            self.headers_done = False
            self.first = None
            return
        if self.is_head or not self.active:
            return  # already completed at the head, or bytes after a complete answer
        # `_complete`, inlined: this runs once per request
        self.keep_alive = self.parser.should_keep_alive()
        self.t_done = _perf()
        self.deadline = 0.0
        self.served += 1
        self.active = False
        self.finished = True

    def _complete(self) -> None:
        """The answer is whole: mark it; the caller of the parser reports it."""
        if not self.active:
            return
        self.t_done = _perf()
        self.deadline = 0.0
        self.served += 1
        self.active = False
        self.finished = True
