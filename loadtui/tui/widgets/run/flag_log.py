"""The Run pane's flag list: anomaly flags and run notes, newest at the bottom.

Each entry wraps to at most MAX_LINES lines at the log's current width and a longer one ends in
`…` (the full text is in the run folder's flags.ndjson). A `RichLog` keeps lines as rendered,
so a narrower pane (a resized terminal, a scrollbar appearing) would cut them with no sign:
the log reserves the scrollbar's column and renders every entry again when its width changes.
"""

from __future__ import annotations

from collections import deque

from rich.console import Console
from rich.text import Text
from textual.events import Resize
from textual.widgets import RichLog

from loadtui.contracts import AnomalyFlag
from loadtui.safe_text import clean, clean_text, plain
from loadtui.tui import display

EMPTY = "no anomalies"
MAX_LINES = 2  # a flag reads in two lines at 80 columns; more would push the others away
MAX_ENTRIES = 250


def fit_lines(entry: Text, width: int, max_lines: int = MAX_LINES) -> list[Text]:
    """`entry` wrapped to `width` cells in at most `max_lines` lines, the last ending in `…`
    when text was left out. Pure, so the cut is tested without a terminal."""
    width = max(width, 1)
    console = Console(width=width)
    lines = list(entry.wrap(console, width, overflow="ellipsis"))
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1].copy()
    last.rstrip()
    last.append(" …")  # when this is too wide, truncate puts the ellipsis in the last cell
    last.truncate(width, overflow="ellipsis")
    return [*lines[: max_lines - 1], last]


class FlagLog(RichLog):
    DEFAULT_CSS = """
    FlagLog {
        scrollbar-gutter: stable;
        overflow-x: hidden;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(wrap=False, min_width=1, max_lines=500, id=id)
        self._entries: deque[Text] = deque(maxlen=MAX_ENTRIES)
        self._empty = True
        self._width = 0  # the width the shown lines were rendered at

    def on_mount(self) -> None:
        self.reset()

    def on_resize(self, _event: Resize) -> None:
        if self._line_width() != self._width:
            self.call_after_refresh(self._render_all)

    def reset(self) -> None:
        self._entries.clear()
        self._entries.append(Text(EMPTY, style="dim"))
        self._empty = True
        self._render_all()

    def add_flag(self, flag: AnomalyFlag) -> None:
        self._add(Text.assemble((display.clock(flag.t), "bold"), " ", clean(flag.message)))

    def add_note(self, note: str, *, style: str = "") -> None:
        self._add(plain(note, style=style))

    def _add(self, entry: Text) -> None:
        entry = clean_text(entry)  # flag messages and notes quote routes and targets' answers
        was_empty = self._empty
        if was_empty:
            self._entries.clear()
            self._empty = False
        self._entries.append(entry)
        width = self._line_width()
        if was_empty or width != self._width:
            self._render_all()
            return
        for line in fit_lines(entry, width):
            self.write(line, width=width)

    def _line_width(self) -> int:
        """Cells a line may use: the content region less the (always reserved) scrollbar; 0
        until the log has a size (entries wait for the first resize)."""
        return self.scrollable_content_region.width

    def _render_all(self) -> None:
        width = self._line_width()
        self._width = width
        self.clear()
        if not width:
            return
        for entry in self._entries:
            for line in fit_lines(entry, width):
                self.write(line, width=width)
