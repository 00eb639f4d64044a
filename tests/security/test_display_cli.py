"""Issue 15, CLI half: log data never controls the terminal. Hostile paths, query values and
user agents (Rich markup, ESC/CSI/OSC sequences, C1 controls, NUL, bidi overrides) go through
every log format into a profile, a plan and run folders; every command's output is captured
and must hold no raw control character while still showing the text, escaped."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hostile_logs import FORMATS, write_log
from hostile_runs import window, write_hostile_run, write_k6_summary
from hostile_text import shown, unclean_lines, value
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rich.console import Console

from loadtui.cli import main
from loadtui.commands.run import progress_line, summary_text
from loadtui.contracts import TestPlan, ThresholdVerdict
from loadtui.live import WindowDone
from loadtui.plan.yaml_io import load_plan
from loadtui.profile.pipeline import load_model
from loadtui.safe_text import clean
from loadtui.store.runs import load_run

SETTINGS = settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: minutes for a profile
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run `loadtui ARGV` in this process on a 200-column reader (so tables cut no name short);
    (exit code, stdout and stderr as printed)."""
    capsys.readouterr()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("COLUMNS", "200")
        code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def hostile_route(model_path: Path) -> str:
    """The route the log's hostile path became (the model keeps its exact characters)."""
    model = load_model(model_path)
    routes = {e.route for p in model.personas for e in p.endpoint_mix}
    (route,) = [r for r in routes if r.startswith("/shop/")]
    return route


