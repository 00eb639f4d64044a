"""Which advisor answers: the LLM when an endpoint is configured (or asked for), else offline.

The offline advisor is the floor: any LLM failure (no endpoint, timeout, HTTP error, a bad,
hostile or contradicted answer) gives the offline answer with a note saying why, so
`loadtui advise` and `heal` always answer and never depend on a network.
"""

from __future__ import annotations

from typing import Literal

from loadtui.advise.llm_client import LlmError
from loadtui.advise.settings import LlmSettings
from loadtui.contracts import AdviceInput, SuggestionSet

Mode = Literal["auto", "offline", "llm"]


def advise(
    inp: AdviceInput, mode: Mode = "auto", settings: LlmSettings | None = None
) -> SuggestionSet:
    """The advice on `inp`: auto = LLM when OPENAI_API_KEY or OPENAI_BASE_URL is set."""
    if mode == "offline":
        return _offline(inp, [])
    settings = settings if settings is not None else LlmSettings.from_env()
    if not settings.configured:
        if mode == "llm":
            return _offline(
                inp,
                [
                    "no LLM endpoint: set OPENAI_API_KEY or OPENAI_BASE_URL; "
                    "the offline advisor answered"
                ],
            )
        return _offline(inp, [])
    from loadtui.advise.llm import advise_llm

    try:
        return advise_llm(inp, settings)
    except LlmError as exc:
        note = f"LLM answer rejected ({settings.endpoint()}): {exc}; the offline advisor answered"
        return _offline(inp, [settings.scrub(note)])


def _offline(inp: AdviceInput, notes: list[str]) -> SuggestionSet:
    from loadtui.advise.offline import advise as offline_advise

    answer = offline_advise(inp)
    if not notes:
        return answer
    return answer.model_copy(update={"notes": [*notes, *answer.notes]})
