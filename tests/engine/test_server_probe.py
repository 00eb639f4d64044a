"""The utilization probe against real servers on 127.0.0.1: the demo target's busy time is read
as the busy fraction of its slots, and a server that is not a loadtui target is never asked
for `/_stats`."""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from loadtui.engine.server_probe import ServerProbe
from loadtui.target.process import TargetProcess


def _hammer(url: str, until: float) -> None:
    while time.monotonic() < until:
        with urllib.request.urlopen(url, timeout=5) as r:
            r.read()


def test_two_slots_kept_busy_read_as_full_utilization() -> None:
    """Capacity 2, 50 ms service: four clients keep both slots busy (utilization ≈ 1), then
    nothing runs (≈ 0)."""
    with TargetProcess(capacity=2, service_ms=50.0, seed=1) as target:
        probe = ServerProbe(target.url)
        t0 = time.monotonic()
        probe.start(t0)
        try:
            until = t0 + 1.2
            clients = [
                threading.Thread(target=_hammer, args=(target.url + "/products/1", until))
                for _ in range(4)
            ]
            for c in clients:
                c.start()
            for c in clients:
                c.join()
            idle_from = time.monotonic() - t0 + 0.1
            time.sleep(0.7)
            busy = probe.utilization(0.3, 1.1)
            idle = probe.utilization(idle_from, idle_from + 0.5)
        finally:
            probe.stop()
    assert probe.active
    assert busy is not None and busy == pytest.approx(1.0, abs=0.1)
    assert idle is not None and idle == pytest.approx(0.0, abs=0.02)


class _Stranger(BaseHTTPRequestHandler):
    paths: list[str] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        body = b'{"busy_s": 1.0, "capacity": 4}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stranger() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stranger)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_that_is_not_a_loadtui_target_is_never_asked_for_stats(stranger: str) -> None:
    _Stranger.paths.clear()
    probe = ServerProbe(stranger)
    probe.start(time.monotonic())
    time.sleep(0.3)
    probe.stop()
    assert not probe.active
    assert probe.utilization(0.0, 0.3) is None
    assert _Stranger.paths == ["/health"]  # its /health does not name the service
