"""A local OpenAI-compatible chat endpoint for tests: scripted replies, recorded requests.

`StubLlm` serves `POST /v1/chat/completions` on 127.0.0.1 from a thread (http.server), answers
each request with the next `Reply` of its script (the last one repeats), and records every
request body and its headers, so a test can assert on what the real `openai` client sent. A
reply with `hang=True` waits until the server stops, like an endpoint that never answers.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str | None = None  # the assistant message text
    status: int = 200
    error: str = ""  # the error message for a non-200 status
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False
    tool_call: bool = False  # answer with a tool call instead of content
    reject_json_schema: bool = False  # 400 when response_format is json_schema


def answer(data: dict[str, Any]) -> Reply:
    """A 200 whose message content is `data` as JSON."""
    return Reply(content=json.dumps(data))


@dataclass
class Seen:
    body: dict[str, Any]
    headers: dict[str, str]
    raw: bytes


class StubLlm:
    def __init__(self, script: list[Reply]) -> None:
        self.script = list(script)
        self.seen: list[Seen] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet test output
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                body = json.loads(raw or b"{}")
                with stub._lock:
                    stub.seen.append(
                        Seen(body, {k.lower(): v for k, v in self.headers.items()}, raw)
                    )
                    index = min(len(stub.seen) - 1, len(stub.script) - 1)
                    reply = stub.script[index]
                if self.path.rstrip("/") != "/v1/chat/completions":
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                fmt = (body.get("response_format") or {}).get("type")
                if reply.reject_json_schema and fmt == "json_schema":
                    self._send(
                        400, {"error": {"message": "response_format json_schema is not supported"}}
                    )
                    return
                if reply.hang:
                    stub._stop.wait(30)
                    return
                if reply.status != 200:
                    self._send(
                        reply.status, {"error": {"message": reply.error or "error"}}, reply.headers
                    )
                    return
                message: dict[str, Any] = {"role": "assistant", "content": reply.content}
                if reply.tool_call:
                    message = {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "id": "call_1",
                                "type": "function",
                                "function": {"name": "shell", "arguments": '{"cmd": "id"}'},
                            }
                        ],
                    }
                self._send(
                    200,
                    {
                        "id": f"chatcmpl-{len(stub.seen)}",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "stub"),
                        "choices": [
                            {
                                "index": 0,
                                "message": message,
                                "finish_reason": "tool_calls" if reply.tool_call else "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                    reply.headers,
                )

            def _send(
                self, status: int, data: dict[str, Any], headers: dict[str, str] | None = None
            ) -> None:
                payload = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> StubLlm:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()  # releases hanging handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def bodies_text(self) -> str:
        """Every request body as received (bytes decoded), for 'never sent' assertions."""
        return "\n".join(s.raw.decode("utf-8", "replace") for s in self.seen)
