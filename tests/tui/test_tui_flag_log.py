"""The Run pane's flag log never cuts a line silently: long flags end in `…`, and a narrower
pane (resized terminal) renders the kept flags again at the new width."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from tui_screen import screen_lines

from loadtui.contracts import AnomalyFlag
from loadtui.tui.widgets.run.flag_log import FlagLog, fit_lines

LONG = "p95 jumped 3.1σ (41 → 84 ms) in ramp-to-peak while the generator kept its send rate"


def test_a_flag_that_fits_is_left_whole() -> None:
    lines = fit_lines(Text("00:12 p95 jumped (41 → 84 ms)"), 40)
    assert [line.plain for line in lines] == ["00:12 p95 jumped (41 → 84 ms)"]


def test_a_long_flag_wraps_to_two_lines_and_ends_in_an_ellipsis() -> None:
    lines = [line.plain for line in fit_lines(Text(f"00:12 {LONG}"), 40)]
    assert lines == [
        "00:12 p95 jumped 3.1σ (41 → 84 ms) in ",
        "ramp-to-peak while the generator kept …",
    ]
    assert all(len(line) <= 40 for line in lines)


def test_a_word_wider_than_the_log_is_ellipsized_not_folded() -> None:
    lines = [line.plain for line in fit_lines(Text("x" * 30), 12, max_lines=1)]
    assert lines == ["x" * 11 + "…"]


class _Pane(App[None]):
    """The Run pane's bottom row as its stylesheet lays it out: thresholds 36 wide, flags 1fr."""

    CSS = """
    #left { width: 36; }
    #flags-pane { width: 1fr; padding: 0 1; border: round white; }
    #flags { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Vertical(id="left")
            with Vertical(id="flags-pane"):
                yield FlagLog(id="flags")


def _flag(i: int) -> AnomalyFlag:
    return AnomalyFlag(t=float(i), kind="latency_jump", metric="p95", message=f"{LONG} #{i}")


def _pane_lines(app: App[None]) -> list[str]:
    return [line[37:].strip(" │╭╮╰╯─") for line in screen_lines(app)]


async def test_flags_are_rendered_again_when_the_terminal_narrows() -> None:
    app = _Pane()
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        log = app.query_one(FlagLog)
        for i in range(8):  # more than the pane holds: the scrollbar shows
            log.add_flag(_flag(i))
        await pilot.pause()
        wide = [line for line in _pane_lines(app) if line]
        assert wide[-2].startswith("00:07 p95 jumped") and wide[-1].endswith("…")
        await pilot.resize_terminal(70, 12)
        await pilot.pause()
        await pilot.pause()
        narrow = [line for line in _pane_lines(app) if line]
        assert narrow[-2].startswith("00:07 p95 jumped") and narrow[-1].endswith("…")
        width = log.scrollable_content_region.width
        assert all(len(line.rstrip("▁▂▃▄▅▆▇█▋ ")) <= width for line in narrow)
        assert narrow != wide  # wrapped again, not the old lines cropped


async def test_the_placeholder_goes_with_the_first_flag() -> None:
    app = _Pane()
    async with app.run_test(size=(80, 12)) as pilot:
        await pilot.pause()
        assert "no anomalies" in "\n".join(_pane_lines(app))
        app.query_one(FlagLog).add_flag(_flag(1))
        await pilot.pause()
        text = "\n".join(_pane_lines(app))
        assert "no anomalies" not in text and "00:01 p95 jumped" in text
