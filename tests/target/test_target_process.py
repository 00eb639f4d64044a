"""`loadtui target` as a child process (TargetProcess) and its command-line errors."""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest

from loadtui.cli import main
from loadtui.target.process import TargetError, TargetProcess


def test_target_process_reports_its_url_and_knee_and_obeys_control() -> None:
    with TargetProcess(capacity=4, service_ms=10.0, seed=1) as t:
        assert t.url.startswith("http://127.0.0.1:") and t.port > 0
        assert t.knee_rps == pytest.approx(4 * 1000 / (10 * 1.0317), rel=0.001)
        with urllib.request.urlopen(t.url + "/products/7", timeout=10) as r:
            assert json.loads(r.read())["id"] == 7
        stats = t.stats()
        assert stats["served"] == 1 and stats["knee_rps"] == pytest.approx(t.knee_rps, abs=0.1)
        changed = t.control(capacity=8, stall_every_s=2, stall_ms=100)
        assert changed["capacity"] == 8 and changed["stall_ms"] == 100
        with pytest.raises(ValueError, match="unknown setting"):
            t.control(bogus=1)
        pid_alive = t.alive()
    assert pid_alive and not t.alive()
    t.stop()  # a second stop is harmless


def test_a_child_that_cannot_start_raises_with_its_error() -> None:
    with pytest.raises(TargetError, match="capacity"):
        TargetProcess(capacity=0)


def test_bad_flags_and_a_busy_port_are_user_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["target", "--error-rate", "2"]) == 2
    assert "--error-rate must be between 0 and 1" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["target", "--port", str(port), "--quiet"]) == 2
    assert f"port {port} on 127.0.0.1 is in use" in capsys.readouterr().err
