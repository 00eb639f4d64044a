"""Small purpose-built HTTP servers for engine tests, each on 127.0.0.1 in a background thread.

They speak just enough HTTP/1.1 (keep-alive, Content-Length bodies) to be driven by the real
client transports, and misbehave on purpose: stall, reset mid-body, hang, answer garbage.
"""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
from dataclasses import dataclass, field


def next_request(buf: bytes) -> tuple[str, bytes, bytes] | None:
    """(head, body, rest) of the first complete HTTP/1.1 request in `buf`, or None if partial.

    Test servers answer at the byte level (so they can misbehave on purpose); this is the one
    place they find where a request ends.
    """
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = buf[:end].decode("latin-1")
    length = 0
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    if len(buf) < end + 4 + length:
        return None
    return head, buf[end + 4 : end + 4 + length], buf[end + 4 + length :]


@dataclass
class ServerBehaviour:
    mode: str = "ok"  # ok | stall | reset | hang | garbage | by_path (/reset, /status/503, ...)
    body: bytes = b"hello world\n"
    status: int = 200
    stall_every_s: float = 10.0
    stall_for_s: float = 1.0
    stall_phase_s: float = 3.0  # first stall starts this long after the server started
    started: float = field(default_factory=time.monotonic)
    requests: int = 0
    delay_s: float = 0.0  # every answer waits this long (a fixed service time)
    seen: list[str] = field(default_factory=list)  # request heads, when record=True
    record: bool = False


class _Handler(asyncio.Protocol):
    def __init__(self, behaviour: ServerBehaviour) -> None:
        self.b = behaviour
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while (request := next_request(self.buf)) is not None:
            head, body, self.buf = request
            self.b.requests += 1
            if self.b.record:
                self.b.seen.append(head + "\r\n\r\n" + body.decode("latin-1"))
            path = head.split(" ", 2)[1] if head.count(" ") >= 2 else "/"
            asyncio.get_running_loop().create_task(self.answer(path))

    async def answer(self, path: str) -> None:
        t = self.transport
        assert t is not None
        b = self.b
        mode, status, body = b.mode, b.status, b.body
        if mode == "by_path":
            if path.startswith("/login"):
                body = b'{"token": "tok-123"}'
            parts = path.split("?")[0].strip("/").split("/")
            mode = parts[0] if parts[0] in ("reset", "hang", "garbage") else "ok"
            if parts[0] == "status" and len(parts) > 1:
                status = int(parts[1])
        if b.delay_s:
            await asyncio.sleep(b.delay_s)
        if mode == "hang":
            return
        if mode == "garbage":
            t.write(b"THIS IS NOT HTTP AT ALL\r\n\r\n")
            t.close()
            return
        if mode == "reset":
            t.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100)
            await asyncio.sleep(0.01)
            sock = t.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            t.abort()
            return
        if mode == "stall":
            phase = (time.monotonic() - b.started - b.stall_phase_s) % b.stall_every_s
            if time.monotonic() - b.started >= b.stall_phase_s and phase < b.stall_for_s:
                await asyncio.sleep(b.stall_for_s - phase)
        if t.is_closing():
            return
        t.write(
            b"HTTP/1.1 %d OK\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n\r\n%s"
            % (status, len(body), body)
        )


class LocalServer:
    """A raw asyncio HTTP server running its own loop in a daemon thread."""

    def __init__(self, behaviour: ServerBehaviour) -> None:
        self.behaviour = behaviour
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._server: asyncio.Server | None = None
        self.port = 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def boot() -> None:
            self._server = await self.loop.create_server(
                lambda: _Handler(self.behaviour), "127.0.0.1", 0, backlog=1024
            )
            self.port = self._server.sockets[0].getsockname()[1]
            self.behaviour.started = time.monotonic()
            self._ready.set()

        self.loop.run_until_complete(boot())
        self.loop.run_forever()

    def __enter__(self) -> LocalServer:
        self._thread.start()
        assert self._ready.wait(10), "test server did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            self.loop.stop()

        self.loop.call_soon_threadsafe(shutdown)
        self._thread.join(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def closed_port_url() -> str:
    """A URL whose port nobody listens on (bound then released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"
