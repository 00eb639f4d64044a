"""The Advisor's own diff colouring (difflib + rich Text): prefixes kept, hunk headers dim,
changed values highlighted inside the line, outside text never markup nor control codes."""

from __future__ import annotations

from rich.text import Text

from loadtui.patch.diff import diff_lines
from loadtui.tui.widgets.advisor.diff_text import (
    HUNK,
    added_change_style,
    added_style,
    diff_text,
    first_change,
    removed_change_style,
    removed_style,
)
from loadtui.tui.widgets.advisor.diff_text import diff_lines as styled_lines

OLD = "thresholds:\n  http_req_duration:\n    - p(95)<500\n  http_req_failed:\n    - rate<0.01\n"
NEW = OLD.replace("p(95)<500", "p(95)<650")


def spans_text(line: Text, style: str) -> list[str]:
    return [line.plain[s.start : s.end] for s in line.spans if str(s.style) == style]


def test_a_changed_value_is_highlighted_inside_its_lines() -> None:
    lines = diff_lines(OLD, NEW, "shop.yaml")
    styled = styled_lines(lines)
    plains = [t.plain for t in styled]
    assert plains == lines  # the text is the diff itself, prefixes and all
    removed = styled[plains.index("-    - p(95)<500")]
    added = styled[plains.index("+    - p(95)<650")]
    assert str(removed.style) == removed_style() and str(added.style) == added_style()
    assert spans_text(removed, removed_change_style()) == ["500"]  # the value, whole
    assert spans_text(added, added_change_style()) == ["650"]
    hunk = next(t for t in styled if t.plain.startswith("@@"))
    assert str(hunk.style) == HUNK
    assert first_change(lines) == plains.index("-    - p(95)<500")


def test_decimal_values_and_durations_light_up_whole() -> None:
    styled = styled_lines(
        ["-    - rate<0.01", "+    - rate<0.025", "-  - duration: 5s", "+  - duration: 20s"]
    )
    assert spans_text(styled[0], removed_change_style()) == ["0.01"]
    assert spans_text(styled[1], added_change_style()) == ["0.025"]
    assert spans_text(styled[2], removed_change_style()) == ["5s"]
    assert spans_text(styled[3], added_change_style()) == ["20s"]


def test_unbalanced_blocks_and_whole_new_lines_are_coloured_without_pairing() -> None:
    new = OLD + "  checks:\n    - rate>0.99\n"
    styled = styled_lines(diff_lines(OLD, new, "p.yaml"))
    added = [t for t in styled if t.plain.startswith("+") and not t.plain.startswith("+++")]
    assert [t.plain for t in added] == ["+  checks:", "+    - rate>0.99"]
    assert all(str(t.style) == added_style() and not t.spans for t in added)


def test_outside_text_in_a_diff_is_neither_markup_nor_a_control_sequence() -> None:
    hostile = [
        "--- a/x",
        "+++ b/x",
        "@@ -1 +1 @@",
        "-name: [bold]x[/bold]",
        "+name: \x1b]52;c;AAAA\x07",
    ]
    text = diff_text(hostile)
    assert "[bold]x[/bold]" in text.plain  # shown as typed, not parsed
    assert "\x1b" not in text.plain and "\\x1b" in text.plain
    assert first_change(["--- a", "+++ b", " same"]) == 0
