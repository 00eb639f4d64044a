"""Small access logs for the wizard's collect tests: good combined lines, junk, a mix."""

from __future__ import annotations

from pathlib import Path

PATHS = ("/", "/products", "/products/12", "/cart", "/search?q=a", "/checkout")
# three lines no reader takes: text, then bytes of a binary (NUL, invalid UTF-8, DEL)
JUNK = b"hello there\nthis is not an access log\n\x00\x01\xff\xfe\x7fELF binary\n"


def combined_lines(n: int) -> list[str]:
    """`n` combined-format requests from six clients, seven seconds apart."""
    lines = []
    for i in range(n):
        minute, second = divmod(i * 7, 60)
        lines.append(
            f"10.0.0.{i % 6} - - [01/Dec/2026:09:{minute:02d}:{second:02d} +0000] "
            f'"GET {PATHS[i % len(PATHS)]} HTTP/1.1" 200 {500 + i} "-" "Mozilla/5.0 (X11)"'
        )
    return lines


def write_log(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
