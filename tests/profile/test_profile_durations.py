"""CLI values: durations like 30m/90s/1h and --k auto|N."""

from __future__ import annotations

import pytest

from loadtui.commands.profile import parse_duration, parse_k
from loadtui.errors import UserError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30m", 1800), ("90s", 90), ("1h", 3600), ("1h30m", 5400), ("250ms", 0.25), ("45", 45)],
)
def test_durations_parse_to_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "soon", "30x", "m30", "1h 30m"])
def test_unreadable_durations_are_user_errors(text: str) -> None:
    with pytest.raises(UserError, match="30m"):
        parse_duration(text)


def test_k_is_auto_or_a_positive_number() -> None:
    assert parse_k("auto") is None
    assert parse_k("4") == 4
    with pytest.raises(UserError):
        parse_k("0")
    with pytest.raises(UserError):
        parse_k("many")
