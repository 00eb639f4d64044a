"""k6 threshold expressions: parsing, evaluation, errors, defaults."""

from __future__ import annotations

import pytest

from loadtui.plan.thresholds import (
    default_thresholds,
    evaluate,
    nice_ceil,
    parse_metric_key,
    parse_threshold,
    validate_thresholds,
)

STATS = {
    "avg": 150.0,
    "min": 2.0,
    "med": 90.0,
    "max": 2900.0,
    "p(90)": 300.0,
    "p(95)": 480.0,
    "p(99.9)": 1500.0,
    "rate": 0.004,
    "count": 120.0,
    "value": 40.0,
}


@pytest.mark.parametrize(
    ("expr", "holds"),
    [
        ("p(95)<500", True),
        ("p(95)<480", False),
        ("p(99.9)<=1500", True),
        ("p(99.9)<1500", False),
        ("avg<200", True),
        ("med<100", True),
        ("med < 50", False),
        ("max<3000", True),
        ("min>1", True),
        ("rate<0.01", True),
        ("rate<0.001", False),
        ("count>100", True),
        ("count>=121", False),
        ("value<50", True),
        ("value==40", True),
        ("value===40", True),
        ("value!=40", False),
        ("p(90) > 250", True),
    ],
)
def test_thresholds_parse_and_evaluate(expr: str, holds: bool) -> None:
    assert evaluate(parse_threshold(expr), STATS) is holds


def test_parsed_parts_are_exposed() -> None:
    th = parse_threshold("p(99.9)<=1500")
    assert (th.aggregation, th.percentile, th.op, th.value) == ("p", 99.9, "<=", 1500.0)
    assert th.stat == "p(99.9)" and th.expression == "p(99.9)<=1500"
    assert parse_threshold("rate<1e-3").value == 0.001


def test_object_form_carries_abort_on_fail_and_its_delay() -> None:
    th = parse_threshold({"threshold": "rate<0.25", "abortOnFail": True, "delayAbortEval": "10s"})
    assert th.abort_on_fail and th.delay_abort_eval_s == 10.0
    assert th.to_plan_string() == "rate<0.25 abortOnFail=10s"
    again = parse_threshold(th.to_plan_string())
    assert again == th
    assert again.to_k6() == {"threshold": "rate<0.25", "abortOnFail": True, "delayAbortEval": "10s"}
    assert parse_threshold("p(95)<500").to_k6() == "p(95)<500"


def test_median_and_p50_read_each_other() -> None:
    assert evaluate(parse_threshold("med<100"), {"p(50)": 90.0})
    assert not evaluate(parse_threshold("p(50)<80"), {"med": 90.0})


def test_missing_statistic_is_an_error_not_a_pass() -> None:
    with pytest.raises(KeyError, match="p\\(99\\)"):
        evaluate(parse_threshold("p(99)<10"), {"p(95)": 1.0})


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("p95<500", "not a k6 threshold"),
        ("p(95)<", "not a k6 threshold"),
        ("p(95)=500", "not a k6 threshold"),
        ("p(150)<500", "between 0 and 100"),
        ("mean<200", "not a k6 threshold"),
        ("avg<200ms", "not a k6 threshold"),
        ("", "not a k6 threshold"),
    ],
)
def test_bad_syntax_gets_a_clear_value_error(expr: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_threshold(expr)


def test_bad_object_forms_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown key"):
        parse_threshold({"threshold": "avg<1", "abortOnFial": True})
    with pytest.raises(ValueError, match="abortOnFail must be true or false"):
        parse_threshold({"threshold": "avg<1", "abortOnFail": "yes"})
    with pytest.raises(ValueError, match="delayAbortEval"):
        parse_threshold({"threshold": "avg<1", "abortOnFail": True, "delayAbortEval": "soon"})


def test_submetric_keys_parse_tags() -> None:
    assert parse_metric_key("http_req_duration{scenario:casual_browser, method:GET}") == (
        "http_req_duration",
        {"scenario": "casual_browser", "method": "GET"},
    )
    assert parse_metric_key("http_reqs") == ("http_reqs", {})
    with pytest.raises(ValueError, match="name:value"):
        parse_metric_key("http_req_duration{scenario}")
    with pytest.raises(ValueError, match="not a metric key"):
        parse_metric_key("http req duration")


def test_a_plan_thresholds_block_is_checked_entry_by_entry() -> None:
    block = {
        "http_req_duration{scenario:api}": ["p(95)<300"],
        "http_req_failed": ["rate<0.01", {"threshold": "rate<0.3", "abortOnFail": True}],
    }
    assert validate_thresholds(block) == {
        "http_req_duration{scenario:api}": ["p(95)<300"],
        "http_req_failed": ["rate<0.01", "rate<0.3 abortOnFail"],
    }
    with pytest.raises(ValueError, match=r"thresholds\.http_req_failed\[1\]: .*no p\(95\)"):
        validate_thresholds({"http_req_failed": ["rate<0.01", "p(95)<3"]})
    with pytest.raises(ValueError, match=r"thresholds\.http_req_duration\[0\]"):
        validate_thresholds({"http_req_duration": ["p95 < 3"]})


def test_default_thresholds_follow_observed_response_times_with_headroom() -> None:
    assert default_thresholds(None)["http_req_duration"][0] == "p(95)<500"
    assert default_thresholds(40.0)["http_req_duration"] == ["p(95)<200", "p(99)<500"]
    assert default_thresholds(3.0)["http_req_duration"][0] == "p(95)<50"  # a floor
    failed = default_thresholds(None)["http_req_failed"]
    assert failed[0] == "rate<0.01"
    assert parse_threshold(failed[1]).abort_on_fail


def test_defaults_are_metrics_the_engine_measures() -> None:
    from loadtui.engine.thresholds_live import parse_threshold as bind_to_engine

    for key, exprs in default_thresholds(40.0).items():
        for expr in exprs:
            th = bind_to_engine(key, expr)
            assert th.metric == key
            assert th.parsed == parse_threshold(expr)


@pytest.mark.parametrize(("x", "nice"), [(1.0, 1), (180, 200), (201, 250), (260, 500), (501, 1000)])
def test_nice_ceil_rounds_up_to_readable_numbers(x: float, nice: float) -> None:
    assert nice_ceil(x) == nice
