"""Find the system under test for a TUI run, starting the built-in demo target when needed.

The demo target is what `make demo` and first-time users hit: if nothing answers on the demo
URL, the TUI starts one (a child process, stopped on exit) so a run never fails just because
no server was started. Any other target must already be up: we say so instead of guessing.
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from loadtui.errors import UserError
from loadtui.target.process import TargetError, TargetProcess
from loadtui.tui.workspace import DEMO_TARGET

PROBE_TIMEOUT_S = 1.5


def is_demo(url: str | None) -> bool:
    if url is None:
        return True
    parts = urlsplit(url)
    return (parts.hostname, parts.port) in (("127.0.0.1", 8080), ("localhost", 8080))


def demo_answers(url: str) -> bool:
    """True when a demo target (not just any server) answers on `url`."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + "/health", timeout=PROBE_TIMEOUT_S) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def port_open(url: str) -> bool:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", port), PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def ensure_target(url: str | None) -> tuple[str, TargetProcess | None]:
    """(base URL to load, the TargetProcess we started or None). Blocking: call from a worker."""
    if not is_demo(url):
        assert url is not None
        if not port_open(url):
            raise UserError(
                f"nothing answers on {url}; start the system under test or fix --target"
            )
        return url, None
    wanted = url or DEMO_TARGET
    if demo_answers(wanted):
        return wanted, None
    try:
        proc = TargetProcess(port=urlsplit(wanted).port or 0)
    except TargetError:
        proc = TargetProcess(port=0)  # the port is taken by something else: use a free one
    return proc.url, proc
