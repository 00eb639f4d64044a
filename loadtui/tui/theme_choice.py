"""Where the chosen theme is kept between sessions, and the order `ctrl+t` cycles through.

The app is handed a `ThemeStore` (it never finds files itself, so tests and the screenshot
script cannot touch a user's settings). `UserConfig` keeps `{"theme": NAME}` in
`$XDG_CONFIG_HOME/loadtui/config.json` (`~/.config/loadtui/config.json`); a project file that
also keeps the theme can stand in for it through the same two methods. A `--theme` flag wins
over what is kept; an unreadable or unknown value is ignored, never fatal.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

SHIPPED_ORDER = ("dark", "light", "high-contrast")


class ThemeStore(Protocol):
    def load(self) -> str | None: ...

    def save(self, name: str) -> None: ...


def config_path() -> Path:
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "loadtui" / "config.json"


@dataclass
class UserConfig:
    """`{"theme": "light"}` in the user's config file; other keys in it are kept as found."""

    path: Path = field(default_factory=config_path)

    def _read(self) -> dict[str, object]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def load(self) -> str | None:
        name = self._read().get("theme")
        return name if isinstance(name, str) and name else None

    def save(self, name: str) -> None:
        """Write atomically; a read-only home only loses the preference, not the session."""
        data = self._read()
        data["theme"] = name
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass


@dataclass
class MemoryStore:
    """A store that keeps the choice for this process only (tests, screenshots)."""

    name: str | None = None

    def load(self) -> str | None:
        return self.name

    def save(self, name: str) -> None:
        self.name = name


def cycle_order(names: Sequence[str]) -> list[str]:
    """The shipped themes in their order, then the user's own themes by name."""
    shipped = [n for n in SHIPPED_ORDER if n in names]
    return shipped + sorted(n for n in names if n not in shipped)


def next_theme(names: Sequence[str], current: str) -> str:
    """The theme after `current` in `cycle_order`, wrapping; the first one if `current` is
    not among them (a Textual built-in picked from the palette)."""
    order = cycle_order(names)
    if not order:
        return current
    if current not in order:
        return order[0]
    return order[(order.index(current) + 1) % len(order)]


def initial_theme(flag: str | None, kept: str | None, known: Sequence[str], default: str) -> str:
    """`--theme` first, then the kept choice when it still exists, then the default."""
    if flag:
        return flag
    if kept and kept in known:
        return kept
    return default
