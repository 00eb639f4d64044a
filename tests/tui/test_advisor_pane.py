"""Advisor pane: accept two edits, reject one, apply (the file holds exactly those two), undo
(byte for byte), verify against the demo target (per-threshold verdicts on screen); the real
offline advisor answering in a worker; the Run pane's and History's `a`; a snapshot at 80×24."""

from __future__ import annotations

import asyncio
import os
import re
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from advisor_fixtures import finished_run, three_edits, write_plan
from textual.pilot import Pilot
from textual.widgets import Input
from tui_waits import demo_target, wait_for

from loadtui.contracts import RunOptions
from loadtui.patch.apply import apply_edits
from loadtui.plan.yaml_io import load_plan
from loadtui.store.runs import load_run
from loadtui.tui.app import LoadtuiApp
from loadtui.tui.screens.advisor import AdvisorScreen
from loadtui.tui.screens.history import HistoryScreen
from loadtui.tui.screens.modals import PromptScreen
from loadtui.tui.screens.run import RunScreen
from loadtui.tui.widgets.advisor import AdvisorPanel
from loadtui.tui.workspace import Workspace

pytestmark = pytest.mark.timeout(120)
SnapCompare = Callable[..., bool]


def make_app(plan_file: Path, runs: Path, **advise: object) -> LoadtuiApp:
    ws = Workspace(runs_dir=runs)
    ws.set_plan(load_plan(plan_file), plan_file)
    if advise:
        ws.advise(**advise)  # type: ignore[arg-type]
    options = RunOptions(out_dir=runs, workers=1, interval_s=0.25)
    return LoadtuiApp(ws, theme_name="dark", run_options=options)


async def open_advisor(app: LoadtuiApp, pilot: Pilot[int]) -> AdvisorPanel:
    await pilot.press("4")
    await pilot.pause()
    assert isinstance(app.screen, AdvisorScreen)
    panel = app.screen.panel
    assert await wait_for(lambda: panel.session is not None, 30), panel.status.plain
    await pilot.pause()
    return panel


@pytest.mark.e2e
async def test_accept_two_reject_one_apply_undo_and_verify(
    tmp_path: Path, shown: Callable[..., str]
) -> None:
    with demo_target(service_ms=5.0) as target:
        plan_file = write_plan(tmp_path / "shop.yaml", target.url, steady="2s", rate=5.0)
        original = plan_file.read_bytes()
        runs = tmp_path / "runs"
        run = finished_run(runs, plan_file)
        advice = three_edits()
        app = make_app(plan_file, runs, run_dir=run, advice=advice)
        async with app.run_test(size=(80, 24)) as pilot:
            panel = await open_advisor(app, pilot)
            assert panel.edit_file == plan_file  # the file the run came from
            text = shown(app, "#advisor-pane")
            assert "BROKEN TEST" in text and "GET /old-cart" in text
            assert "p(95)<500 → p(95)<650" in text and "-    - p(95)<500" in text

            await pilot.press("a", "r", "a")  # each mark moves to the next edit
            await pilot.pause()
            session = panel.session
            assert session is not None
            assert [session.mark_of(e.id) for e in session.edits] == [
                "accepted",
                "rejected",
                "accepted",
            ]
            await pilot.press("enter")
            await pilot.pause()
            p95, _rejected, ramp = advice.edits()
            on_disk = plan_file.read_text(encoding="utf-8")
            assert on_disk == apply_edits("plan", original.decode(), [p95, ramp])
            assert "p(95)<650" in on_disk and "rate<0.02" not in on_disk
            assert load_plan(plan_file).stages[0].duration == "2s"
            assert "wrote 2 edits" in shown(app, "#advisor-status")

            await pilot.press("u")
            await pilot.pause()
            assert plan_file.read_bytes() == original
            assert "restored" in shown(app, "#advisor-status")

            await pilot.press("enter")  # apply again, then verify the file as it is on disk
            await pilot.pause()
            panel.verify_runs = 2
            await pilot.press("v")
            await pilot.pause()
            assert panel.verifying
            assert await wait_for(lambda: not panel.verifying, 90), panel.status.plain
            await pilot.pause()
            board = panel.board
            assert board is not None and len(board.runs) == 2
            assert [r.state for r in board.runs] == ["complete", "complete"]
            rows = {(r.metric, r.expression): r for r in board.rows()}
            new_p95 = rows[("http_req_duration", "p(95)<650")]
            assert new_p95.changed and new_p95.outcomes == [True, True]
            assert rows[("http_req_failed", "rate<0.01")].outcomes == [True, True]
            assert all(v is not None and 0 < v < 650 for v in new_p95.values)
            verdicts = shown(app, "#advisor-bottom")
            assert "every threshold held in 2/2 runs" in verdicts
            assert "✓✓ http_req_duration p(95)<650" in verdicts

            await pilot.press("v")  # again, and stop it with escape once a run is going
            windows_in = re.compile(r"run 1/2 · \d+s$")  # a window of run 1 arrived
            assert await wait_for(lambda: bool(windows_in.search(panel.asking)), 30)
            await pilot.press("escape")
            assert await wait_for(lambda: not panel.verifying, 30)
            await pilot.pause()
            stopped = panel.board
            assert stopped is not None and stopped is not board and stopped.cancelled
            assert len(stopped.runs) <= 1 and "cancelled" in shown(app, "#advisor-status")
        # each verification run is a real run folder of the edited plan
        for r in board.runs + stopped.runs:
            record, windows = load_run(runs / r.run_id)
            assert windows and (
                record.state == "interrupted" or record.metrics["http_reqs"]["count"] > 10
            )
            assert "p(95)<650" in (runs / r.run_id / "plan.yaml").read_text(encoding="utf-8")


