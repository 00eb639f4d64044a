"""Find the Textual themes: the ones loadtui ships (`themes/*.py`) and the user's own.

Themes are files, not code in the app, so a user can copy one into
`~/.config/loadtui/themes/` and change colours without touching loadtui. Each file defines
`THEME = textual.theme.Theme(...)`.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterable
from pathlib import Path

from textual.theme import Theme

from loadtui.resources import themes_dir

DEFAULT_THEME = "dark"
# inside the installed package, or the repo's themes/ in a checkout (see loadtui.resources)
PROJECT_THEMES = themes_dir()


def theme_dirs() -> list[Path]:
    """Shipped themes first, then the user's, so a user file can override a shipped one."""
    config = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config"))
    return [PROJECT_THEMES, config / "loadtui" / "themes"]


def load_theme_file(path: Path) -> Theme | None:
    """The file's `THEME`, or None when it has none (a broken user file must not stop the app)."""
    spec = importlib.util.spec_from_file_location(f"loadtui_theme_{path.stem}", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception:
        return None
    theme = getattr(module, "THEME", None)
    return theme if isinstance(theme, Theme) else None


def load_themes(dirs: Iterable[Path] | None = None) -> dict[str, Theme]:
    """Themes by name; later directories override earlier ones."""
    found: dict[str, Theme] = {}
    for folder in dirs if dirs is not None else theme_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.py")):
            theme = load_theme_file(path)
            if theme is not None:
                found[theme.name] = theme
    return found
