"""Plans on disk: round trip, comments that survive, hostile log strings, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtui.contracts import Stage, Step, TestPlan, TrafficModel
from loadtui.errors import UserError
from loadtui.plan.build import build_plan
from loadtui.plan.yaml_io import dumps_plan, load_plan, loads_plan, save_plan

HOSTILE = "/a: b #c 'q\" \n {{x}} !!python/object/apply:os.system ['id'] & *ref |"


def test_save_then_load_gives_the_same_plan(model: TrafficModel, tmp_path: Path) -> None:
    plan = build_plan(model, include_bots=True, source_model="model.json")
    path = tmp_path / "plan.yaml"
    save_plan(plan, path)
    loaded = load_plan(path)
    assert loaded == TestPlan.model_validate_json(loaded.model_dump_json())  # a valid model object
    assert loaded.scenarios == plan.scenarios
    assert loaded.stages == plan.stages and loaded.thresholds == plan.thresholds
    assert loaded.workload == plan.workload and loaded.target == plan.target
    assert [p.name for p in tmp_path.iterdir()] == ["plan.yaml"]  # no temp files left


def test_new_files_explain_themselves(model: TrafficModel) -> None:
    text = dumps_plan(build_plan(model, source_model="model.json"))
    assert text.startswith("# loadtui test plan (load, open model)")
    assert "# k6 stages" in text and "# k6 syntax" in text
    assert "abortOnFail: true" in text  # the k6 object form on disk
    assert "      - [" in text  # matrix rows one per line, flow style


def test_user_comments_survive_load_edit_save(model: TrafficModel, tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    save_plan(build_plan(model), path)
    text = path.read_text()
    text = text.replace("stages:\n", "stages:  # agreed with SRE on 2024-05-01\n", 1)
    text = text.replace("thresholds:\n", "# keep p95 tight: checkout SLO\nthresholds:\n", 1)
    text = text.replace("    name: ramp\n", "    name: ramp  # warm the caches first\n", 1)
    path.write_text(text)

    plan = load_plan(path)
    stages = list(plan.stages)
    stages[1] = Stage(duration="3m", target=stages[1].target * 2, name="hold")
    save_plan(plan.model_copy(update={"stages": stages}), path)

    after = path.read_text()
    assert "# agreed with SRE on 2024-05-01" in after
    assert "# keep p95 tight: checkout SLO" in after
    assert "# warm the caches first" in after
    assert load_plan(path).stages[1].duration == "3m"


def test_hostile_strings_from_logs_round_trip_as_plain_strings(
    model: TrafficModel, tmp_path: Path
) -> None:
    plan = build_plan(model)
    sc = plan.scenarios[0]
    evil = Step(
        method="GET",
        route="/p/{id}",
        params={"id": [HOSTILE, "{{token}}", "- x", "null", "1e3", "yes"]},
        query=[HOSTILE, "q=#frag: x"],
        headers={"X-Note": HOSTILE},
    )
    plan = plan.model_copy(
        update={
            "name": HOSTILE,
            "scenarios": [sc.model_copy(update={"steps": [*sc.steps[:-1], evil]})],
        }
    )
    path = tmp_path / "plan.yaml"
    save_plan(plan, path)
    text = path.read_text()
    assert "!!python" not in text.replace("'", "").split("name:")[0]  # no tag at key position
    loaded = load_plan(path)
    step = loaded.scenarios[0].steps[-1]
    assert step.params["id"] == [HOSTILE, "{{token}}", "- x", "null", "1e3", "yes"]
    assert step.query == [HOSTILE, "q=#frag: x"]
    assert step.headers == {"X-Note": HOSTILE}
    assert loaded.name == HOSTILE


def test_python_tags_in_a_plan_file_never_build_objects(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("name: !!python/object/apply:os.system ['touch pwned']\ntarget: x\n")
    with pytest.raises(UserError):
        load_plan(path)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: [unclosed\n", "line 2: not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        (
            "scenarios:\n  - name: a\n    persona: a\n    weight: 1\n"
            "    steps:\n      - method: GET\n",
            r"scenarios\[0\]\.steps\[0\]\.route: Field required",
        ),
        ("stages:\n  - duration: soon\n    target: 1\n", r"stages\[0\]\.duration"),
        (
            "thresholds:\n  http_req_duration: ['p95<500']\n",
            r"thresholds\.http_req_duration\[0\]: 'p95<500' is not a k6 threshold",
        ),
        ("workload:\n  model: sometimes\n", r"workload\.model"),
        ("bogus_key: 1\n", "bogus_key"),
    ],
)
def test_invalid_plans_name_the_problem(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        loads_plan(text, "plan.yaml")


def test_markov_rows_that_do_not_sum_to_one_are_refused(model: TrafficModel) -> None:
    text = dumps_plan(build_plan(model))
    broken = text.replace("exit: [0.2, 0.3, 0.4]", "exit: [0.9, 0.3, 0.4]", 1)
    assert broken != text
    with pytest.raises(
        UserError, match=r"scenarios\[0\] \(casual_browser\)\.matrix\[0\] plus exit"
    ):
        loads_plan(broken)


def test_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="loadtui plan MODEL -o"):
        load_plan(tmp_path / "nope.yaml")


def test_the_run_command_reads_plans_through_this_loader(
    model: TrafficModel, tmp_path: Path
) -> None:
    from loadtui.commands.run import load_plan_file

    path = tmp_path / "p.yaml"
    save_plan(build_plan(model), path)
    assert load_plan_file(path).scenarios == load_plan(path).scenarios