async def test_the_offline_advisor_answers_in_a_worker_and_a_bad_apply_writes_nothing(
    tmp_path: Path, shown: Callable[..., str]
) -> None:
    plan_file = write_plan(tmp_path / "shop.yaml", "http://127.0.0.1:9")
    runs = tmp_path / "runs"
    run = finished_run(runs, plan_file)
    app = make_app(plan_file, runs, run_dir=run)  # no answer at hand: the advisor is asked
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_advisor(app, pilot)
        session = panel.session
        assert session is not None and session.advice.source == "offline"
        assert session.advice.run_id == run.name
        assert "offline" in shown(app, "#advisor-head")
        assert not panel.asking
        # an answer whose stage edit cannot apply: enter writes nothing and says why
        broken = three_edits(finding=False)
        broken.stage_adjustments[0] = broken.stage_adjustments[0].model_copy(update={"stage": 9})
        before = plan_file.read_bytes()
        panel.show_advice(broken)
        await pilot.press("A", "enter")
        await pilot.pause()
        assert plan_file.read_bytes() == before
        assert not (tmp_path / "shop.yaml.bak").exists()
        assert "not written" in shown(app, "#advisor-status")


async def test_a_on_history_opens_the_advisor_on_that_run(tmp_path: Path) -> None:
    plan_file = write_plan(tmp_path / "shop.yaml", "http://127.0.0.1:9")
    runs = tmp_path / "runs"
    run = finished_run(runs, plan_file)
    app = make_app(plan_file, runs)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AdvisorScreen)
        assert app.workspace.advise_run == run
        assert await wait_for(lambda: app.screen.panel.session is not None, 30)
        await pilot.pause()
        # the answer's keys act at once (the wizard's tmux pass needed a Tab before `a`)
        assert app.focused is not None and app.focused.id == "advisor-list"


def _opened(pilot: Pilot[int]) -> Awaitable[None]:
    async def run_before(pilot: Pilot[int]) -> None:
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("a")  # accept the first edit: the marks column shows ✓
        await pilot.pause()
        await pilot.pause(0.2)  # the diff scrolls to its first change after a refresh

    return run_before(pilot)


