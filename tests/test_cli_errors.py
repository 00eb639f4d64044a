"""Mistakes a user makes on the command line get one line that names the fix, and exit 2:
a misspelt plan key, a traffic model or a k6 script given to `run`, an unknown flag after a
sub-command, a log format the ingest reads but argparse did not list."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtui.cli import main

GOOD_PLAN = """\
target: http://127.0.0.1:9
stages:
  - {duration: 10s, target: 1}
limits: {max_rps: 5}
scenarios:
  - name: browse
    persona: casual_browser
    weight: 1
    steps:
      - {method: GET, route: /}
"""


def _error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def _run(tmp_path: Path, name: str, text: str, capsys: pytest.CaptureFixture[str]) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert main(["run", str(path), "--headless"]) == 2
    return _error(capsys).replace(str(tmp_path) + "/", "")


@pytest.mark.parametrize(
    ("good", "typo", "message"),
    [
        (
            "stages:",
            "stagess:",
            "loadtui: error: plan.yaml: unknown key 'stagess' in the plan; did you mean 'stages'?",
        ),
        (
            "{max_rps: 5}",
            "{max_rsp: 5}",
            "loadtui: error: plan.yaml: unknown key 'max_rsp' in limits; did you mean 'max_rps'?",
        ),
        (
            "{method: GET, route: /}",
            "{methd: GET, route: /}",
            "loadtui: error: plan.yaml: unknown key 'methd' in scenarios[0].steps[0]; "
            "did you mean 'method'?",
        ),
        (  # the misspelling, not the field it left missing, is what to fix
            "{method: GET, route: /}",
            "{method: GET, rout: /}",
            "loadtui: error: plan.yaml: unknown key 'rout' in scenarios[0].steps[0]; "
            "did you mean 'route'?",
        ),
    ],
)
def test_a_misspelt_plan_key_suggests_the_right_one(
    good: str, typo: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert typo not in GOOD_PLAN and good in GOOD_PLAN
    assert _run(tmp_path, "plan.yaml", GOOD_PLAN.replace(good, typo), capsys) == message


def test_an_unknown_key_with_no_close_match_lists_the_keys_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = GOOD_PLAN.replace("{max_rps: 5}", "{zzz: 5}")
    err = _run(tmp_path, "plan.yaml", text, capsys)
    assert err.startswith("loadtui: error: plan.yaml: unknown key 'zzz' in limits; the keys ")
    assert "request_timeout_s" in err and "max_rps" in err


def test_workload_keys_are_checked_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = GOOD_PLAN + "workload: {modle: open}\n"
    err = _run(tmp_path, "plan.yaml", text, capsys)
    assert err == (
        "loadtui: error: plan.yaml: unknown key 'modle' in workload; did you mean 'model'?"
    )


def test_running_a_traffic_model_says_to_plan_it_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = '{"version": 1, "personas": [{"name": "casual_browser"}], "arrivals": {}}'
    assert _run(tmp_path, "model.json", model, capsys) == (
        "loadtui: error: model.json is a traffic model, not a plan: run "
        "`loadtui plan model.json -o plan.yaml` first, then `loadtui run plan.yaml`"
    )


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("script.js", 'import http from "k6/http";\nexport default function () {}\n'),
        ("script.js", "// no imports at all\n"),
        ("load.txt", "import { check } from 'k6';\nexport default function () {}\n"),
    ],
)
def test_running_a_k6_script_says_what_it_is(
    name: str, text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, name, text, capsys) == (
        f"loadtui: error: {name} is a k6 script, not a loadtui plan: run it with "
        f"`k6 run {name}`, or make a plan from access logs with `loadtui profile` then "
        "`loadtui plan`"
    )


def test_an_unknown_flag_shows_the_sub_command_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--bogus"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: loadtui run ")
    assert err.rstrip().endswith("loadtui run: error: unrecognized arguments: --bogus")
    assert "--peak-rps" not in err  # a top-level option: not this command's usage


def test_an_unknown_top_level_flag_still_shows_the_top_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--bogus"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: loadtui [-h]")
    assert err.rstrip().endswith("loadtui: error: unrecognized arguments: --bogus")


def test_profile_takes_the_netnea_format_its_error_suggests(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "nothing.log"
    log.write_text("not a log line\n" * 3, encoding="utf-8")
    assert main(["profile", str(log)]) == 2
    err = _error(capsys)
    assert "--format (combined, common, nginx, netnea, jsonl, csv, har)" in err
    # the suggestion is accepted: the netnea fixture profiles with it
    netnea = Path(__file__).parent / "fixtures" / "logs" / "netnea_extended.log"
    assert main(["profile", str(netnea), "--format", "netnea", "--json", "--k", "1"]) == 0
    assert '"netnea' in capsys.readouterr().out
