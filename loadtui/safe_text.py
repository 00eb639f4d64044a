"""Outside text (log paths, user agents, HAR and imported names, a target's or an LLM's answer)
shown on a terminal: never markup, never a control sequence.

Access logs are attacker-controlled: a path can hold Rich markup (`[@click=app.quit]`), an ESC
sequence that clears the screen or sets the clipboard (OSC 52), or a bidi override that
reorders a table row. Everything that is displayed goes through `clean` (visible escapes) and,
where Rich or Textual render it, `plain` (a `Text` that is never parsed as markup). Data on
disk keeps its exact bytes; only display is escaped.
"""

from __future__ import annotations

import re

from rich.text import Text

# C0 controls (tab and newline included: one value is one line), DEL, C1 controls, and the
# bidi / invisible format characters that reorder or hide text.
_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clean(value: object) -> str:
    """`value` as one printable line: control and bidi characters shown as `\\x1b`, `\\u202e`."""
    text = value if isinstance(value, str) else str(value)
    return _UNSAFE.sub(_escape, text)


def clean_lines(value: object) -> str:
    """Like `clean`, but newlines stay line breaks (multi-line messages from outside)."""
    text = value if isinstance(value, str) else str(value)
    return "\n".join(clean(line) for line in text.split("\n"))


def plain(value: object, style: str = "") -> Text:
    """A Rich `Text` of cleaned outside text: never parsed as markup."""
    return Text(clean(value), style=style)


def is_clean(text: str) -> bool:
    """True when `text` holds no character `clean` would escape (for tests and guards)."""
    return _UNSAFE.search(text) is None
