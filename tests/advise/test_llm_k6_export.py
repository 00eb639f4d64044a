"""`loadtui export k6 --llm` as a user runs it (a subprocess) against a local OpenAI-compatible
server: a rewrite that keeps the plan's options is written and shown as a diff; one that changes
a stage, imports a remote module, reads the environment or does not parse leaves the
deterministic export with a one-line note; the API key never shows in the output."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from advise_llm_inputs import KEY
from advise_llm_server import Reply, StubLlm, answer

from loadtui.advise.k6_verify import problem

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("node") is None, reason="node checks the model's script"),
]
TARGET = "http://127.0.0.1:8080"


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from loadtui.plan.build import build_plan
    from loadtui.plan.yaml_io import dumps_plan
    from loadtui.profile.pipeline import build_model
    from loadtui.resources import sample_log

    model = build_model([sample_log()])[0]
    plan = build_plan(model).model_copy(update={"target": TARGET})
    path = tmp_path_factory.mktemp("plan") / "plan.yaml"
    path.write_text(dumps_plan(plan), encoding="utf-8")
    return path


def deterministic(plan_file: Path) -> str:
    from loadtui.export.k6 import render_k6
    from loadtui.plan import load_plan

    return render_k6(load_plan(plan_file), "load.data.json", script="load.js", source="plan.yaml")


def idiomatic(script: str) -> str:
    """What a good model does: named functions, a custom metric, a check, a comment."""
    names = re.findall(r"export function (\w+)\(\)", script)
    out = script.replace('import { check, sleep } from "k6";',
                         'import { check, sleep } from "k6";\nimport { Trend } from "k6/metrics";\n'
                         '// time spent per persona journey, to compare personas in the summary\n'
                         'const journeyTime = new Trend("journey_time", true);')  # fmt: skip
    for name in names:
        new = "run" + "".join(part.title() for part in name.split("_"))
        out = out.replace(f"export function {name}()", f"export function {new}()")
        out = out.replace(f'"exec": "{name}"', f'"exec": "{new}"')
        out = out.replace(f'exec: "{name}"', f'exec: "{new}"')
    return out


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LOADTUI_"))}


def _cmd(plan_file: Path, out: Path, *extra: str) -> list[str]:
    return ["export", "k6", str(plan_file), "-o", str(out), "--llm", *extra]


def export_subprocess(
    plan_file: Path, out: Path, reply: list[Reply] | None, *extra: str
) -> tuple[subprocess.CompletedProcess[str], StubLlm | None]:
    """The CLI as a user runs it, with the environment pointing at the stub (or at nothing)."""
    env = _env()
    cmd = [sys.executable, "-m", "loadtui", *_cmd(plan_file, out, *extra)]
    if reply is None:
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120), None
    with StubLlm(reply) as stub:
        env |= {"OPENAI_BASE_URL": stub.base_url, "OPENAI_API_KEY": KEY}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    return done, stub


def export_in_process(
    plan_file: Path,
    out: Path,
    reply: list[Reply],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *extra: str,
) -> tuple[int, str]:
    """The same command through cli.main (a subprocess costs seconds on a busy box)."""
    from loadtui.cli import main

    for name in [k for k in os.environ if k.startswith(("OPENAI_", "LOADTUI_"))]:
        monkeypatch.delenv(name)
    with StubLlm(reply) as stub:
        monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", KEY)
        code = main(_cmd(plan_file, out, *extra))
    captured = capsys.readouterr()
    assert KEY not in captured.out + captured.err
    return code, captured.out


def test_a_rewrite_that_keeps_the_options_is_written_and_shown_as_a_diff(
    plan_file: Path, tmp_path: Path
) -> None:
    base = deterministic(plan_file)
    good = idiomatic(base)
    assert good != base and "runCasualBrowser" in good
    out = tmp_path / "load.js"
    done, stub = export_subprocess(
        plan_file, out, [answer({"script": good, "summary": "named personas"})]
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text() == good
    assert "+++ b/load.js" in done.stdout and "+export function runCasualBrowser()" in done.stdout
    assert "passed the checks and was written: named personas" in done.stdout
    assert KEY not in done.stdout + done.stderr
    assert stub is not None
    sent = stub.bodies_text()
    assert "127.0.0.1:8080" not in sent and "[ip-1]:8080" in sent  # the target was redacted
    assert stub.seen[0].body["response_format"]["json_schema"]["name"] == "k6_rewrite"


REMOTE = 'import { uuidv4 } from "https://jslib.k6.io/k6-utils/1.4.0/index.js";\n'
SPOILS = {
    "a stage is longer": (lambda s: s.replace('duration: "', 'duration: "1', 1), "changed"),
    "a remote module": (lambda s: REMOTE + s, "only k6's built-in"),
    "reads the key": (lambda s: s + "\nconst k = process.env.OPENAI_API_KEY;\n", "'process'"),
    "no parse": (lambda s: s + "\nexport function broken( {\n", "does not parse"),
    "no options": (
        lambda s: s.replace("export const options", "const options_gone"),
        "no `export const options`",
    ),
}


@pytest.mark.parametrize(("spoil", "why"), list(SPOILS.values()), ids=list(SPOILS))
def test_a_rewrite_that_breaks_the_plan_leaves_the_deterministic_export(
    plan_file: Path,
    tmp_path: Path,
    spoil: object,
    why: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = deterministic(plan_file)
    bad = spoil(idiomatic(base))  # type: ignore[operator]
    assert bad != idiomatic(base)
    out = tmp_path / "load.js"
    reply = [answer({"script": bad})]
    code, stdout = export_in_process(plan_file, out, reply, monkeypatch, capsys, "--json")
    assert code == 0
    assert out.read_text() == base
    doc = json.loads(stdout)
    assert doc["llm"]["outcome"] == "rejected" and doc["llm"]["diff"] == ""
    assert why in doc["llm"]["note"] and doc["llm"]["note"].endswith(
        "wrote the deterministic export"
    )


def test_quiet_hides_the_diff_and_a_bad_answer_is_one_line(
    plan_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "load.js"
    reply = [Reply(content="no json here")]
    code, stdout = export_in_process(plan_file, out, reply, monkeypatch, capsys, "--quiet")
    assert code == 0
    notes = [ln for ln in stdout.splitlines() if ln.startswith("--llm")]
    assert len(notes) == 1 and "not valid JSON" in notes[0]
    assert "@@" not in stdout and out.read_text() == deterministic(plan_file)


def test_an_accepted_rewrite_in_quiet_mode_prints_no_diff(
    plan_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    good = idiomatic(deterministic(plan_file))
    out = tmp_path / "load.js"
    reply = [answer({"script": good})]
    code, stdout = export_in_process(plan_file, out, reply, monkeypatch, capsys, "-q")
    assert code == 0 and out.read_text() == good
    assert "@@" not in stdout and "passed the checks" in stdout


def test_without_an_endpoint_the_deterministic_export_is_written_with_a_note(
    plan_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "load.js"
    done, _ = export_subprocess(plan_file, out, None)
    assert done.returncode == 0
    assert "--llm: no OPENAI_API_KEY or OPENAI_BASE_URL is set" in done.stdout
    assert out.read_text() == deterministic(plan_file)


def test_llm_with_another_format_is_a_user_error(
    plan_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from loadtui.cli import main

    code = main(["export", "locust", str(plan_file), "-o", str(tmp_path / "l.py"), "--llm"])
    assert code == 2 and "--llm rewrites k6 scripts only" in capsys.readouterr().err


def test_the_checker_accepts_the_deterministic_script_and_a_renamed_one(
    plan_file: Path, tmp_path: Path
) -> None:
    base = deterministic(plan_file)
    from loadtui.export.escape import json_text
    from loadtui.export.k6 import k6_data
    from loadtui.plan import load_plan

    data = tmp_path / "load.data.json"
    data.write_text(json_text(k6_data(load_plan(plan_file))))
    assert problem(base, base, data) is None
    assert problem(base, idiomatic(base), data) is None
    extra = idiomatic(base).replace(
        "export const options = {", "export const options = {\n  insecureSkipTLSVerify: true,"
    )
    assert problem(base, extra, data) == "options gains 'insecureSkipTLSVerify'"
