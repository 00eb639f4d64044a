"""Hypothesis strategies for hostile display text, and the checks every rendering must pass."""

from __future__ import annotations

import re

from hostile_logs import CONTROLS, MARKUP
from hypothesis import strategies as st

from loadtui.safe_text import clean, is_clean

LETTERS = ("a", "Z", "9", "é", "-")

# 2-5 fragments, at least one markup and one control: readable only if both are kept visible
value = st.tuples(
    st.sampled_from(MARKUP),
    st.sampled_from(CONTROLS),
    st.lists(st.sampled_from(MARKUP + CONTROLS + LETTERS), max_size=3),
    st.booleans(),
).map(lambda t: "".join((t[0], t[1], *t[2]) if t[3] else (t[1], t[0], *t[2])))

# raw characters a terminal acts on (tab and newline are layout here, not data)
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def unclean_lines(text: str) -> list[str]:
    """The lines of `text` that hold a character `clean` would have escaped."""
    return [line for line in text.split("\n") if not is_clean(line.replace("\t", " "))]


def raw_controls(text: str) -> list[str]:
    """Raw control and bidi characters anywhere in `text` (an SVG screenshot, say)."""
    return sorted(set(RAW.findall(text)))


def shown(value: str, *, keep: str = "") -> str:
    """How the start of `value` reads on screen: its first 8 cleaned characters (tables may cut
    the rest). `keep` drops characters a format cannot carry first."""
    if keep:
        value = "".join(c for c in value if c not in keep)
    return clean(value)[:8]
