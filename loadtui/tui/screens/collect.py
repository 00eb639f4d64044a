"""The wizard's collect step: pick an access log from a list (the sample logs first), or type a
path; keyboard only. Enter on a file posts `LogPicked`; the wizard reads it and moves on, or
says here why it cannot (`show_pick`), the list keeping the keys for the next pick."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from loadtui.safe_text import plain
from loadtui.tui.log_picker import candidates, shown_name
from loadtui.tui.screens.wizard import check_paths
from loadtui.tui.widgets.navbar import NavBar
from loadtui.tui.widgets.wizard.path_field import PathField
from loadtui.tui.wizard_messages import LogPicked

INTRO = (
    "Pick the access log to learn the traffic from (combined/common, nginx, JSON lines, CSV "
    "or HAR; .gz is fine). The sample shop log works with the built-in demo target."
)


class CollectScreen(Screen[None]):
    DEFAULT_CSS = """
    #collect-pane { height: 1fr; padding: 0 1; }
    #collect-intro { height: auto; color: $text-muted; margin-bottom: 1; }
    #collect-list { height: 1fr; scrollbar-size-vertical: 1; }
    #collect-path { margin-top: 1; }
    #collect-error { height: auto; color: $error; }
    #collect-error.-reading { color: $text-muted; }
    """
    BINDINGS = [
        Binding("slash", "type_path", "type a path", key_display="/"),
        Binding("escape", "leave_path", "list", show=False),
    ]

    def __init__(self, folder: Path | None = None) -> None:
        super().__init__()
        self.folder = folder or Path.cwd()
        self.paths: list[Path] = []

    def compose(self) -> ComposeResult:
        yield NavBar("collect", id="navbar")
        with Vertical(id="collect-pane", classes="pane"):
            yield Static(INTRO, id="collect-intro")
            yield OptionList(id="collect-list")
            yield PathField(
                placeholder="/ types a path or a folder · enter opens", id="collect-path"
            )
            yield Static("", id="collect-error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#collect-pane").border_title = "Collect · pick an access log"
        self.fill("")
        self.query_one(OptionList).focus()

    def fill(self, typed: str) -> None:
        self.paths = candidates(self.folder, typed)
        listing = self.query_one(OptionList)
        listing.clear_options()
        listing.add_options(
            [Option(plain(shown_name(p, self.folder)), id=str(i)) for i, p in enumerate(self.paths)]
        )
        if self.paths:
            listing.highlighted = 0

    @on(OptionList.OptionSelected, "#collect-list")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option_id is None:
            return
        self.post_message(LogPicked([self.paths[int(event.option_id)]]))

    @on(Input.Changed, "#collect-path")
    def _typed(self, event: Input.Changed) -> None:
        self.fill(event.value)
        self.query_one("#collect-error", Static).update("")

    @on(Input.Submitted, "#collect-path")
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_leave_path()  # a pick or its error: the list takes keys, / types anew
        value = event.value.strip()
        if not value and self.paths:
            self.post_message(LogPicked([self.paths[0]]))
            return
        error = check_paths(value)
        if error:
            if self.paths:  # a folder or a filter: the first file it lists
                self.post_message(LogPicked([self.paths[0]]))
                return
            self.query_one("#collect-error", Static).update(plain(error))
            return
        import shlex

        self.post_message(LogPicked([Path(p).expanduser() for p in shlex.split(value)]))

    def show_pick(self, text: str, *, error: bool = True) -> None:
        """What became of a pick, under the list: why it was refused (`error`) or that it is
        being read. Log-derived text (paths, the reader's reason), so cleaned here."""
        line = self.query_one("#collect-error", Static)
        line.set_class(not error, "-reading")
        line.update(plain(text))

    def action_type_path(self) -> None:
        self.query_one(PathField).open()

    def action_leave_path(self) -> None:
        self.query_one(PathField).close()
        self.query_one(OptionList).focus()
