"""Fixtures for engine tests: local servers that are always stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from engine_servers import LocalServer, ServerBehaviour


@pytest.fixture
def local_server() -> Iterator[Callable[..., LocalServer]]:
    started: list[LocalServer] = []

    def start(**kw: object) -> LocalServer:
        server = LocalServer(ServerBehaviour(**kw))  # type: ignore[arg-type]
        server.__enter__()
        started.append(server)
        return server

    try:
        yield start
    finally:
        for s in started:
            s.__exit__(None, None, None)
