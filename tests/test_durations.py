import pytest

from loadtui.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30s", 30.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("500ms", 0.5),
        ("1.5s", 1.5),
        ("2d", 172800.0),
        ("90", 90.0),
        (" 10S ", 10.0),
        (12, 12.0),
    ],
)
def test_k6_durations_parse_to_seconds(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "ten seconds", "5x", "1h 30m", "-5", "m5"])
def test_bad_durations_say_what_a_duration_looks_like(bad: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


@pytest.mark.parametrize(("seconds", "text"), [(90, "1m30s"), (3600, "1h"), (0.5, "500ms")])
def test_durations_format_back_to_the_shortest_k6_text(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)
