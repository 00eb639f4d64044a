"""The seam between the engine and the wire.

Sessions, schedules and metrics talk only to `Transport`; `aiohttp` (full HTTP semantics) and
`fast` (uvloop protocol + httptools parser, plain HTTP/1.1) implement it. A transport never
raises for network trouble: it returns a `Response` whose `error` names the class, so one bad
connection is a counted data point, not a crashed worker.

Workers drive requests through `CallbackTransport.submit`, which calls `done(response)` when
the answer is in: no Future, no Task wake-up and no coroutine frames per request (on the fast
transport that machinery cost about a third of a worker's CPU). `with_callbacks` gives every
transport that API: the fast one has it natively, others get `TaskSubmit` (a task per request).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, cast

from loadtui.contracts import ErrorClass
from loadtui.engine.errors import describe


@dataclass(slots=True)
class Response:
    status: int  # 0 when no status line arrived
    bytes_in: int  # body bytes received
    t_sent: float  # time.perf_counter() when the request was handed to the socket
    t_done: float  # time.perf_counter() when the body was complete (or the error seen)
    error: ErrorClass | None = None  # network/protocol class; HTTP status classes are added later
    body: bytes | None = None  # only when the caller asked for it (login steps)
    detail: str = ""  # short human text for the first examples of an error


class Answer(Protocol):
    """What a request's recorder reads: a `Response`, or a fast-transport connection lent as
    a view for the duration of one `done` call (see `FastTransport.submit_view`)."""

    @property
    def status(self) -> int: ...
    @property
    def bytes_in(self) -> int: ...
    @property
    def t_sent(self) -> float: ...
    @property
    def t_done(self) -> float: ...
    @property
    def error(self) -> ErrorClass | None: ...
    @property
    def detail(self) -> str: ...


@dataclass(slots=True)
class TransportOptions:
    request_timeout_s: float = 10.0
    connect_timeout_s: float = 5.0
    max_connections: int = 1000
    headers: Mapping[str, str] | None = None  # sent with every request
    verify_tls: bool = True  # False: accept any certificate (self-signed staging targets)


class Transport(Protocol):
    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        want_body: bool = False,
    ) -> Response:
        """Send one request to `path` (with query) on the transport's base URL."""
        ...

    async def close(self) -> None: ...


Done = Callable[[Response], None]
AnswerDone = Callable[[Answer], None]  # a callback that reads its answer and keeps nothing


class Submit(Protocol):
    """A transport's bound `submit` (see `CallbackTransport`)."""

    def __call__(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        want_body: bool = False,
        done: Done,
    ) -> None: ...


class CallbackTransport(Transport, Protocol):
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
        """Send one request; `done(response)` is called once, later, from the event loop.

        Never from inside `submit` itself (a failure found at once is delivered with
        `call_soon`), so a caller that submits again from `done` cannot recurse."""
        ...


class TaskSubmit:
    """`submit` for a transport that only has `async request`: one task per request.

    `close` cancels the requests still running (their `done` is not called) and closes the
    transport underneath."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner
        self._tasks: set[asyncio.Task[Response]] = set()

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        want_body: bool = False,
    ) -> Response:
        return await self.inner.request(
            method, path, headers=headers, body=body, want_body=want_body
        )

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
        coro = self.inner.request(method, path, headers=headers, body=body, want_body=want_body)
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(functools.partial(self._finished, done))

    def _finished(self, done: Done, task: asyncio.Task[Response]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            done(task.result())
            return
        # a transport bug, not network trouble: say so loudly, count it as an error
        task.get_loop().call_exception_handler(
            {"message": "transport request raised", "exception": exc, "task": task}
        )
        now = time.perf_counter()
        done(Response(0, 0, now, now, "other", None, describe(exc)))

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.inner.close()


def with_callbacks(transport: Transport) -> CallbackTransport:
    """The transport itself when it has `submit`, else a `TaskSubmit` around it."""
    if callable(getattr(transport, "submit", None)):
        return cast(CallbackTransport, transport)
    return TaskSubmit(transport)


TRANSPORT_KINDS = ("aiohttp", "fast")


def fast_available() -> bool:
    """Whether the fast transport module is installed in this tree."""
    import importlib.util

    return importlib.util.find_spec("loadtui.engine.transport_fast") is not None


def make_transport(kind: str, base_url: str, options: TransportOptions | None = None) -> Transport:
    """Build a transport by name ("aiohttp" or "fast"); `auto` is resolved by the runner first."""
    opts = options or TransportOptions()
    if kind == "aiohttp":
        from loadtui.engine.transport_aiohttp import AiohttpTransport

        return AiohttpTransport(base_url, opts)
    if kind == "fast":
        import importlib

        transport_fast = importlib.import_module("loadtui.engine.transport_fast")
        factory = getattr(transport_fast, "FastTransport", None)
        if factory is None:
            raise ValueError("loadtui.engine.transport_fast has no FastTransport class")
        transport: Transport = factory(base_url, opts)
        return transport
    raise ValueError(f"unknown transport {kind!r}; use one of: {', '.join(TRANSPORT_KINDS)}")
