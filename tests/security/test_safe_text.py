"""The one sanitiser for outside text on a terminal: what it escapes, what it keeps."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text

from loadtui.safe_text import clean, clean_lines, clean_text, is_clean, json_text, markup_value


def test_controls_bidi_and_c1_read_as_escapes() -> None:
    assert clean("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert clean("\x1b]0;PWNED\x07") == "\\x1b]0;PWNED\\x07"
    assert clean("\x9b31m\x00\x7f") == "\\x9b31m\\x00\\x7f"
    assert clean("x\u202ey\u2066") == "x\\u202ey\\u2066"
    assert clean("\ud800") == "\\ud800"  # a lone surrogate would not even encode to UTF-8
    assert clean("\U000e0001") == "\\U000e0001"  # an invisible tag character
    assert clean("tab\tnew\nline") == "tab\\x09new\\x0aline"


def test_printable_text_is_returned_as_it_is() -> None:
    for text in ("/products/{id}", "GET /a[/b] · → █ é 日本 🙂", "[@click=app.quit]x[/]", ""):
        assert clean(text) == text


@settings(max_examples=300)
@given(st.text())
def test_cleaned_text_is_printable_and_cleaning_twice_changes_nothing(text: str) -> None:
    once = clean(text)
    assert is_clean(once) and once.isprintable()
    assert clean(once) == once
    assert all(is_clean(line) for line in clean_lines(text).split("\n"))


@settings(max_examples=200)
@given(st.text())
def test_json_text_is_the_same_document_with_no_raw_control(text: str) -> None:
    doc = {"path": text, "n": [1, 2]}
    for raw in (json.dumps(doc, ensure_ascii=False, indent=2), json.dumps(doc, ensure_ascii=False)):
        safe = json_text(raw)
        assert json.loads(safe) == doc
        assert all(is_clean(line) for line in safe.split("\n"))


def test_clean_text_keeps_each_span_style_over_the_escaped_characters() -> None:
    text = Text.assemble(("run ", "dim"), ("a\x1bb", "bold"), " ", ("\u202e!", "red"))
    out = clean_text(text)
    assert out.plain == "run a\\x1bb \\u202e!"
    styled = {out.plain[s.start : s.end]: str(s.style) for s in out.spans}
    assert styled == {"run ": "dim", "a\\x1bb": "bold", "\\u202e!": "red"}


def test_markup_value_inside_app_markup_reads_literally() -> None:
    console = Console(file=None, width=200, record=True, color_system=None)
    for value in ("[@click=app.quit]x[/]", "/a[/b]", "[link=https://evil.example]y[/link]"):
        console.print(f"[bold]route[/] {markup_value(value)} end", markup=True)
        assert f"route {value} end" in console.export_text(clear=True)
    ends_in_backslash = markup_value("x\\")
    console.print(f"[bold]{ends_in_backslash}[/bold] end")  # a backslash before a tag
    assert "x\\ end" in console.export_text(clear=True)