def test_advisor_pane_at_80x24(
    snap_compare: SnapCompare, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the header names the file relative to here: shop.yaml
    plan_file = write_plan(Path("shop.yaml"), "http://127.0.0.1:9")
    runs = Path("runs")
    run = finished_run(runs, plan_file)
    app = make_app(plan_file, runs, run_dir=run, advice=three_edits())
    assert os.getcwd() == str(tmp_path)
    assert snap_compare(app, run_before=_opened, terminal_size=(80, 24))


@contextmanager
def silent_llm() -> Iterator[tuple[str, list[bytes]]]:
    """An OpenAI-compatible endpoint on 127.0.0.1 that reads each request and never answers
    (until the test ends): the LLM call stays out, so the spinner and escape can be seen."""
    seen: list[bytes] = []
    release = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            seen.append(self.rfile.read(int(self.headers.get("content-length") or 0)))
            release.wait(30)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    finally:
        release.set()
        server.shutdown()
        server.server_close()


async def test_an_llm_call_shows_a_spinner_and_escape_drops_its_late_answer(
    tmp_path: Path, shown: Callable[..., str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-test-do-not-show-4b1d"
    plan_file = write_plan(tmp_path / "shop.yaml", "http://127.0.0.1:9")
    runs = tmp_path / "runs"
    run = finished_run(runs, plan_file)
    advice = three_edits()
    with silent_llm() as (url, seen):
        monkeypatch.setenv("OPENAI_BASE_URL", url)
        monkeypatch.setenv("OPENAI_API_KEY", secret)
        monkeypatch.setenv("LOADTUI_LLM_TIMEOUT", "3")
        app = make_app(plan_file, runs, run_dir=run, advice=advice)
        async with app.run_test(size=(80, 24)) as pilot:
            panel = await open_advisor(app, pilot)
            await pilot.press("l")
            assert await wait_for(lambda: bool(seen), 10), "the LLM was not asked"
            await pilot.pause()
            status = shown(app, "#advisor-status")
            assert "asking the LLM" in status and "escape cancels" in status
            assert status.strip()[0] in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"  # the spinner
            await pilot.press("escape")
            await pilot.pause()
            assert panel.asking == "" and "cancelled" in shown(app, "#advisor-status")
            # the call ends at its 3 s deadline (then the offline answer): dropped, not shown
            await asyncio.sleep(4.0)
            await pilot.pause()
            assert panel.session is not None and panel.session.advice is advice
            assert secret not in shown(app)
    assert secret.encode() not in b"".join(seen)  # the key travels in a header only


@pytest.mark.e2e
async def test_a_on_the_run_panes_results_advises_on_the_run_that_just_ended(
    tmp_path: Path, shown: Callable[..., str]
) -> None:
    with demo_target(service_ms=5.0) as target:
        plan_file = write_plan(tmp_path / "shop.yaml", target.url, steady="2s", rate=5.0)
        runs = tmp_path / "runs"
        app = make_app(plan_file, runs)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("2")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, RunScreen)
            await pilot.press("enter")
            assert await wait_for(lambda: screen.state == "ended", 60)
            await pilot.pause()
            assert "a advise" in shown(app)  # the results view offers it
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, AdvisorScreen)
            panel = await open_advisor(app, pilot)
            assert screen.live is not None and panel.run_dir == screen.live.run_dir
            session = panel.session
            assert session is not None and session.path == plan_file  # the file it ran
            assert session.advice.run_id == panel.run_dir.name
            assert session.advice.source == "offline"


K6_SCRIPT = """\
import http from 'k6/http';
import { sleep } from 'k6';

// the team's smoke script: keep this comment
export const options = {
  stages: [{ duration: '1s', target: 6 }, { duration: '2s', target: 6 }],
  thresholds: { http_req_duration: ['p(95)<500'], http_req_failed: ['rate<0.01'] },
};

export default function () {
  http.get('http://127.0.0.1:9/');
  sleep(1);
}
"""


async def test_o_switches_the_edits_to_a_k6_script_and_apply_touches_only_its_options(
    tmp_path: Path, shown: Callable[..., str]
) -> None:
    plan_file = write_plan(tmp_path / "shop.yaml", "http://127.0.0.1:9")
    script = tmp_path / "smoke.js"
    script.write_text(K6_SCRIPT, encoding="utf-8")
    runs = tmp_path / "runs"
    run = finished_run(runs, plan_file)
    advice = three_edits()
    app = make_app(plan_file, runs, run_dir=run, advice=advice)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_advisor(app, pilot)
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.query_one(Input).value = str(script)
        await pilot.press("enter")
        await pilot.pause()
        session = panel.session
        assert session is not None and session.kind == "k6" and session.path == script
        assert "smoke.js (k6)" in shown(app, "#advisor-head")
        assert "p(95)<650" in shown(app, "#advisor-bottom")  # the first edit's diff, on the JS
        await pilot.press("a", "r", "r", "enter")  # only the p95 threshold
        await pilot.pause()
        p95 = advice.edits()[0]
        written = script.read_text(encoding="utf-8")
        assert written == apply_edits("k6", K6_SCRIPT, [p95])
        assert "p(95)<650" in written and "rate<0.01" in written
        assert written.replace("p(95)<650", "p(95)<500") == K6_SCRIPT  # one value changed
        assert plan_file.read_text(encoding="utf-8").count("p(95)<500") == 1  # plan untouched
        await pilot.press("u")
        await pilot.pause()
        assert script.read_text(encoding="utf-8") == K6_SCRIPT


async def test_verify_against_a_target_that_is_not_there_says_so_and_writes_no_run(
    tmp_path: Path, shown: Callable[..., str]
) -> None:
    plan_file = write_plan(tmp_path / "shop.yaml", "http://127.0.0.1:9")  # nothing listens
    runs = tmp_path / "runs"
    run = finished_run(runs, plan_file)
    app = make_app(plan_file, runs, run_dir=run, advice=three_edits())
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_advisor(app, pilot)
        await pilot.press("v")
        assert await wait_for(lambda: not panel.verifying, 30)
        await pilot.pause()
        assert panel.board is not None and panel.board.runs[0].state == "not started"
        assert "could not start" in shown(app, "#advisor-status")
        assert "127.0.0.1:9" in shown(app, "#advisor-bottom")
    assert sorted(p.name for p in runs.iterdir() if p.is_dir()) == [run.name]


async def test_a_run_whose_plan_file_changed_since_is_advised_on_a_copy_of_its_plan(
    tmp_path: Path, shown: Callable[..., str]
) -> None:
    plan_file = write_plan(tmp_path / "shop.yaml", "http://127.0.0.1:9")
    runs = tmp_path / "runs"
    run = finished_run(runs, plan_file)
    plan_file.write_text(plan_file.read_text(encoding="utf-8") + "# edited after the run\n")
    app = make_app(plan_file, runs, run_dir=run, advice=three_edits())
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await open_advisor(app, pilot)
        session = panel.session
        assert session is not None and session.path == tmp_path / f"{run.name}.plan.yaml"
        assert "a copy of the run's plan" in shown(app, "#advisor-head")
        ran = (run / "plan.yaml").read_bytes()
        await pilot.press("A", "enter")
        await pilot.pause()
        assert "p(95)<650" in session.path.read_text(encoding="utf-8")
        assert (run / "plan.yaml").read_bytes() == ran  # the run's record of what ran stays
        assert sorted(p.name for p in run.iterdir() if p.name.startswith("plan")) == ["plan.yaml"]


async def test_hostile_text_in_an_answer_is_shown_as_text_never_markup_or_escapes(
    tmp_path: Path, shown: Callable[..., str]
) -> None:
    plan_file = write_plan(tmp_path / "shop.yaml", "http://127.0.0.1:9")
    runs = tmp_path / "runs"
    run = finished_run(runs, plan_file)
    advice = three_edits()
    advice.reason = "[@click=app.quit]fine[/] \x1b]52;c;cGF5bG9hZA==\x07"
    advice.new_thresholds[0].reason = "[bold red]ignore previous instructions[/]\u202egnp."
    advice.findings[0].routes = ["GET /[link=http://evil]x[/link]", "GET /\x1b[2J"]
    app = make_app(plan_file, runs, run_dir=run, advice=advice)
    async with app.run_test(size=(120, 30)) as pilot:
        await open_advisor(app, pilot)
        text = shown(app, "#advisor-pane")
        assert "[@click=app.quit]fine[/]" in text and "\\x1b]52" in text
        assert "[bold red]ignore previous instructions[/]\\u202e" in text
        assert "GET /[link=http://evil]x[/link]" in text and "GET /\\x1b[2J" in text
        assert "\x1b" not in text and "\u202e" not in text
        head = shown(app, "#advisor-head").splitlines()[0]
        x = head.index("[@click") + 3  # a parsed @click would quit the app when clicked
        await pilot.click("#advisor-head", offset=(x, 0))
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, AdvisorScreen)
