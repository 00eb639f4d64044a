"""`loadtui export k6 --llm`: swap in the model's idiomatic script when it passes every check.

The deterministic script is written first, so a failed or refused rewrite leaves exactly what
`loadtui export k6` writes, with a one-line note. An accepted rewrite is shown as a unified
diff against the deterministic one (like any other suggestion) and replaces it on disk.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from loadtui.contracts import TestPlan


@dataclass(frozen=True)
class LlmExport:
    outcome: Literal["accepted", "rejected", "off"]
    note: str
    diff: str = ""

    def as_json(self) -> dict[str, str]:
        return asdict(self)


def improve_k6(plan: TestPlan, script: Path, data_file: Path | None) -> LlmExport:
    """Ask the model for an idiomatic version of `script`; write it only if it checks out."""
    from loadtui.advise.k6_llm import rewrite_k6
    from loadtui.advise.llm_client import LlmError
    from loadtui.advise.settings import LlmSettings
    from loadtui.patch.diff import unified

    settings = LlmSettings.from_env()
    if not settings.configured:
        return LlmExport(
            "off",
            "--llm: no OPENAI_API_KEY or OPENAI_BASE_URL is set; wrote the deterministic export",
        )
    original = script.read_text(encoding="utf-8")
    try:
        candidate, summary = rewrite_k6(original, plan, data_file, settings)
    except LlmError as exc:
        note = f"--llm ({settings.endpoint()}): {exc}; wrote the deterministic export"
        return LlmExport("rejected", settings.scrub(note))
    diff = unified(original, candidate, script.name)
    script.write_text(candidate, encoding="utf-8")
    note = f"--llm ({settings.endpoint()}): the model's script passed the checks and was written"
    if summary:
        note += f": {summary}"
    return LlmExport("accepted", settings.scrub(note), diff)
