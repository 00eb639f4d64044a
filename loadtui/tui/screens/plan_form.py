"""The wizard's plan form: what the Run pane's plan view has no key for, the workload model
(open: arrivals at a rate; closed: VUs looping sessions) and the target (the built-in demo
shop, a stand-in served from the model as `loadtui target --model` does, or a URL). Test type,
peak and length stay on the Run pane's own keys (l, r, d)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioButton, RadioSet, Static

from loadtui.safe_text import plain
from loadtui.tui.wizard_flow import TargetKind, Workload

WORKLOADS: tuple[tuple[Workload, str], ...] = (
    ("open", "open: sessions arrive at the planned rate, whatever the target does"),
    ("closed", "closed: VUs loop sessions; a slow target gets less load"),
)
TARGETS: tuple[tuple[TargetKind, str], ...] = (
    ("demo", "the built-in demo shop (started on 127.0.0.1)"),
    ("stand_in", "a stand-in of the logged system, served from the model"),
    ("url", "a URL: your own system (staging, never production)"),
)


@dataclass(frozen=True)
class PlanForm:
    workload: Workload
    target_kind: TargetKind
    target_url: str | None


def check_form_url(kind: TargetKind, url: str) -> str | None:
    if kind != "url":
        return None
    if not url.strip().startswith(("http://", "https://")):
        return "type the base URL, e.g. http://127.0.0.1:8080"
    return None


class PlanFormScreen(ModalScreen[PlanForm | None]):
    BINDINGS = [
        Binding("escape", "cancel", "cancel"),
        Binding("ctrl+s", "save", "ok"),
    ]

    def __init__(self, current: PlanForm) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="plan-form"):
            yield Label("Plan: workload and target", classes="dialog-title")
            with RadioSet(id="form-workload"):
                for value, text in WORKLOADS:
                    yield RadioButton(text, value=value == self.current.workload, name=value)
            with RadioSet(id="form-target"):
                for kind, text in TARGETS:
                    yield RadioButton(text, value=kind == self.current.target_kind, name=kind)
            yield Input(
                value=self.current.target_url or "",
                placeholder="http://host:port (for a URL target)",
                id="form-url",
            )
            yield Static("", id="form-error", classes="dialog-error")
            yield Static(
                "↑↓ enter: choose · tab: next field · ctrl+s (or enter on the URL): ok · "
                "escape: cancel",
                classes="dialog-hint",
            )

    def _chosen(self, selector: str, default: str) -> str:
        pressed = self.query_one(selector, RadioSet).pressed_button
        return pressed.name if pressed is not None and pressed.name else default

    def form(self) -> PlanForm:
        workload = self._chosen("#form-workload", self.current.workload)
        kind = self._chosen("#form-target", self.current.target_kind)
        url = self.query_one("#form-url", Input).value.strip().rstrip("/") or None
        return PlanForm(
            workload="closed" if workload == "closed" else "open",
            target_kind=next((k for k, _ in TARGETS if k == kind), "demo"),
            target_url=url,
        )

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        form = self.form()
        error = check_form_url(form.target_kind, form.target_url or "")
        if error:
            self.query_one("#form-error", Static).update(plain(error))
            return
        self.dismiss(form)

    def action_cancel(self) -> None:
        self.dismiss(None)
