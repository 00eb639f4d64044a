"""First run: nothing loaded yet, so ask for an access log (or say how to make one)."""

from __future__ import annotations

import shlex
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from loadtui.safe_text import plain

INTRO = (
    "loadtui turns an access log into personas, a test plan and a live run.\n"
    "Give it one or more logs: combined/common, nginx, JSON lines, CSV or HAR (.gz is fine).\n"
    "No log at hand? `loadtui synth -o sample.log` writes a realistic one."
)


def check_paths(value: str) -> str | None:
    try:
        parts = shlex.split(value)
    except ValueError as exc:
        return f"cannot read that: {exc}"
    if not parts:
        return "type the path of an access log"
    missing = [p for p in parts if not Path(p).expanduser().is_file()]
    if missing:
        return f"no such file: {', '.join(missing)}"
    return None


class WizardScreen(ModalScreen[list[str] | None]):
    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="wizard"):
            yield Label("Open an access log", classes="dialog-title")
            yield Static(INTRO, id="wizard-intro")
            yield Input(placeholder="path/to/access.log [more.log ...]", id="wizard-path")
            yield Static("", id="wizard-error", classes="dialog-error")
            yield Static("enter open · escape cancel", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        error = check_paths(event.value)
        if error:
            self.query_one("#wizard-error", Static).update(plain(error))  # quotes the path
            return
        self.dismiss([str(Path(p).expanduser()) for p in shlex.split(event.value)])

    def action_cancel(self) -> None:
        self.dismiss(None)
