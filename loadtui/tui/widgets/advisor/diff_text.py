"""A unified diff drawn with colours: our own rendering of `difflib` output on rich `Text`.

Lines keep their `+`/`-`/` ` prefix (a reader can copy the diff); hunk headers are dim cyan,
file headers bold. Where a removed line is followed by an added one (a changed value, the common
case of a threshold or a stage target), the characters that differ are highlighted inside both
lines, so `p(95)<500` → `p(95)<650` shows the `500` and the `650`, not two whole lines.
The diff text comes from files the user may have received from anyone: each line is cleaned
(control and bidi characters shown as escapes) and never parsed as markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

from rich.text import Text

from loadtui.safe_text import clean
from loadtui.tui.palette import style


def added_style() -> str:
    """An added line: the theme's good colour (blue in high-contrast, not green)."""
    return style("good")


def removed_style() -> str:
    return style("bad")


def added_change_style() -> str:
    """The changed value inside an added line, whole: reversed, readable in every theme."""
    return f"bold reverse {style('good')}"


def removed_change_style() -> str:
    return f"bold reverse {style('bad')}"


HUNK = "cyan dim"
HEADER = "bold"
TOKEN = re.compile(r"[\w.]+|\s+|.", re.DOTALL)


def _styled(line: str, style: str) -> Text:
    return Text(clean(line), style=style, no_wrap=True, overflow="ellipsis")


def _tokens(text: str) -> list[str]:
    """Words and numbers whole (`0.01`, `p95`, `2s`), every other character alone: a changed
    value lights up as a whole, not as the digits that happen to differ."""
    return TOKEN.findall(text)


def _pair(removed: str, added: str) -> tuple[Text, Text]:
    """The two lines with the changed tokens (past the prefix) highlighted."""
    old, new = clean(removed), clean(added)
    a, b = _tokens(old[1:]), _tokens(new[1:])
    left = Text(old, style=removed_style(), no_wrap=True, overflow="ellipsis")
    right = Text(new, style=added_style(), no_wrap=True, overflow="ellipsis")
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < 0.4:  # mostly different: highlighting would light up everything
        return left, right
    start_a = [1 + sum(len(t) for t in a[:i]) for i in range(len(a) + 1)]
    start_b = [1 + sum(len(t) for t in b[:j]) for j in range(len(b) + 1)]
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            left.stylize(removed_change_style(), start_a[i1], start_a[i2])
        if j2 > j1:
            right.stylize(added_change_style(), start_b[j1], start_b[j2])
    return left, right


def diff_lines(lines: Sequence[str]) -> list[Text]:
    """Each line of a unified diff as a styled `Text` (trailing newlines dropped)."""
    rows = [line.rstrip("\n") for line in lines]
    out: list[Text] = []
    i = 0
    while i < len(rows):
        line = rows[i]
        if line.startswith(("---", "+++")):
            out.append(_styled(line, HEADER))
            i += 1
        elif line.startswith("@@"):
            out.append(_styled(line, HUNK))
            i += 1
        elif line.startswith("-"):
            # a block of removed lines, then a block of added ones: pair them line by line
            j = i
            while j < len(rows) and rows[j].startswith("-") and not rows[j].startswith("---"):
                j += 1
            k = j
            while k < len(rows) and rows[k].startswith("+") and not rows[k].startswith("+++"):
                k += 1
            removed, added = rows[i:j], rows[j:k]
            pairs = min(len(removed), len(added))
            lefts: list[Text] = []
            rights: list[Text] = []
            for n in range(pairs):
                left, right = _pair(removed[n], added[n])
                lefts.append(left)
                rights.append(right)
            lefts += [_styled(r, removed_style()) for r in removed[pairs:]]
            rights += [_styled(a, added_style()) for a in added[pairs:]]
            out += lefts + rights
            i = k
        elif line.startswith("+"):
            out.append(_styled(line, added_style()))
            i += 1
        else:
            out.append(_styled(line, "dim" if line.startswith("\\") else ""))
            i += 1
    return out


def diff_text(lines: Sequence[str]) -> Text:
    """The whole diff as one `Text` (for a `Static`)."""
    out = Text("\n").join(diff_lines(lines))
    out.no_wrap, out.overflow = True, "ellipsis"
    return out


def first_change(lines: Sequence[str]) -> int:
    """The index of the first added or removed line (0 when there is none): where to scroll."""
    for i, line in enumerate(lines):
        if line.startswith(("+", "-")) and not line.startswith(("+++", "---")):
            return i
    return 0
