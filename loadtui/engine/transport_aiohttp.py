"""The aiohttp transport: full HTTP semantics (TLS, chunked, gzip) over keep-alive connections.

One `ClientSession` per worker process with a bounded `TCPConnector`. A semaphore with the same
size as the pool is held around each request so that `t_sent` is taken when a connection is
actually available: time spent queueing for a connection is generator-side waiting and shows up
as send lag / corrected latency, not as service time. Redirects are never followed and the
environment's proxies are ignored, so the run cannot be steered off the host the user named.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

import aiohttp
from yarl import URL

from loadtui.engine.errors import classify_exception, describe
from loadtui.engine.transport import Response, TransportOptions


class AiohttpTransport:
    def __init__(self, base_url: str, options: TransportOptions | None = None) -> None:
        self.options = options or TransportOptions()
        self.base = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        self._slots: asyncio.Semaphore | None = None

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
        timeout = aiohttp.ClientTimeout(
            total=opts.request_timeout_s,
            sock_connect=opts.connect_timeout_s,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            headers=dict(opts.headers or {}),
            cookie_jar=aiohttp.DummyCookieJar(),  # VUs share the session; never share cookies
            trust_env=False,  # no proxies from the environment: talk to the named host only
            raise_for_status=False,
            skip_auto_headers=(),
        )
        self._slots = asyncio.Semaphore(opts.max_connections)
        return self._session

    async def request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        want_body: bool = False,
    ) -> Response:
        session = self._session or self._open()
        slots = self._slots
        assert slots is not None
        url = URL(self.base + path, encoded=True)
        async with slots:
            t_sent = time.perf_counter()
            try:
                async with session.request(
                    method,
                    url,
                    headers=headers,
                    data=body,
                    allow_redirects=False,
                ) as resp:
                    data = await resp.read()
                    return Response(
                        status=resp.status,
                        bytes_in=len(data),
                        t_sent=t_sent,
                        t_done=time.perf_counter(),
                        body=data if want_body else None,
                    )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # every network failure becomes a counted data point
                return Response(
                    status=0,
                    bytes_in=0,
                    t_sent=t_sent,
                    t_done=time.perf_counter(),
                    error=classify_exception(exc),
                    detail=describe(exc),
                )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
