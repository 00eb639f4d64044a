"""`loadtui demo`: a target of its own, the TUI on the packaged sample log, cleanup on any exit.

The TUI itself is replaced by a stand-in that records what it was asked to open and checks the
target answers; the real TUI is covered by tests/tui and the tmux smoke test.
"""

from __future__ import annotations

import argparse
import socket
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from loadtui.cli import main
from loadtui.resources import sample_log
from loadtui.tui import launch as launch_mod

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def tui(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Callable[[Callable[[], int]], list[argparse.Namespace]]:
    """Replace the TUI; `tui(body)` makes it run `body` once the target answered."""
    monkeypatch.chdir(tmp_path)  # not the repo: the sample log must come from the package

    def install(body: Callable[[], int]) -> list[argparse.Namespace]:
        seen: list[argparse.Namespace] = []

        def fake_launch(args: argparse.Namespace) -> int:
            seen.append(args)
            assert _answers(args.target), "the demo target should answer while the TUI is open"
            return body()

        monkeypatch.setattr(launch_mod, "launch", fake_launch)
        return seen

    return install


def test_demo_opens_the_sample_log_on_its_own_target_and_stops_it(tui: Callable) -> None:
    seen = tui(lambda: 0)
    port = _free_port()
    assert main(["--theme", "light", "demo", "--port", str(port)]) == 0
    (args,) = seen
    assert args.log == [str(sample_log())] and Path(args.log[0]).is_file()
    assert args.target == f"http://127.0.0.1:{port}"
    assert args.peak_rps == launch_mod.DEMO_PEAK_RPS and args.duration == launch_mod.DEMO_DURATION
    assert args.theme == "light"  # given before the sub-command, not lost to its defaults
    assert not _answers(args.target)  # stopped with the TUI


def test_a_busy_port_gets_a_free_one_and_no_traffic(
    tui: Callable, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = tui(lambda: 0)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        busy.setblocking(False)
        port = busy.getsockname()[1]
        assert main(["demo", "--port", str(port), "--peak-rps", "50"]) == 0
        with pytest.raises(BlockingIOError):
            busy.accept()  # nobody connected to whatever owns the busy port
    (args,) = seen
    assert args.target != f"http://127.0.0.1:{port}" and args.peak_rps == 50
    assert f"port {port} on 127.0.0.1 is in use; the demo target listens on {args.target}" in (
        capsys.readouterr().err
    )
    assert not _answers(args.target)


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_the_target_stops_when_the_tui_is_interrupted_or_fails(
    tui: Callable, error: type[BaseException]
) -> None:
    def boom() -> int:
        raise error

    seen = tui(boom)
    if error is KeyboardInterrupt:
        assert main(["demo", "--port", "0"]) == 130
    else:
        with pytest.raises(RuntimeError):
            main(["demo", "--port", "0"])
    (args,) = seen
    assert not _answers(args.target)


def test_bad_arguments_fail_before_a_target_starts(
    tui: Callable, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = tui(lambda: 0)
    assert main(["demo", "--theme", "nope"]) == 2
    assert main(["demo", "--port", "70000"]) == 2
    assert main(["demo", "--peak-rps", "0"]) == 2
    assert not seen
    err = capsys.readouterr().err
    assert "unknown theme 'nope'" in err and "--port must be" in err and "--peak-rps" in err
