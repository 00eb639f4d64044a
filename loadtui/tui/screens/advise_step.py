"""The wizard's advise step when no Advisor pane is installed: what the step does, and that it
can be passed. With the Advisor pane (mode "advisor") the wizard shows that pane instead."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from loadtui.tui.widgets.navbar import NavBar

TEXT = (
    "The advise step reads the run you just made (its stages, latency, errors and the "
    "thresholds it was judged by) and suggests edits: thresholds that fit what the system "
    "really does, stages to lengthen, shorten or drop. Each suggestion comes with its "
    "evidence and a diff of the plan; you accept the ones you want and the export step "
    "writes the plan with them.\n\n"
    "No advisor is available in this build, so nothing is suggested: n goes on to the "
    "export with the plan as it ran."
)


class AdviseStepScreen(Screen[None]):
    DEFAULT_CSS = """
    #advise-pane { height: 1fr; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield NavBar("advise", id="navbar")
        with Vertical(id="advise-pane", classes="pane"):
            yield Static(TEXT, id="advise-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#advise-pane").border_title = "Advise · tuned thresholds"
