"""Error classes: every failure is one counted data point with a class, never a crashed worker.

Network/protocol classes come from the transport (`classify_exception` maps what the client
library raised); HTTP status classes are added on top by `classify`, following k6's idea that a
4xx/5xx answer is a failed request (`http_req_failed`) even though the transport succeeded.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from typing import TYPE_CHECKING

from loadtui.contracts import ErrorClass

if TYPE_CHECKING:
    from loadtui.engine.transport import Response

_REFUSED = {errno.ECONNREFUSED}
_RESET = {errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED, errno.ESHUTDOWN}
_TIMEOUT = {errno.ETIMEDOUT}


def _errno_class(code: int | None) -> ErrorClass | None:
    if code in _REFUSED:
        return "refused"
    if code in _RESET:
        return "reset"
    if code in _TIMEOUT:
        return "timeout"
    return None


def classify_exception(exc: BaseException) -> ErrorClass:
    """Map an exception raised while sending/receiving one request to its error class."""
    try:
        import aiohttp
    except ImportError:  # pragma: no cover - aiohttp is a hard dependency
        aiohttp = None  # type: ignore[assignment]

    if aiohttp is not None:
        dns_error = getattr(aiohttp, "ClientConnectorDNSError", None)
        if dns_error is not None and isinstance(exc, dns_error):
            return "dns"
        if isinstance(exc, aiohttp.ClientConnectorError):
            os_error = getattr(exc, "os_error", None)
            if isinstance(os_error, socket.gaierror):
                return "dns"
            if isinstance(os_error, TimeoutError):
                return "timeout"
            return _errno_class(getattr(os_error, "errno", None)) or "refused"
        if isinstance(exc, aiohttp.ServerTimeoutError):
            return "timeout"
        if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
            return "reset"
        if isinstance(exc, aiohttp.ClientResponseError):
            return "bad_response"
        if isinstance(exc, aiohttp.InvalidURL):
            return "other"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "timeout"
    if isinstance(exc, socket.gaierror):
        return "dns"
    if isinstance(exc, ConnectionRefusedError):
        return "refused"
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return "reset"
    if isinstance(exc, OSError):
        return _errno_class(exc.errno) or "other"
    if isinstance(exc, ValueError | UnicodeError):
        # parsers raise these for malformed status lines and headers
        return "bad_response"
    return "other"


def status_class(status: int) -> ErrorClass | None:
    """k6's expected_response: 200..399 is fine; 4xx and 5xx are failed requests."""
    if 400 <= status < 500:
        return "http_4xx"
    if status >= 500:
        return "http_5xx"
    return None


def classify(response: Response) -> ErrorClass | None:
    """The error class of a finished request, or None when it succeeded."""
    if response.error is not None:
        return response.error
    if response.status == 0:
        return "bad_response"
    return status_class(response.status)


def describe(exc: BaseException) -> str:
    """A short, single-line description for the first examples of an error class."""
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ").replace("\r", " ")
    return text[:200]
