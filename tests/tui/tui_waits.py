"""Shared by the TUI tests that run the real engine: the demo target and polling the screen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from loadtui.target.process import TargetProcess


@contextmanager
def demo_target(service_ms: float) -> Iterator[TargetProcess]:
    """The built-in demo target on 127.0.0.1, stopped however the test ends."""
    proc = TargetProcess(capacity=32, service_ms=service_ms)
    try:
        yield proc
    finally:
        proc.stop()


async def wait_for(check: Callable[[], bool], timeout: float) -> bool:
    """Poll `check` while the app keeps running; False if it never held within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.2)
    return check()