@SETTINGS
@given(text=value)
def test_profile_output_of_every_format_shows_hostile_paths_escaped(
    tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    tmp = tmp_path_factory.mktemp("profile")
    for kind in FORMATS:
        log = write_log(tmp / kind, kind, text)
        model_path = tmp / kind / "model.json"
        code, out = cli(capsys, "profile", str(log), "-o", str(model_path), "--k", "2")
        assert code == 0, out
        assert unclean_lines(out) == [], (kind, out)
        route = hostile_route(model_path)
        code, doc = cli(capsys, "profile", str(log), "--json", "--k", "2")  # JSON to a terminal
        assert code == 0 and unclean_lines(doc) == [], (kind, doc)
        routes = {e["route"] for p in json.loads(doc)["personas"] for e in p["endpoint_mix"]}
        assert route in routes  # the same document: escapes are JSON's own
        # the data keeps its characters; only the display escapes them
        assert clean(route) != route or "[" in route, (kind, route)
        assert clean(route)[:14] in out, (kind, clean(route), out)


@SETTINGS
@given(text=value, kind=st.sampled_from(FORMATS))
def test_every_command_on_hostile_runs_prints_escaped_text(
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    text: str,
    kind: str,
) -> None:
    tmp = tmp_path_factory.mktemp("runs")
    log = write_log(tmp, kind, text)
    model_path = tmp / "model.json"
    plan_path = tmp / "plan.yaml"
    runs = tmp / "runs"
    outputs: dict[str, str] = {}

    assert cli(capsys, "profile", str(log), "-o", str(model_path), "--k", "2")[0] == 0
    code, outputs["plan"] = cli(
        capsys, "plan", str(model_path), "-o", str(plan_path), "--peak-rps", "50"
    )
    assert code == 0, outputs["plan"]
    plan = load_plan(plan_path)
    base = write_hostile_run(runs, "r-base", plan, text, hours=0)
    slow = write_hostile_run(runs, "r-slow", plan, text, slowdown=1.6, hours=1)

    code, outputs["validate"] = cli(capsys, "validate", str(model_path), str(slow))
    assert code in (0, 99), outputs["validate"]
    code, outputs["analyze"] = cli(
        capsys, "analyze", str(slow), "--baseline", str(base), "--out", str(runs)
    )
    assert code in (0, 99), outputs["analyze"]
    code, outputs["export"] = cli(
        capsys, "export", "k6", str(plan_path), "-o", str(tmp / "load.js")
    )
    assert code == 0, outputs["export"]
    summary = write_k6_summary(tmp / "k6", text)
    code, outputs["import"] = cli(capsys, "import", "k6", str(summary), "--out", str(runs))
    assert code == 0, outputs["import"]
    code, outputs["history"] = cli(capsys, "history", "--out", str(runs))  # the import listed
    assert code == 0, outputs["history"]
    # a user error that quotes a hostile file name: one clean line
    code, outputs["error"] = cli(capsys, "profile", str(tmp / f"missing-{text.replace('/', '_')}"))
    assert code == 2, outputs["error"]
    record, _windows = load_run(slow)
    console = Console(file=io.StringIO(), width=120, highlight=False)
    console.print(summary_text(record, slow), soft_wrap=True)
    outputs["run summary"] = console.file.getvalue()  # type: ignore[attr-defined]

    code, outputs["advise"] = cli(
        capsys, "advise", str(slow), "--baseline", str(base), "--offline", "--out", str(runs)
    )
    assert code in (0, 99), outputs["advise"]
    code, outputs["heal"] = cli(
        capsys,
        "heal",
        str(slow),
        "--plan",
        str(plan_path),
        "--baseline",
        str(base),
        "--offline",
        "--out",
        str(runs),
    )
    assert code in (0, 3), outputs["heal"]
    for name, argv in (
        ("advise --json", ["advise", str(slow), "--offline", "--json", "--out", str(runs)]),
        ("history --json", ["history", "--out", str(runs), "--json"]),
        ("analyze --json", ["analyze", str(slow), "--baseline", str(base), "--json"]),
        ("validate --json", ["validate", str(model_path), str(slow), "--json"]),
    ):
        code, outputs[name] = cli(capsys, *argv)
        assert code in (0, 99), outputs[name]
        json.loads(outputs[name])
    for name, out in outputs.items():
        assert unclean_lines(out) == [], (name, out)
    mark = shown(text)
    for name in ("history", "run summary"):  # plan names, notes and flags: shown escaped
        assert mark in outputs[name], (name, mark, outputs[name])
    imported = "k6-" + shown(text, keep="/\x00")  # named after its file
    assert imported in outputs["history"], (imported, outputs["history"])
    # the plan sends the route percent-encoded; the stage name keeps the raw characters
    (route,) = {s.route for sc in plan.scenarios for s in sc.steps if s.route.startswith("/shop/")}
    for mark_ in (clean(route)[:14], shown(text)):
        assert mark_ in outputs["analyze"], (mark_, outputs["analyze"])
    assert "\\x" in outputs["error"] or "\\u" in outputs["error"], outputs["error"]


@settings(SETTINGS, max_examples=4)  # a forecast fit takes seconds
@given(text=value, kind=st.sampled_from(FORMATS))
def test_forecast_output_of_a_hostile_run_is_escaped(
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    text: str,
    kind: str,
) -> None:
    tmp = tmp_path_factory.mktemp("forecast")
    log = write_log(tmp, kind, text)
    model_path, plan_path = tmp / "model.json", tmp / "plan.yaml"
    assert cli(capsys, "profile", str(log), "-o", str(model_path), "--k", "2")[0] == 0
    assert cli(capsys, "plan", str(model_path), "-o", str(plan_path))[0] == 0
    run = write_hostile_run(tmp / "runs", "r-ramp", load_plan(plan_path), text)
    code, out = cli(capsys, "forecast", str(run))
    assert code == 0, out
    assert unclean_lines(out) == [], out
    assert shown(text) in out, out  # the odd windows name their stage


@SETTINGS
@given(text=value)
def test_the_live_progress_line_of_loadtui_run_shows_a_hostile_stage_escaped(text: str) -> None:
    """`loadtui run` on a terminal: the stage name (from a plan made from a log) and a
    threshold tagged with a route, on the one live line."""
    plan = TestPlan(name=text)
    verdict = ThresholdVerdict(
        metric=f"http_req_duration{{name:{text}}}", expression="p(95)<500", ok=True, value=12.0
    )
    update = WindowDone(window(3, plan, text, 1.0), [verdict], [])
    console = Console(file=io.StringIO(), width=200, highlight=False)
    console.print(progress_line(update, plan, 40.0, 200))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert unclean_lines(out) == [], out
    assert shown(text) in out, out
