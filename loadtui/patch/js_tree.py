"""tree-sitter-javascript, wrapped for the k6 patcher: parse, find syntax errors, read literals.

Everything works on UTF-8 bytes (tree-sitter's offsets are byte offsets)."""

from __future__ import annotations

import codecs
import functools
import re

import tree_sitter as ts
import tree_sitter_javascript as tsjs

from loadtui.patch.errors import PatchError

_ESCAPE = re.compile(rb"\\(u\{[0-9a-fA-F]+\}|.)", re.S)


@functools.cache
def _parser() -> ts.Parser:
    return ts.Parser(ts.Language(tsjs.language()))


def parse(src: bytes) -> ts.Tree:
    return _parser().parse(src)


def first_problem(tree: ts.Tree) -> ts.Node | None:
    """The first ERROR or MISSING node, in source order (None: the file parses)."""
    if not tree.root_node.has_error:
        return None
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_error or node.is_missing:
            return node
        if node.has_error:
            stack.extend(reversed(node.children))
    return tree.root_node


def check_parses(src: bytes, what: str) -> ts.Tree:
    """The tree of `src`; PatchError naming the line of the first syntax error."""
    tree = parse(src)
    bad = first_problem(tree)
    if bad is not None:
        line = bad.start_point[0] + 1
        problem = "missing " + bad.type if bad.is_missing else "a syntax error"
        raise PatchError(f"{what}: JavaScript does not parse ({problem} at line {line})")
    return tree


def text(node: ts.Node, src: bytes) -> str:
    return src[node.start_byte : node.end_byte].decode("utf-8", "replace")


def members(node: ts.Node) -> list[ts.Node]:
    """An object's properties or an array's elements, comments left out."""
    return [c for c in node.named_children if c.type != "comment"]


def _unescape(raw: bytes) -> str:
    def one(m: re.Match[bytes]) -> bytes:
        body = m.group(1)
        if body.startswith(b"u{"):
            return chr(int(body[2:-1], 16)).encode("utf-8")
        if body in (b"\n", b"\r"):
            return b""  # a line continuation
        try:
            return codecs.decode(m.group(0), "unicode_escape").encode("utf-8")
        except UnicodeDecodeError:
            return body

    return _ESCAPE.sub(one, raw).decode("utf-8", "replace")


def string_value(node: ts.Node, src: bytes) -> str | None:
    """A plain string literal's value ('a', "b", or a template without `${}`); else None."""
    if node.type == "string":
        return _unescape(src[node.start_byte + 1 : node.end_byte - 1])
    if node.type == "template_string" and not any(
        c.type == "template_substitution" for c in node.named_children
    ):
        return _unescape(src[node.start_byte + 1 : node.end_byte - 1])
    return None


def number_value(node: ts.Node, src: bytes) -> float | None:
    """A number literal (`2000`, `1_000`, `0x10`, `-5`), else None."""
    sign = 1.0
    if node.type == "unary_expression" and node.child_count == 2:
        op, arg = node.children
        if op.type in ("-", "+") and arg.type == "number":
            sign, node = (-1.0 if op.type == "-" else 1.0), arg
    if node.type != "number":
        return None
    raw = text(node, src).replace("_", "").lower()
    try:
        if raw.startswith(("0x", "0o", "0b")):
            return sign * int(raw, 0)
        return sign * float(raw)
    except ValueError:
        return None


def key_name(key: ts.Node, src: bytes) -> str | None:
    """A property key as a name: `a`, `'a{b:c}'`, `"x"`, `3`; None for computed keys."""
    if key.type in ("property_identifier", "identifier", "private_property_identifier"):
        return text(key, src)
    if key.type == "string":
        return string_value(key, src)
    if key.type == "number":
        return text(key, src)
    return None


def line_indent(src: bytes, offset: int) -> bytes:
    """The leading whitespace of the line holding `offset`."""
    start = src.rfind(b"\n", 0, offset) + 1
    end = start
    while end < len(src) and src[end : end + 1] in (b" ", b"\t"):
        end += 1
    return src[start:end]


def starts_line(src: bytes, offset: int) -> bool:
    """Whether only whitespace precedes `offset` on its line."""
    start = src.rfind(b"\n", 0, offset) + 1
    return src[start:offset].strip() == b""
