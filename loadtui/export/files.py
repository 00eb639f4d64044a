"""Write a plan as a script in one of the formats, for the CLI and the TUI alike."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from loadtui.contracts import TestPlan

Format = Literal["k6", "locust", "artillery"]
FORMATS: tuple[Format, ...] = ("k6", "locust", "artillery")
SUFFIX = {"k6": ".js", "locust": ".py", "artillery": ".yml"}


def write_export(
    fmt: Format, plan: TestPlan, out: Path, *, source: str = "plan.yaml"
) -> list[Path]:
    """Write the script (and a k6 script's data file); returns every path written."""
    if fmt == "k6":
        from loadtui.export.k6 import export_k6

        return export_k6(plan, out, source=source)
    if fmt == "artillery":
        from loadtui.export.artillery import export_artillery

        return export_artillery(plan, out, source=source)
    from loadtui.export.locust import render_locustfile

    out.write_text(render_locustfile(plan), encoding="utf-8")
    return [out]
