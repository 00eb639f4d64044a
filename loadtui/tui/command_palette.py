"""Command palette (ctrl+p) entries for every action loadtui has a key for.

Built from the same BINDINGS that the footer and `?` read, so a new key on any pane shows up
here without a list to keep in step: the pane's own actions (only those it allows right now),
then the app's (pane switches, theme, help, quit), then one entry per loadtui theme. Over SSH
this is the way to an action whose key one does not remember, with no mouse.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.actions import parse
from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode
from textual.screen import Screen

from loadtui.tui.screens.help import declared_bindings


@dataclass(frozen=True)
class Entry:
    title: str  # what the palette lists and matches against, e.g. "Run: start (enter)"
    help: str
    node: DOMNode  # the screen or the app the action runs on
    action: str  # the binding's action string, e.g. "pane('run')"

    def run(self) -> Any:
        return self.node.app.run_action(self.action, self.node)


def _allowed(node: DOMNode, action: str) -> bool:
    """What the footer would show: the node's check_action says the action applies now."""
    _, name, params = parse(action)
    return node.check_action(name, params) is not False


def entries(
    app: App[Any], screen: Screen[Any], pane: str, themes: Sequence[str] = ()
) -> list[Entry]:
    """The palette's entries for `screen` (labelled `pane`) and the app, keys in brackets,
    then one per theme in `themes` (the app's `set_theme` action)."""
    found: list[Entry] = []
    seen: set[tuple[int, str]] = set()
    for node, label in ((screen, pane), (app, "loadtui")):
        for binding in declared_bindings(node):
            if (id(node), binding.action) in seen or not _allowed(node, binding.action):
                continue
            seen.add((id(node), binding.action))
            key = app.get_key_display(binding)
            what = binding.description or binding.action
            found.append(
                Entry(f"{label}: {what} ({key})", binding.tooltip or what, node, binding.action)
            )
    for name in themes:
        what = f"switch to the {name} theme (kept for next time)"
        found.append(Entry(f"theme: {name}", what, app, f"set_theme({name!r})"))
    return found


class LoadtuiCommands(Provider):
    """Every action of the pane the palette was opened on, and of the app."""

    def _entries(self) -> list[Entry]:
        app = self.app
        pane = str(getattr(app, "current_mode", "pane")).capitalize()
        themes = [t.name for t in getattr(app, "loadtui_themes", [])]
        return entries(app, self.screen, pane, themes)

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(entry.title, _runner(entry), help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.title)
            if score > 0:
                yield Hit(score, matcher.highlight(entry.title), _runner(entry), help=entry.help)


def _runner(entry: Entry) -> Callable[[], Any]:
    return partial(entry.run)
