"""Driving the real app in a tmux pane for the e2e tests: read the screen, send keys, wait for
text (or for it to go), ask whether the session still runs. Every wait is bounded."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

import pytest


def capture(session: str) -> str:
    """The pane's text as drawn now (empty once the session has ended)."""
    done = subprocess.run(
        ["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True, check=False
    )
    return done.stdout


def keys(session: str, *names: str) -> None:
    """Send tmux key names (`Enter`, `Tab`, `q`); fails if the session is gone."""
    subprocess.run(["tmux", "send-keys", "-t", session, *names], check=True)


def alive(session: str) -> bool:
    done = subprocess.run(["tmux", "has-session", "-t", session], capture_output=True, check=False)
    return done.returncode == 0


def wait_for(session: str, *texts: str, timeout: float, gone: bool = False) -> str:
    """The screen once every text is on it (or, `gone`, none is); fails with the screen."""
    deadline = time.monotonic() + timeout
    while True:
        screen = capture(session)
        found = [t in screen for t in texts]
        if (not any(found)) if gone else all(found):
            return screen
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:.0f}s for {texts} (gone={gone}):\n{screen}")
        time.sleep(0.3)


def wait_until(check: Callable[[], bool], timeout: float, step: float = 0.3) -> bool:
    """Whether `check` held within `timeout` s (tried once more at the end); the caller asserts
    with its own message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()
