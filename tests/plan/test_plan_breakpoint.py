"""`plan --type breakpoint`: the ramp, the stop conditions (`--until`), the YAML round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtui.cli import main
from loadtui.contracts import Breakpoint, TrafficModel
from loadtui.engine.url_plan import build_url_plan
from loadtui.errors import UserError
from loadtui.plan.build import as_breakpoint, build_plan
from loadtui.plan.stages import BREAKPOINT_FACTOR, make_stages, parse_duration, total_seconds
from loadtui.plan.thresholds import DEFAULT_UNTIL, parse_until, until_spec, validate_until
from loadtui.plan.yaml_io import dumps_plan, load_plan, loads_plan


def test_the_linear_ramp_climbs_to_ten_times_the_peak_in_ten_named_slices() -> None:
    stages = make_stages("breakpoint", 50.0, 600)
    assert total_seconds(stages) == 600
    assert [s.target for s in stages] == [50.0 * k for k in range(1, 11)]
    assert [parse_duration(s.duration) for s in stages] == [60] * 10
    assert stages[0].name == "ramp to ×1" and stages[-1].name == "ramp to ×10"
    assert stages[-1].target == 50.0 * BREAKPOINT_FACTOR


def test_the_stepped_ramp_holds_each_level() -> None:
    stages = make_stages("breakpoint", 50.0, 600, ramp="steps")
    assert total_seconds(stages) == 600 and len(stages) == 20
    ramps, holds = stages[0::2], stages[1::2]
    assert (
        [s.target for s in ramps] == [s.target for s in holds] == [50.0 * k for k in range(1, 11)]
    )
    assert all(parse_duration(h.duration) == 48 for h in holds)
    assert holds[3].name == "step ×4"


def test_a_breakpoint_plan_stops_on_conditions_not_thresholds(model: TrafficModel) -> None:
    plan = build_plan(model, type="breakpoint", peak_rps=100.0, duration="2m")
    assert plan.type == "breakpoint" and plan.workload.model == "open"
    assert plan.thresholds == {}
    assert plan.breakpoint is not None and plan.breakpoint.until == DEFAULT_UNTIL
    top_rps = plan.stages[-1].target * plan.workload.mean_requests_per_session
    assert top_rps == pytest.approx(1000.0, rel=1e-3)
    assert total_seconds(plan.stages) == 120


def test_until_replaces_the_defaults(model: TrafficModel) -> None:
    plan = build_plan(
        model,
        type="breakpoint",
        peak_rps=100.0,
        until=["http_req_failed>0.02", "p(99)>2000", "rate>0.02"],
    )
    assert plan.breakpoint is not None
    assert plan.breakpoint.until == {
        "http_req_failed": ["rate>0.02"],
        "http_req_duration": ["p(99)>2000"],
    }


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"type": "breakpoint", "workload": "closed"}, "use --workload open"),
        ({"type": "load", "until": ["p(95)>100"]}, "--until goes with --type breakpoint"),
        ({"type": "stress", "ramp": "steps"}, "--ramp goes with --type breakpoint"),
        ({"type": "breakpoint", "until": ["p95>100"]}, "--until 'p95>100' is not a stop"),
        ({"type": "breakpoint", "until": ["http_req_duration>100"]}, "say which statistic"),
    ],
)
def test_options_that_make_no_breakpoint_plan(
    model: TrafficModel, options: dict[str, object], message: str
) -> None:
    with pytest.raises(UserError, match=message):
        build_plan(model, peak_rps=100.0, **options)  # type: ignore[arg-type]


CHECKOUT = "http_req_failed{scenario:checkout}"


@pytest.mark.parametrize(
    ("text", "key", "expression"),
    [
        ("http_req_failed>0.05", "http_req_failed", "rate>0.05"),
        ("p(95)>1000", "http_req_duration", "p(95)>1000"),
        ("avg > 250", "http_req_duration", "avg>250"),
        ("rate>=0.1", "http_req_failed", "rate>=0.1"),
        ("http_req_duration p(99)>2000", "http_req_duration", "p(99)>2000"),
        ("http_req_service:med>40", "http_req_service", "med>40"),
        ("http_req_failed{scenario: checkout}:rate>0.1", CHECKOUT, "rate>0.1"),
        ("http_req_failed{scenario:checkout} > 0.1", CHECKOUT, "rate>0.1"),
        ("http_reqs rate<100", "http_reqs", "rate<100"),
    ],
)  # fmt: skip
def test_until_forms(text: str, key: str, expression: str) -> None:
    got_key, th = parse_until(text)
    assert (got_key, th.expression) == (key, expression)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http_req_duration>100", "say which statistic of http_req_duration, e.g."),
        ("count>5", "name the metric, e.g. http_reqs count>5"),
        ("vus>3", "'vus>3' is not a stop condition: it reads http_req_failed, http_req_duration"),
        ("p(95)>1000 abortOnFail", "abortOnFail has no meaning here"),
        ("http_req_duration{scenario:x} p(95)>3", "only http_req_failed takes tags"),
        ("http_req_failed p(95)>3", "http_req_failed has no p(95); use rate"),
        ("soon", "is not a stop condition; write it like http_req_failed>0.05"),
    ],
)
def test_until_errors_name_the_fix(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_until(text)


def test_until_spec_and_plan_blocks_agree() -> None:
    spec = until_spec(["http_req_failed>0.05", "p(95)>1000"])
    assert spec == DEFAULT_UNTIL
    assert validate_until({"http_req_failed": "rate>0.05"}) == {"http_req_failed": ["rate>0.05"]}
    with pytest.raises(ValueError, match=r"until.http_req_failed\[0\]"):
        validate_until({"http_req_failed": [0.05]})


def test_breakpoint_plans_round_trip_through_yaml(model: TrafficModel) -> None:
    plan = build_plan(model, type="breakpoint", peak_rps=80.0, duration="90s", ramp="steps")
    plan = plan.model_copy(
        update={"breakpoint": Breakpoint(until=plan.breakpoint.until, window="3s", hold="4s")}  # type: ignore[union-attr]
    )
    text = dumps_plan(plan)
    assert "breakpoint:" in text and "until:" in text and "rate>0.05" in text
    again = loads_plan(text)
    assert again == plan
    assert loads_plan(dumps_plan(again)) == plan


def test_other_plans_carry_no_breakpoint_block(model: TrafficModel) -> None:
    plan = build_plan(model, type="load", peak_rps=80.0)
    assert plan.breakpoint is None
    text = dumps_plan(plan)
    assert "breakpoint" not in text
    assert loads_plan(text).breakpoint is None


def test_a_url_plan_becomes_a_breakpoint_test() -> None:
    url = build_url_plan("http://127.0.0.1:9/products/1", rate=5)
    plan = as_breakpoint(url, peak_rps=150.0, duration="40s", until=["p(90)>300"])
    assert plan.type == "breakpoint" and plan.scenarios == url.scenarios
    assert [s.target for s in plan.stages] == [150.0 * k for k in range(1, 11)]
    assert plan.thresholds == {}
    assert plan.breakpoint is not None
    assert plan.breakpoint.until == {"http_req_duration": ["p(90)>300"]}
    closed = build_url_plan("http://127.0.0.1:9/", vus=3)
    with pytest.raises(UserError, match="needs the open model"):
        as_breakpoint(closed, peak_rps=10.0, duration="40s")


@pytest.fixture
def model_file(model: TrafficModel, tmp_path: Path) -> Path:
    path = tmp_path / "model.json"
    path.write_text(model.model_dump_json(indent=2))
    return path


def test_plan_command_writes_a_breakpoint_plan(
    model_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bp.yaml"
    code = main(
        [
            "plan", str(model_file), "-o", str(out), "--type", "breakpoint", "--peak-rps", "120",
            "--duration", "5m", "--until", "http_req_failed>0.02", "--until", "p(99)>1500",
        ]
    )  # fmt: skip
    assert code == 0
    plan = load_plan(out)
    assert plan.type == "breakpoint" and total_seconds(plan.stages) == 300
    assert plan.breakpoint is not None
    assert plan.breakpoint.until == {
        "http_req_failed": ["rate>0.02"],
        "http_req_duration": ["p(99)>1500"],
    }
    said = capsys.readouterr().out
    assert "breakpoint test" in said and "≈ 1200 req/s" in said
    assert "stops when http_req_failed rate>0.02 or http_req_duration p(99)>1500" in said


def test_plan_command_refuses_a_bad_until_in_one_line(
    model_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bp.yaml"
    code = main(["plan", str(model_file), "-o", str(out), "--type", "breakpoint", "--until", "x"])
    assert code == 2 and not out.exists()
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--until 'x' is not a stop condition" in err


def test_plan_help_says_what_a_breakpoint_run_exits_with(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["plan", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--type {smoke,load,stress,spike,soak,breakpoint}" in text
    assert "the run ends `complete` and exits 0 (k6's abortOnFail would exit 99)" in text
    assert "default: http_req_failed>0.05 and p(95)>1000" in text
