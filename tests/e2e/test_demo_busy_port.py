"""`make demo` (`loadtui demo --port N`) with N taken by another server: that server gets no
request, not even a probe; the TUI plans, runs and ends against the demo target it started.

The real app runs headless (Textual's pilot) in place of the terminal UI, built exactly as
`loadtui demo` builds it (`launch.build_app`), with one worker and a short run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import Input

from loadtui.cli import main
from loadtui.target.reach import demo_answers
from loadtui.tui import launch as launch_mod
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.screens.modals import ConfirmScreen, PromptScreen
from loadtui.tui.screens.run import RunScreen

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


class Stranger(socketserver.ThreadingTCPServer):
    """A plain HTTP listener that is not the demo target; it counts what reaches it."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), StrangerHandler)
        self.connections = 0
        self.requests: list[bytes] = []
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class StrangerHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        server = self.server
        assert isinstance(server, Stranger)
        with server.lock:
            server.connections += 1
        self.request.settimeout(2)
        try:
            data = self.request.recv(65536)
        except OSError:
            return
        if data:
            with server.lock:
                server.requests.append(data.split(b"\r\n", 1)[0])
            body = json.dumps({"status": "ok", "service": "someone-else"}).encode()
            head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
            self.request.sendall(head + body)


@pytest.fixture
def stranger() -> Iterator[Stranger]:
    server = Stranger()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


async def _until(check: object, timeout: float) -> bool:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if check():  # type: ignore[operator]
            return True
        await asyncio.sleep(0.2)
    return bool(check())  # type: ignore[operator]


async def _plan_run_and_stop(app: LoadtuiApp, seen: dict[str, object]) -> None:
    """Personas → Run pane (the plan shown first) → a 20 s run → stop once it loads."""
    async with app.run_test(size=(80, 24)) as pilot:
        assert await _until(lambda: app.workspace.model is not None, 60), "no personas"
        await pilot.press("enter")  # plan the personas: the Run pane
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RunScreen) and screen.upcoming is not None
        seen["planned_target"] = screen.upcoming.target
        seen["peak_line"] = screen.plan_preview()[0].lines[0]  # type: ignore[union-attr]
        await pilot.press("d")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        prompt.query_one(Input).value = "20s"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # start
        loaded = await _until(
            lambda: screen.last is not None and any(screen.rows["rps"].series), 40
        )
        assert loaded, f"no load reached the demo target (state {screen.state})"
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        assert await _until(lambda: screen.state == "ended", 40)
        seen["record"] = screen.record
        await pilot.press("q")


def test_demo_on_a_taken_port_never_sends_that_server_a_request(
    stranger: Stranger,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    seen: dict[str, object] = {}

    def headless_launch(args: argparse.Namespace) -> int:
        seen["args"] = args
        app = launch_mod.build_app(args, workers=1, out_dir=tmp_path / "runs")
        try:
            asyncio.run(_plan_run_and_stop(app, seen))
        finally:
            app.run_cleanups()
        return 0

    monkeypatch.setattr(launch_mod, "launch", headless_launch)
    assert main(["demo", "--port", str(stranger.port)]) == 0

    args = seen["args"]
    assert isinstance(args, argparse.Namespace)
    taken = f"http://127.0.0.1:{stranger.port}"
    assert args.target != taken and args.target.startswith("http://127.0.0.1:")
    assert f"port {stranger.port} on 127.0.0.1 is in use" in capsys.readouterr().err
    assert args.notice and args.target in args.notice  # the TUI says so too
    assert seen["planned_target"] == args.target  # the plan shown before the start
    assert seen["peak_line"] == "peak 200 req/s (demo default)"  # the wizard's first stress run
    record = seen["record"]
    assert record is not None and record.target == args.target  # type: ignore[attr-defined]
    assert record.metrics["http_reqs"]["count"] > 0  # type: ignore[attr-defined]
    assert stranger.connections == 0 and stranger.requests == []


def test_the_demo_probe_takes_no_other_server_for_the_demo(stranger: Stranger) -> None:
    """What a plain `loadtui` (no --target) asks a server on the demo URL before loading it:
    one GET /health, and a server that does not name the demo service is not loaded."""
    assert not demo_answers(f"http://127.0.0.1:{stranger.port}")
    assert stranger.requests == [b"GET /health HTTP/1.1"]


def test_a_busy_port_is_seen_as_busy(stranger: Stranger) -> None:
    from loadtui.commands.demo import port_is_free

    assert not port_is_free(stranger.port)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    assert port_is_free(free)
