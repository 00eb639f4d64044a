"""Issue 15 in a real terminal (tmux, 80×24): a JSON-lines log whose paths and user agents
hold Rich markup (`/a[/b]`, `[@click=app.quit]x[/]`), a clear-screen CSI, an OSC title and a
right-to-left override. The Personas pane shows the personas, the pane's title is not the
one the log asked for, and a click where `[@click=app.quit]` is written quits nothing."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e_tmux import alive, capture, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]
LOADTUI = ROOT / ".venv" / "bin" / "loadtui"
HOSTILE_PATHS = (
    "/a[/b]",
    "/x/[@click=app.quit]x[/]",
    "/cls/\u001b[2J",
    "/title/\u001b]0;PWNED\u0007",
    "/rtl/\u202eevil",
)


def write_hostile_jsonl(path: Path, seed: int = 15) -> None:
    """~600 requests of 60 clients; half the paths and every user agent are hostile."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    rows = []
    for c in range(60):
        t = start + timedelta(seconds=rng.uniform(0, 3600))
        agent = f"Mozilla/5.0 (c{c}) {HOSTILE_PATHS[c % len(HOSTILE_PATHS)]}"
        fast = c % 3 == 0
        for _ in range(rng.randint(5, 15)):
            uri = rng.choice([*HOSTILE_PATHS, "/", "/products/7", "/search?q=\u001b]0;PWNED\u0007"])
            rows.append(
                {
                    "time": t.isoformat(),
                    "remote_addr": f"10.0.0.{c + 1}",
                    "request_method": "GET",
                    "request_uri": uri,
                    "status": 200,
                    "http_user_agent": agent,
                }
            )
            t += timedelta(seconds=rng.uniform(0.2, 1.0) if fast else rng.uniform(3, 30))
    rows.sort(key=lambda r: r["time"])
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", *args], capture_output=True, text=True, check=False)
    return done.stdout


def click(session: str, x: int, y: int) -> None:
    """A left click at cell (x, y) from the top left (0-based), as an SGR mouse report."""
    report = f"\x1b[<0;{x + 1};{y + 1}M\x1b[<0;{x + 1};{y + 1}m"
    subprocess.run(["tmux", "send-keys", "-t", session, "-l", report], check=True)


@pytest.fixture
def tmux_ready() -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed; this test drives the app in a tmux pane")
    if not LOADTUI.exists():
        pytest.skip(f"{LOADTUI} is missing; run `make` to create the venv")


def test_an_osc_title_reaches_a_tmux_pane_title(tmp_path: Path, tmux_ready: None) -> None:
    """The check below can fail: raw, the log's OSC sequence does retitle the pane."""
    session = f"loadtui-osc-{uuid.uuid4().hex[:8]}"
    command = "printf '\\033]0;PWNED\\007'; sleep 30"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        assert wait_until(
            lambda: "PWNED" in tmux("display", "-p", "-t", session, "#{pane_title}"), 10
        )
    finally:
        tmux("kill-session", "-t", session)


def test_hostile_log_shows_personas_without_acting_on_the_terminal(
    tmp_path: Path, tmux_ready: None
) -> None:
    log = tmp_path / "hostile.jsonl"
    write_hostile_jsonl(log)
    session = f"loadtui-hostile-{uuid.uuid4().hex[:8]}"
    command = f"cd {tmp_path} && {LOADTUI} --log {log}"
    tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", command)
    try:
        title_before = tmux("display", "-p", "-t", session, "#{pane_title}")
        appeared = wait_until(lambda: "Personas (k=" in capture(session), 60)
        screen = capture(session)
        assert appeared, f"personas never appeared:\n{screen}"
        assert "sessions ·" in screen and "1 Personas" in screen
        # walk the persona table so the detail shows each persona's routes
        for _ in range(3):
            tmux("send-keys", "-t", session, "Down")
            time.sleep(0.4)
        screen = capture(session)
        assert (
            "\\x1b" in screen or "\\u202e" in screen or "[@click" in screen or "[/b]" in screen
        ), screen
        title = tmux("display", "-p", "-t", session, "#{pane_title}")
        assert "PWNED" not in title, title
        assert title == title_before, (title_before, title)

        # click where the log wrote `[@click=app.quit]`, else on the table: nothing quits
        lines = screen.splitlines()
        spots = [(line.find("[@click"), y) for y, line in enumerate(lines) if "[@click" in line]
        for x, y in spots or [(5, 4)]:
            click(session, x + 1, y)
        time.sleep(2)
        assert alive(session), "a click quit the app"
        assert "Personas (k=" in capture(session)
        assert "PWNED" not in tmux("display", "-p", "-t", session, "#{pane_title}")

        tmux("send-keys", "-t", session, "q")
        assert wait_until(lambda: not alive(session), 20), "q did not end the app"
    finally:
        tmux("kill-session", "-t", session)
