"""Outside text (log paths, user agents, HAR and imported names, a target's or an LLM's answer)
shown on a terminal: never markup, never a control sequence.

Access logs are attacker-controlled: a path can hold Rich markup (`[@click=app.quit]`), an ESC
sequence that clears the screen or sets the clipboard (OSC 52), or a bidi override that
reorders a table row. Everything that is displayed goes through `clean` (visible escapes) and,
where Rich or Textual render it, `plain` (a `Text` that is never parsed as markup). Data on
disk keeps its exact bytes; only display is escaped.
"""

from __future__ import annotations

from itertools import pairwise

from rich.markup import escape
from rich.text import Text


def _escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def clean(value: object) -> str:
    """`value` as one printable line: every character Python does not call printable (C0 and
    C1 controls with tab and newline, ESC, DEL, bidi and other format characters, line and
    paragraph separators, lone surrogates, unassigned and private-use code points) is shown as
    `\\x1b`, `\\u202e`, `\\U000e0001`. The same test as `str.isprintable`, so a cleaned
    string always passes it; printable text (the common case) is returned as it is."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escape(char) for char in text)


def clean_lines(value: object) -> str:
    """Like `clean`, but newlines stay line breaks (multi-line messages from outside)."""
    text = value if isinstance(value, str) else str(value)
    return "\n".join(clean(line) for line in text.split("\n"))


def plain(value: object, style: str = "") -> Text:
    """A Rich `Text` of cleaned outside text: never parsed as markup."""
    return Text(clean(value), style=style)


def clean_text(text: Text) -> Text:
    """`text` with its characters cleaned and its styles kept (a `Text` assembled from the
    app's own words and outside values; the sink cleans it whole). Escapes change lengths,
    so the text is cut at every span edge and each piece cleaned and re-styled."""
    if is_clean(text.plain):
        return text
    out = text.blank_copy()
    edges = sorted({0, len(text), *(e for s in text.spans for e in (s.start, s.end))})
    for start, end in pairwise(edges):
        piece = text[start:end]
        cleaned = Text(clean(piece.plain))
        for span in piece.spans:
            cleaned.stylize(span.style)
        out.append_text(cleaned)
    return out


def markup_value(value: object) -> str:
    """`value` ready to sit inside Rich or Textual markup: cleaned, then `[` escaped."""
    return escape(clean(value))


def _json_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # astral: a UTF-16 surrogate pair, as JSON spells it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_text(document: str) -> str:
    """A JSON document safe for a terminal and still the same document: characters `clean`
    would escape can only sit inside strings (JSON's own layout is spaces and newlines), so
    they become JSON `\\u` escapes. For encoders that write UTF-8 as is (pydantic's
    `model_dump_json`); `json.dumps` escapes all but DEL already."""
    if document.isprintable():
        return document
    return "".join(
        char if char.isprintable() or char == "\n" else _json_escape(char) for char in document
    )


def is_clean(text: str) -> bool:
    """True when `text` holds no character `clean` would escape (for tests and guards)."""
    return text.isprintable()
