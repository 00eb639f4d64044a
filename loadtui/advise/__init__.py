"""Advice on a finished run: the offline statistical advisor and the LLM advisor, both answering
with a `SuggestionSet` (contracts). Advisors never write files; `loadtui.patch` does."""
