"""The right-hand panel of the Personas pane: what one persona does, at a glance."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from loadtui.contracts import Persona
from loadtui.safe_text import clean, plain
from loadtui.tui import display

MIX_ROWS = 6
PATH_ROWS = 3


def short_state(state: str) -> str:
    """`GET /products/{id}` → `/products/{id}`; other methods stay: `POST /login`."""
    method, _, route = state.partition(" ")
    if not route:
        route, method = method, "GET"
    return route if method in ("GET", "HEAD") else f"{method} {route}"


def endpoint_mix(persona: Persona, rows: int = MIX_ROWS, bar_width: int = 5) -> Table:
    table = Table.grid(padding=(0, 1), expand=True)
    table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
    table.add_column(width=bar_width, no_wrap=True)
    table.add_column(justify="right", width=4, no_wrap=True)
    top = sorted(persona.endpoint_mix, key=lambda e: e.share, reverse=True)[:rows]
    biggest = top[0].share if top else 1.0
    for share in top:
        table.add_row(
            plain(share.route if share.method == "GET" else f"{share.method} {share.route}"),
            display.bar(share.share / biggest, bar_width),
            display.percent(share.share),
        )
    return table


def top_paths(persona: Persona, rows: int = PATH_ROWS) -> list[Text]:
    return [
        Text(clean(" → ".join(short_state(s) for s in path)), no_wrap=True, overflow="ellipsis")
        for path in persona.top_paths[:rows]
        if path
    ]


def describe(persona: Persona, *, excluded: bool = False) -> RenderableType:
    """Everything the panel shows for `persona`, as one renderable."""
    parts: list[RenderableType] = []
    if excluded:
        parts.append(Text("excluded from the plan (x to keep)", style="bold"))
    parts.append(Text("endpoint mix", style="bold"))
    parts.append(endpoint_mix(persona))
    paths = top_paths(persona)
    if paths:
        parts.append(Text("top paths", style="bold"))
        parts.extend(paths)
    think = persona.think_time_s
    parts.append(
        Text.assemble(
            ("think ", "bold"),
            f"p50 {think.p50:.1f}s · p90 {think.p90:.1f}s",
        )
    )
    reqs = persona.requests_per_session
    parts.append(
        Text(
            f"{reqs.median:.0f} req/session · {persona.sessions:,} sessions · "
            f"errors {display.percent(persona.error_rate, 1)}",
            style="dim",
            no_wrap=True,
            overflow="ellipsis",
        )
    )
    return Group(*parts)


class PersonaDetail(Static):
    """Shows one persona; the screen calls `show` when the table cursor moves."""

    def show(self, persona: Persona | None, *, excluded: bool = False) -> None:
        self.update("" if persona is None else describe(persona, excluded=excluded))
