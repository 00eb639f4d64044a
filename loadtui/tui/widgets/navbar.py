"""The one-line header: app name, the panes as tabs, the source and the run status."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from loadtui.safe_text import clean

# Only panes that exist are listed: (key, mode name, label).
PANES: tuple[tuple[str, str, str], ...] = (
    ("1", "personas", "Personas"),
    ("2", "run", "Run"),
    ("3", "forecast", "Forecast"),
    ("4", "advisor", "Advisor"),
    ("5", "history", "History"),
)


class NavBar(Static):
    """Tabs are click targets too (`app.pane(...)`); the keys 1–2 do the same."""

    def __init__(self, active: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.active = active
        self._drawn: tuple[str, str, int] | None = None  # (source, status, width) on screen

    def on_mount(self) -> None:
        self.watch(self.app, "source_label", self._changed, init=False)
        self.watch(self.app, "run_status", self._changed, init=False)
        self._changed()

    def on_resize(self) -> None:
        self._changed()

    def _changed(self, _value: object = None) -> None:
        """Redraw when what the bar shows changes (the run clock: once a second). One line
        docked at the top at the screen's width: never a layout pass."""
        key = (
            str(getattr(self.app, "source_label", "")),
            str(getattr(self.app, "run_status", "")),
            self.size.width,
        )
        if key != self._drawn:
            self._drawn = key
            self.update(self.bar_content(), layout=False)

    def _tabs(self, compact: bool) -> Content:
        """The app name and a tab per pane; `compact` shows other panes by key only."""
        tabs = []
        for key, mode, label in PANES:
            if mode not in self.app.MODES:
                continue
            active = mode == self.active
            text = f" {key} {label} " if active or not compact else f" {key} "
            style = "reverse b" if active else ""
            tabs.append(Content.from_markup(f"[@click=app.pane('{mode}')]$text[/]", text=text))
            if style:
                tabs[-1] = tabs[-1].stylize(style)
        return Content.assemble(Content.from_markup("[b] loadtui [/]"), *tabs)

    def bar_content(self) -> Content:
        """The run status always shows: at 80 columns the source name is shortened first,
        then the other panes' tabs shrink to their keys."""
        source = clean(getattr(self.app, "source_label", ""))
        status = clean(getattr(self.app, "run_status", ""))
        width = self.size.width or 80
        left = self._tabs(compact=False)
        tail = len(status) + 3 if status else 1  # "  " before the status, " " after it
        if left.cell_length + len(source) + tail > width and status:
            left = self._tabs(compact=True)
        room = width - left.cell_length - tail - 1
        if len(source) > room:
            source = source[: room - 1] + "…" if room > 1 else ""
        right = Content.from_markup("$source  [b]$status[/] ", source=source, status=status)
        gap = max(1, width - left.cell_length - right.cell_length)
        return Content.assemble(left, " " * gap, right)
