"""`?`: every key of the pane the user came from and of the app, from their BINDINGS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.table import Table
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Label, Static


@dataclass(frozen=True)
class KeyHelp:
    key: str
    description: str
    where: str  # "pane" or "app"


def declared_bindings(node: DOMNode) -> list[Binding]:
    """The BINDINGS loadtui itself declares on `node`'s classes (not Textual's defaults)."""
    found: list[Binding] = []
    for cls in type(node).__mro__:
        if cls.__module__.startswith("loadtui.") and "BINDINGS" in vars(cls):
            found.extend(Binding.make_bindings(vars(cls)["BINDINGS"]))
    return found


def collect_keys(app: App[Any], screen: Screen[Any]) -> list[KeyHelp]:
    """Every key of `screen` then of the app, from their BINDINGS; keys for the same action
    share a row. Read before the help screen is pushed."""
    rows: dict[tuple[str, str], list[str]] = {}
    where: dict[tuple[str, str], str] = {}
    # a widget group with its own keys (the Advisor panel) counts as the pane's
    focused = screen.focused
    chain = focused.ancestors_with_self if focused is not None else []
    widgets = [n for n in chain if isinstance(n, Widget) and not isinstance(n, Screen)]
    nodes = [*(("pane", w) for w in reversed(widgets)), ("pane", screen), ("app", app)]
    for place, node in nodes:
        for binding in declared_bindings(node):
            ident = (binding.action, binding.tooltip or binding.description or binding.action)
            keys = rows.setdefault(ident, [])
            key = app.get_key_display(binding)
            if key not in keys:
                keys.append(key)
            where.setdefault(ident, place)
    if app.ENABLE_COMMAND_PALETTE:
        rows[("command_palette", "command palette")] = ["^p"]
        where[("command_palette", "command palette")] = "app"
    return [KeyHelp(" ".join(rows[i]), i[1], where[i]) for i in rows]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "close help")]

    def __init__(self, title: str, keys: list[KeyHelp]) -> None:
        super().__init__()
        self.pane_title = title
        self.keys = keys

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="help-dialog"):
            yield Label(f"Keys · {self.pane_title}", classes="dialog-title")
            yield Static(self._table(), id="help-keys")
            yield Static("↑↓ pgup pgdn scroll · escape close", classes="dialog-hint")

    def _table(self) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        last = ""
        for row in self.keys:
            if row.where != last:
                table.add_row(f"[dim]{'this pane' if row.where == 'pane' else 'everywhere'}[/]", "")
                last = row.where
            table.add_row(row.key, row.description)
        return table

    def action_close(self) -> None:
        self.dismiss(None)
