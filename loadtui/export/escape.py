"""String literals and names for generated code, so text from a log can never become code.

Every path, parameter value, header or user agent an exporter writes goes through one of
these. Each returns a complete literal (quotes included) that the target language reads back
as exactly the input string; nothing in the input can close the literal, start a comment,
interpolate (`${}` in JS templates, f-strings), end an inline ``<script>``, or hide as
invisible/bidi characters (the "Trojan Source" trick) in a file a person reviews.
"""

from __future__ import annotations

import io
import json
import keyword
import math
import re
import unicodedata
from typing import Any

from ruamel.yaml import YAML

# Unicode categories shown as escapes rather than raw: controls, format (bidi overrides,
# zero-width), surrogates, private use, unassigned, line/paragraph separators, and spaces
# other than " " (a no-break space looks like one): what Python's repr escapes too.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})


def _hidden(ch: str) -> bool:
    return ch != " " and unicodedata.category(ch) in _INVISIBLE


def py_string(s: str) -> str:
    """A Python string literal equal to `s` (`ast.literal_eval(py_string(s)) == s`).

    repr() already escapes quotes, backslashes and non-printable characters (which covers
    U+2028/29, bidi overrides and lone surrogates); a plain literal is never an f-string, so
    braces stay text. Checked here rather than trusted, because it is the only barrier.
    """
    lit = repr(str(s))
    if lit[0] not in "'\"" or any(_hidden(c) for c in lit):
        raise ValueError(f"repr produced an unsafe literal: {lit[:40]!r}")
    return lit


def js_string(s: str) -> str:
    """A JavaScript double-quoted string literal equal to `s` (valid JSON too).

    JSON escaping, then as `\\uXXXX`: backtick and `$` (inert if the literal is ever pasted
    into a template string), `<` before `/` or `!` and `>` after `-` (no `</script>`, `<!--`
    or `-->` when a copy lands in HTML), U+2028/U+2029, and every invisible or lone-surrogate
    character, so the literal is printable text that stays one string wherever it goes.
    A plain `<` (a threshold's `p(95)<500`) stays readable.
    """
    body = json.dumps(str(s), ensure_ascii=False)[1:-1]
    out = []
    for i, ch in enumerate(body):
        if (
            ch in "`$"
            or (ch == "<" and body[i + 1 : i + 2] in ("/", "!"))
            or (ch == ">" and body[i - 1 : i] == "-")
            or _hidden(ch)
        ):
            out.append("".join(f"\\u{u:04x}" for u in _utf16_units(ch)))
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _utf16_units(ch: str) -> list[int]:
    cp = ord(ch)
    if cp < 0x10000:
        return [cp]
    cp -= 0x10000
    return [0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF)]


def json_text(data: Any, *, indent: int | None = 1) -> str:
    """JSON for a data file beside a script: ASCII only (lone surrogates from a log cannot
    break UTF-8 writing) and `<` escaped, so the file is also safe to inline in HTML."""
    text = json.dumps(data, ensure_ascii=True, indent=indent, sort_keys=False)
    return text.replace("<", "\\u003c")


_IDENT_BAD = re.compile(r"[^A-Za-z0-9_]+")
# Names a generated identifier may not take in either language (Python keywords come from
# the keyword module; JS reserved words and k6 globals listed here).
_JS_RESERVED = frozenset(
    [
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "implements",
        "interface",
        "package",
        "private",
        "protected",
        "public",
        "await",
        "arguments",
        "eval",
        "undefined",
        "NaN",
        "Infinity",
        "options",
        "setup",
        "teardown",
        "handleSummary",
    ]
)


def identifier(name: str, *, prefix: str = "p", taken: set[str] | None = None) -> str:
    """An ASCII identifier valid in both Python and JS, derived from `name` for readability:
    `"Cart buyer #2"` → `cart_buyer_2`. Unique within `taken` (which it updates)."""
    ascii_name = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    base = _IDENT_BAD.sub("_", ascii_name).strip("_").lower()
    base = base[:40].rstrip("_") or prefix
    if base[0].isdigit():
        base = f"{prefix}_{base}"
    if keyword.iskeyword(base) or keyword.issoftkeyword(base) or base in _JS_RESERVED:
        base = f"{prefix}_{base}"
    out, n = base, 2
    while taken is not None and out in taken:
        out, n = f"{base}_{n}", n + 1
    if taken is not None:
        taken.add(out)
    return out


def comment_text(s: str, *, limit: int = 120) -> str:
    """Text safe inside a one-line `#` or `//` comment, a `/* */` one and a triple-double-quoted
    Python docstring: no line breaks, no invisible characters, no `*/`, no `"` (as `'`) and no
    backslash (as `/`, so no escape sequence), cut to `limit` characters. Comments lose
    information by design; the exact string is always also present as a literal."""
    flat = "".join(" " if _hidden(c) or c in "\r\n" else c for c in str(s))
    flat = flat.replace("*/", "* /").replace('"', "'").replace("\\", "/")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.default_flow_style = False
    y.allow_unicode = False  # non-ASCII and invisible characters as \u escapes in "..."
    y.width = 4096  # never fold a long path across lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def yaml_dump(data: Any) -> str:
    """YAML text for `data` from ruamel.yaml's emitter, which quotes any scalar that would
    otherwise read back as something else (`: `, `#`, `- `, `{`, `*`, `!`, `yes`, `null`,
    numbers, newlines); text from a log is always a string on the way back in."""
    buf = io.StringIO()
    _yaml().dump(data, buf)
    return buf.getvalue()


def yaml_string(s: str) -> str:
    """One YAML scalar equal to `s`, for hand-assembled YAML (always double-quoted)."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    text = yaml_dump({"k": DoubleQuotedScalarString(str(s))})
    if not text.startswith("k: ") or text.count("\n") != 1:
        raise ValueError(f"YAML emitter produced more than one line: {text[:40]!r}")
    return text[3:-1]


_JS_KEY = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def js_value(value: Any, indent: int = 0, step: int = 2) -> str:
    """A JS expression for plain data (dict, list, str, number, bool, None), laid out like a
    person would write it: bare keys where they are identifiers, strings through js_string."""
    pad, inner = " " * indent, " " * (indent + step)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{value} has no JS literal")
        return repr(value)
    if isinstance(value, str):
        return js_string(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        if all(not isinstance(v, dict | list | tuple) for v in value.values()):
            one_line = "{ " + ", ".join(_js_item(k, v, 0, step) for k, v in value.items()) + " }"
            if len(one_line) + indent <= 90:
                return one_line
        items = [inner + _js_item(k, v, indent + step, step) for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f",\n{pad}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        flat = [js_value(v, indent + step, step) for v in value]
        one_line = "[" + ", ".join(flat) + "]"
        if len(one_line) + indent <= 90 and "\n" not in one_line:
            return one_line
        return "[\n" + ",\n".join(inner + v for v in flat) + f",\n{pad}]"
    raise TypeError(f"no JS literal for {type(value).__name__}")


def _js_item(key: Any, value: Any, indent: int, step: int) -> str:
    k = str(key)
    return f"{k if _JS_KEY.match(k) else js_string(k)}: {js_value(value, indent, step)}"
