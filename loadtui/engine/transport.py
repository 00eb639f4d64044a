"""The seam between the engine and the wire.

Sessions, schedules and metrics talk only to `Transport`; `aiohttp` (full HTTP semantics) and
`fast` (uvloop protocol + httptools parser, plain HTTP/1.1) implement it. A transport never
raises for network trouble: it returns a `Response` whose `error` names the class, so one bad
connection is a counted data point, not a crashed worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from loadtui.contracts import ErrorClass


@dataclass(slots=True)
class Response:
    status: int  # 0 when no status line arrived
    bytes_in: int  # body bytes received
    t_sent: float  # time.perf_counter() when the request was handed to the socket
    t_done: float  # time.perf_counter() when the body was complete (or the error seen)
    error: ErrorClass | None = None  # network/protocol class; HTTP status classes are added later
    body: bytes | None = None  # only when the caller asked for it (login steps)
    detail: str = ""  # short human text for the first examples of an error


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
