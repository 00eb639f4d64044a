"""One JSON answer from an OpenAI-compatible chat endpoint, inside one overall deadline.

The only module that calls the `openai` SDK. The SDK's own retries are off (`max_retries=0`)
because they would each get the full timeout: a hung server would hold the advisor for
(1 + retries) × timeout. Here 429/5xx/refused connections are retried with exponential backoff
(0.5 s, 1 s, 2 s ... capped at 8 s, or the server's Retry-After) while the deadline allows, and
every attempt gets only the time left. Structured output asks for `json_schema` first; a server
that refuses it (400/422: older vLLM, llama.cpp without grammar support) is asked again in
`json_object` mode with the schema in the prompt.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

import openai

from loadtui.advise.settings import LlmSettings

MAX_BACKOFF_S = 8.0
OPENAI_URL = "https://api.openai.com/v1"


class LlmError(Exception):
    """Any bad, refused or late answer; the message is one line and never holds the key."""


def _one_line(text: str, settings: LlmSettings, limit: int = 200) -> str:
    text = " ".join(settings.scrub(str(text)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _retry_after(exc: openai.APIStatusError) -> float | None:
    raw = exc.response.headers.get("retry-after") if exc.response is not None else None
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def _format(mode: str, name: str, schema: dict[str, Any]) -> dict[str, Any]:
    if mode == "json_schema":
        # strict=False: pydantic's schema has defaults and optional keys, which strict mode
        # forbids; the answer is validated with pydantic anyway
        return {
            "type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": False},
        }
    return {"type": "json_object"}


def chat_json(
    settings: LlmSettings,
    system: str,
    user: str,
    *,
    schema_name: str,
    schema: dict[str, Any],
) -> str:
    """The assistant's message text (meant to be JSON) for one system + user exchange."""
    endpoint = settings.endpoint()
    deadline = time.monotonic() + settings.timeout_s
    client = openai.OpenAI(
        base_url=settings.base_url or OPENAI_URL,
        api_key=settings.key_value(),
        timeout=settings.timeout_s,
        max_retries=0,
    )
    mode = "json_schema"
    failures = 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0.05:
                raise LlmError(f"no answer from {endpoint} within {settings.timeout_s:g}s")
            sys_text = system
            if mode == "json_object":
                sys_text += "\n\nAnswer with one JSON object matching this JSON schema:\n"
                sys_text += json.dumps(schema, separators=(",", ":"))
            # Any: the SDK's TypedDict overloads for the two formats
            fmt: Any = _format(mode, schema_name, schema)
            messages: Any = [
                {"role": "system", "content": sys_text},
                {"role": "user", "content": user},
            ]
            try:
                reply = client.with_options(timeout=remaining).chat.completions.create(
                    model=settings.model,
                    messages=messages,
                    response_format=fmt,
                    temperature=0,
                )
            except openai.APITimeoutError:
                raise LlmError(
                    f"no answer from {endpoint} within {settings.timeout_s:g}s"
                ) from None
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                if mode == "json_schema":
                    mode = "json_object"  # the server refuses json_schema: ask plainly
                    continue
                raise LlmError(
                    f"{endpoint} refused the request (HTTP {exc.status_code}): "
                    f"{_one_line(exc.message, settings)}"
                ) from None
            except (openai.APIStatusError, openai.APIConnectionError) as exc:
                status = exc.status_code if isinstance(exc, openai.APIStatusError) else None
                if status is not None and status != 429 and status < 500:
                    raise LlmError(
                        f"{endpoint} answered HTTP {status}: {_one_line(exc.message, settings)}"
                    ) from None
                failures += 1
                what = f"HTTP {status}" if status is not None else "connection failed"
                if failures >= settings.max_attempts:
                    raise LlmError(
                        f"{endpoint}: {what} after {failures} attempts; try again later"
                    ) from None
                wait = min(0.5 * 2 ** (failures - 1), MAX_BACKOFF_S) * (1 - 0.25 * random.random())
                if isinstance(exc, openai.APIStatusError):
                    wait = _retry_after(exc) or wait
                if time.monotonic() + wait >= deadline:
                    raise LlmError(
                        f"{endpoint}: {what}, and no time left to retry within "
                        f"{settings.timeout_s:g}s"
                    ) from None
                time.sleep(wait)
                continue
            except openai.OpenAIError as exc:
                raise LlmError(f"{endpoint}: {_one_line(str(exc), settings)}") from None
            return _content(reply, endpoint, settings)
    finally:
        client.close()


def _content(reply: Any, endpoint: str, settings: LlmSettings) -> str:
    choices = getattr(reply, "choices", None) or []
    if not choices:
        raise LlmError(f"{endpoint} answered with no choices")
    choice = choices[0]
    message = choice.message
    if getattr(message, "refusal", None):
        raise LlmError(f"the model refused: {_one_line(message.refusal, settings)}")
    if getattr(message, "tool_calls", None) or getattr(message, "function_call", None):
        raise LlmError("the model answered with a tool call instead of the JSON asked for")
    if choice.finish_reason == "length":
        raise LlmError("the answer was cut off (finish_reason=length)")
    if not message.content or not message.content.strip():
        raise LlmError(f"{endpoint} answered with an empty message")
    return str(message.content)


def parse_json_object(content: str) -> dict[str, Any]:
    """The answer as a JSON object; a ```json fence around it (json_object mode) is allowed."""
    text = content.strip()
    if text.startswith("```"):
        text = text.split("\n", 1)[1] if "\n" in text else ""
        text = text.rsplit("```", 1)[0]
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LlmError(
            f"the answer is not valid JSON (line {exc.lineno} col {exc.colno}: {exc.msg})"
        ) from None
    if not isinstance(data, dict):
        raise LlmError(f"the answer is JSON but not an object (a {type(data).__name__})")
    return data
