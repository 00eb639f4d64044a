"""The wizard's step bar: one line under the nav bar of every pane while the wizard is active.

`collect › profile › PLAN › run › forecast › advise › export   w form  n next`: the current
step in capitals (readable without colour), done steps in the theme's success colour, the rest
dimmed. 59 cells for the steps and 15 for the keys: it fits 80 columns.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from loadtui.tui.wizard_flow import STEPS, Step, step_bar_parts

SEPARATOR = " › "
KEYS_HINT = "n next  ⌫ back "
# at the plan step the form's key matters more than back (which `?` and the footer list)
PLAN_HINT = "w form  n next "
STYLES = {"current": "reverse bold", "done": "$success", "todo": "dim"}


def bar_content(parts: list[tuple[str, str]], width: int, hint: str = KEYS_HINT) -> Content:
    """The bar for `parts` (from `wizard_flow.step_bar_parts`), the keys on the right."""
    pieces: list[Content] = [Content(" ")]
    for i, (text, state) in enumerate(parts):
        if i:
            pieces.append(Content(SEPARATOR))
        pieces.append(Content.styled(text, STYLES[state]))
    left = Content.assemble(*pieces)
    right = Content.styled(hint, "dim")
    gap = width - left.cell_length - right.cell_length
    if gap < 1:  # narrower than 80: the steps matter more than the reminder
        return left
    return Content.assemble(left, " " * gap, right)


class StepBar(Static):
    """Redrawn from the app's `wizard_step` / `wizard_done` (set by the wizard driver)."""

    DEFAULT_CSS = """
    StepBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $foreground;
    }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "wizard_step", self._changed, init=False)
        self.watch(self.app, "wizard_done", self._changed, init=False)
        self._changed()

    def on_resize(self) -> None:
        self._changed()

    def _changed(self, _value: object = None) -> None:
        name = getattr(self.app, "wizard_step", "collect")
        step: Step = next((s for s in STEPS if s == name), "collect")
        done = {s for s in STEPS if s in getattr(self.app, "wizard_done", ())}
        hint = PLAN_HINT if step == "plan" else KEYS_HINT
        self.update(bar_content(step_bar_parts(step, done), self.size.width or 80, hint))
