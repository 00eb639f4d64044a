"""The wizard's export step: the plan that ran as a k6, Locust or Artillery script, or a CI
workflow (GitHub Actions) with the plans it runs. Enter on a format asks for the path (the
same `FORMAT PATH` line as `e` on the Run pane) and the wizard writes it with the same writer,
`export.files.write_export`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from loadtui.errors import UserError
from loadtui.safe_text import plain
from loadtui.tui.screens.modals import PromptScreen
from loadtui.tui.widgets.navbar import NavBar
from loadtui.tui.wizard_messages import ScriptExported

if TYPE_CHECKING:
    from loadtui.contracts import TestPlan

CHOICES: tuple[tuple[str, str], ...] = (
    ("k6", "k6 script (ES module + its data file): k6 run, k6 cloud"),
    ("locust", "Locust locustfile: locust -f, scale out with workers"),
    ("artillery", "Artillery YAML: artillery run"),
    ("ci", "CI workflow: GitHub Actions, gated on the thresholds"),
)


class Exporter(Protocol):
    """What the screen needs from the wizard: the plan to export, and the writing."""

    def export_plan(self) -> TestPlan: ...

    def write(self, fmt: str, path: Path) -> list[Path]: ...

    def default_path(self, fmt: str) -> str: ...

    def shown_path(self, path: Path) -> str: ...


def check_path(value: str) -> str | None:
    if not value.strip():
        return "the file to write, e.g. loadtest.js"
    target = Path(value.strip()).expanduser()
    if target.is_dir():
        return f"{target} is a folder; name the file"
    return None


class ExportStepScreen(Screen[None]):
    DEFAULT_CSS = """
    #export-pane { height: 1fr; padding: 0 1; }
    #export-intro { height: auto; color: $text-muted; margin-bottom: 1; }
    #export-list { height: auto; max-height: 8; }
    #export-written { height: 1fr; margin-top: 1; }
    """

    def __init__(self, exporter: Exporter) -> None:
        super().__init__()
        self.exporter = exporter
        self.written: list[Path] = []

    def compose(self) -> ComposeResult:
        yield NavBar("export", id="navbar")
        with Vertical(id="export-pane", classes="pane"):
            yield Static("", id="export-intro")
            yield OptionList(
                *[Option(f"{fmt:<10}{text}", id=fmt) for fmt, text in CHOICES], id="export-list"
            )
            yield Static("", id="export-written")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#export-pane").border_title = "Export · a script teams can commit"
        self.on_screen_resume()
        self.query_one(OptionList).focus()

    def on_screen_resume(self) -> None:
        try:
            plan = self.exporter.export_plan()
        except (ValueError, UserError) as exc:
            text = f"nothing to export yet: {exc}"
        else:
            text = (
                f"{plan.name}: {plan.type} plan, {len(plan.stages)} stages, target "
                f"{plan.target}. Enter on a format, then the path."
            )
        self.query_one("#export-intro", Static).update(plain(text))

    @on(OptionList.OptionSelected, "#export-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        fmt = event.option_id or "k6"

        def answered(value: str | None) -> None:
            if not value:
                return
            try:
                paths = self.exporter.write(fmt, Path(value.strip()).expanduser())
            except (OSError, UserError, ValueError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                self.notify(f"cannot export: {reason}", severity="error")
                return
            self.written.extend(paths)
            lines = [
                plain(f"wrote {self.exporter.shown_path(p)} ({p.stat().st_size:,} B)")
                for p in self.written
            ]
            self.query_one("#export-written", Static).update(Text("\n").join(lines))
            names = ", ".join(self.exporter.shown_path(p) for p in paths)
            self.notify(f"wrote {names}", title=f"{fmt} export")
            self.post_message(ScriptExported(paths, fmt))

        self.app.push_screen(
            PromptScreen(
                f"Export {fmt}: the file to write",
                value=self.exporter.default_path(fmt),
                check=check_path,
            ),
            answered,
        )
