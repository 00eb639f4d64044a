"""The real `loadtui` in a real terminal (tmux, 80×24): personas appear, `?` helps, `q` quits."""

from __future__ import annotations

import random
import shutil
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e_tmux import alive, capture, keys, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]
LOADTUI = ROOT / ".venv" / "bin" / "loadtui"

BROWSERS = [
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15",
]


def write_small_log(path: Path, seed: int = 4) -> None:
    """~1,500 combined-format lines: browsing sessions, an API client and a crawler."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    lines: list[tuple[datetime, str]] = []

    def line(ip: str, ts: datetime, method: str, path: str, status: int, ua: str) -> None:
        stamp = ts.strftime("%d/%b/%Y:%H:%M:%S +0000")
        lines.append((ts, f'{ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} 512 "-" "{ua}"'))

    for s in range(60):
        ip = f"10.0.{s // 200}.{s % 200 + 1}"
        t = start + timedelta(seconds=rng.uniform(0, 3600))
        if s % 3 == 0:  # API client: fast, writes
            for _ in range(rng.randint(15, 30)):
                method, p = rng.choice([("GET", "/notes?page=1"), ("POST", "/notes")])
                line(ip, t, method, p, 201 if method == "POST" else 200, "python-requests/2.32")
                t += timedelta(seconds=rng.uniform(0.2, 1.0))
        else:  # browser: slow, reads
            ua = rng.choice(BROWSERS)
            for _ in range(rng.randint(5, 15)):
                p = rng.choice(["/", "/search?q=lamp", f"/products/{rng.randint(1, 500)}"])
                line(ip, t, "GET", p, 200, ua)
                t += timedelta(seconds=rng.uniform(3, 30))
    bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    t = start
    line("66.249.66.1", t, "GET", "/robots.txt", 200, bot)
    for i in range(1, 200):
        t += timedelta(seconds=0.5)
        line("66.249.66.1", t, "GET", f"/products/{i}", 200, bot)
    lines.sort(key=lambda item: item[0])
    path.write_text("\n".join(text for _, text in lines) + "\n")


def test_app_shows_personas_help_and_quits_in_a_real_terminal(tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed; this smoke test drives the app in a tmux pane")
    if not LOADTUI.exists():
        pytest.skip(f"{LOADTUI} is missing; run `make` to create the venv")
    log = tmp_path / "small_access.log"
    write_small_log(log)
    session = f"loadtui-smoke-{uuid.uuid4().hex[:8]}"
    command = f"cd {tmp_path} && {LOADTUI} --log {log}"  # Textual draws on stderr: keep it
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", command], check=True
    )
    try:
        appeared = wait_until(lambda: "Personas (k=" in capture(session), 60)
        assert appeared, f"personas never appeared:\n{capture(session)}"
        screen = capture(session)
        assert "sessions ·" in screen and "lines" in screen
        assert "1 Personas" in screen and "2 Run" in screen
        assert "small_access.log" in screen

        keys(session, "?")
        assert wait_until(lambda: "Keys · Personas" in capture(session), 10), capture(session)
        assert "quit" in capture(session)

        keys(session, "Escape")
        assert wait_until(lambda: "Keys · Personas" not in capture(session), 10)

        keys(session, "q")
        assert wait_until(lambda: not alive(session), 20), "q did not end the app"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True, check=False)
