"""Run the demo target in a child process, for tests, the TUI and benchmarks.

The child is `python -m loadtui target --port 0 --quiet ...` on 127.0.0.1; its first stdout line
names the real port. A separate process matters: the target must not share an event loop (or
a GIL) with the load generator that measures it. The child is stopped by `stop()`, by leaving
the `with` block, at interpreter exit, and on Linux also when the parent dies.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue as queue_mod
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any

BANNER = re.compile(r"listening on (?P<url>http://\S+) knee_rps=(?P<knee>[0-9.]+)")
_LIVE: weakref.WeakSet[TargetProcess] = weakref.WeakSet()


def _stop_all() -> None:
    for proc in list(_LIVE):
        proc.stop()


atexit.register(_stop_all)


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: SIGTERM the child when the parent dies, so a killed test run leaves no server."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class TargetError(RuntimeError):
    """The target child did not start (the message carries its stderr)."""


class TargetProcess:
    """A running demo target; `url`, `knee_rps`, `control(**changes)`, `stats()`, `stop()`."""

    def __init__(
        self,
        *,
        capacity: int = 32,
        service_ms: float = 20.0,
        queue: int = 256,
        error_rate: float = 0.0,
        slowdown: float = 1.0,
        port: int = 0,
        seed: int | None = None,
        startup_timeout_s: float = 20.0,
        model: str | Path | None = None,
        errors: str = "none",
    ) -> None:
        """`model`: a traffic model file, served by the stand-in (`target --model`) instead of
        the shop, with `errors` `none` or `observed`."""
        args = [
            sys.executable,
            "-m",
            "loadtui",
            "target",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--capacity",
            str(capacity),
            "--service-ms",
            repr(float(service_ms)),
            "--queue",
            str(queue),
            "--error-rate",
            repr(float(error_rate)),
            "--slowdown",
            repr(float(slowdown)),
            "--quiet",
        ]
        if seed is not None:
            args += ["--seed", str(seed)]
        if model is not None:
            args += ["--model", str(model), "--errors", errors]
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        self._lines: queue_mod.Queue[str | None] = queue_mod.Queue()
        self.url = ""
        self.knee_rps = 0.0
        self.banner = ""
        self._stopped = False
        self._proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=env,
            text=True,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
        )
        _LIVE.add(self)
        # drain stdout for the child's whole life, so a chatty child never blocks on a full pipe
        threading.Thread(target=self._drain, name="target-stdout", daemon=True).start()
        try:
            self._wait_for_banner(startup_timeout_s)
        except BaseException:
            self.stop()
            raise

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def _drain(self) -> None:
        assert self._proc.stdout is not None
        with contextlib.suppress(ValueError, OSError):
            for line in self._proc.stdout:
                if not self.banner:
                    self._lines.put(line)
        self._lines.put(None)

    def _wait_for_banner(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TargetError(f"the demo target did not start within {timeout_s:g}s")
            try:
                line = self._lines.get(timeout=left)
            except queue_mod.Empty:
                continue
            if line is None:
                self._proc.wait(timeout=5)
                raise TargetError(
                    f"the demo target exited with code {self._proc.returncode}: "
                    f"{self._stderr_text() or 'no error output'}"
                )
            m = BANNER.search(line)
            if m:
                self.banner = line.strip()
                self.url = m.group("url")
                self.knee_rps = float(m.group("knee"))
                return

    def _stderr_text(self) -> str:
        with contextlib.suppress(ValueError, OSError):
            self._stderr.seek(0)
            return self._stderr.read().decode(errors="replace").strip()[-2000:]
        return ""

    # -- control plane ------------------------------------------------------------------------
    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if self._stopped:
            raise TargetError("the demo target was stopped")
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                result: dict[str, Any] = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")
            with contextlib.suppress(ValueError):
                detail = json.loads(detail).get("error", detail)
            raise ValueError(f"{method} {path} refused: {detail}") from exc
        return result

    def control(self, **changes: float) -> dict[str, Any]:
        """POST /_control: change capacity, slowdown, error_rate, stalls...; returns the stats."""
        return self._call("POST", "/_control", changes)

    def stats(self) -> dict[str, Any]:
        """GET /_stats: knee_rps, in_service, queued, served, rejected, errors and settings."""
        return self._call("GET", "/_stats")

    def alive(self) -> bool:
        return self._proc.poll() is None

    def stop(self) -> None:
        """SIGTERM, wait up to 5 s, then SIGKILL; safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        _LIVE.discard(self)
        proc = self._proc
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                proc.wait(timeout=5)
        if proc.stdout is not None:
            with contextlib.suppress(OSError):
                proc.stdout.close()
        with contextlib.suppress(OSError):
            self._stderr.close()

    def __enter__(self) -> TargetProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running"
        return f"TargetProcess({self.url or 'starting'}, pid={self._proc.pid}, {state})"
