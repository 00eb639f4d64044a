"""Reaching the system under test: is it up, is it our demo target, start the demo if needed.

The demo target is what `make demo` and first-time users hit: if nothing answers on the demo
URL, a run may start one (a child process, stopped with the run) so it never fails just because
no server was started. A server on the demo port that is not the demo target (its `/health`
does not name the service) is never loaded: the demo starts on a free port instead. Any other
target must already be up: we say so instead of guessing.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from loadtui.errors import UserError
from loadtui.target.process import TargetError, TargetProcess

DEMO_TARGET = "http://127.0.0.1:8080"
SERVICE_NAME = "loadtui-demo-target"  # named by /health: a stranger on :8080 is never loaded
PROBE_TIMEOUT_S = 1.5


def is_demo(url: str | None) -> bool:
    """The demo URL (or none given, which means the demo)."""
    if url is None:
        return True
    parts = urlsplit(url)
    return (parts.hostname, parts.port) in (("127.0.0.1", 8080), ("localhost", 8080))


def demo_answers(url: str) -> bool:
    """True when a demo target (not just any server) answers on `url`."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=PROBE_TIMEOUT_S) as r:
            if r.status != 200:
                return False
            body = json.loads(r.read(4096) or b"{}")
    except (urllib.error.URLError, OSError, ValueError):
        return False
    return isinstance(body, dict) and body.get("service") == SERVICE_NAME


def check_reachable(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> None:
    """Fail fast (UserError, exit 2) when nothing listens at the target, instead of a run of
    connection errors."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), min(timeout_s, 5.0)):
            pass
    except OSError as exc:
        raise UserError(
            f"target {url} is not reachable ({exc.strerror or exc}); start it "
            "(e.g. `loadtui target`) or pass --target URL"
        ) from exc


def ensure_target(url: str | None) -> tuple[str, TargetProcess | None]:
    """(base URL to load, the TargetProcess we started or None). Blocking: call from a thread.

    Only the demo URL gets a target started; anything else must answer already."""
    if not is_demo(url):
        assert url is not None
        check_reachable(url)
        return url, None
    wanted = url or DEMO_TARGET
    if demo_answers(wanted):
        return wanted, None
    try:
        proc = TargetProcess(port=urlsplit(wanted).port or 0)
    except TargetError:
        proc = TargetProcess(port=0)  # the port is taken by something else: use a free one
    return proc.url, proc
