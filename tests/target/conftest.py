"""A demo target served in-process on 127.0.0.1 (a real server, a real client)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from loadtui.target.app import make_app
from loadtui.target.capacity import Settings

Served = tuple[str, aiohttp.ClientSession]


@asynccontextmanager
async def _served(settings: Settings) -> AsyncIterator[Served]:
    server = TestServer(make_app(settings, seed=5), host="127.0.0.1", port=0)
    await server.start_server()
    connector = aiohttp.TCPConnector(limit=0)
    try:
        async with aiohttp.ClientSession(connector=connector) as session:
            yield str(server.make_url("")).rstrip("/"), session
    finally:
        await server.close()


@pytest.fixture
def served() -> Callable[[Settings], AbstractAsyncContextManager[Served]]:
    return _served
