"""Where the LLM advisor talks to, read once from the environment.

The key is a `SecretStr`: it prints as `**********` in repr/str, so a log line, a traceback of
the settings or a `--json` dump never carries it. `scrub()` removes it from any text that came
back from a server (a hostile endpoint can echo the Authorization header into an error body).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from loadtui.errors import UserError

DEFAULT_MODEL = "gpt-4o-mini"  # small, cheap, supports json_schema structured output
DEFAULT_TIMEOUT_S = 30.0
# a local server (vLLM, Ollama, llama.cpp) needs no key, but the client sends one anyway
NO_KEY = "no-key"


class LlmSettings(BaseModel):
    """OPENAI_API_KEY, OPENAI_BASE_URL, LOADTUI_MODEL, LOADTUI_LLM_TIMEOUT (seconds)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    api_key: SecretStr | None = None
    base_url: str | None = None
    model: str = DEFAULT_MODEL
    timeout_s: float = Field(default=DEFAULT_TIMEOUT_S, gt=0)
    # attempts on 429/5xx/refused connections inside the one overall timeout
    max_attempts: int = Field(default=4, ge=1, le=10)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LlmSettings:
        env = os.environ if env is None else env
        key = env.get("OPENAI_API_KEY", "").strip()
        base = env.get("OPENAI_BASE_URL", "").strip()
        raw_timeout = env.get("LOADTUI_LLM_TIMEOUT", "").strip()
        timeout = DEFAULT_TIMEOUT_S
        if raw_timeout:
            try:
                timeout = float(raw_timeout.removesuffix("s"))
            except ValueError:
                timeout = math.nan
            if not math.isfinite(timeout) or timeout <= 0:
                raise UserError(
                    f"LOADTUI_LLM_TIMEOUT={raw_timeout!r} is not a number of seconds; "
                    "set e.g. LOADTUI_LLM_TIMEOUT=30"
                )
        return cls(
            api_key=SecretStr(key) if key else None,
            base_url=base or None,
            model=env.get("LOADTUI_MODEL", "").strip() or DEFAULT_MODEL,
            timeout_s=timeout,
        )

    @property
    def configured(self) -> bool:
        """An endpoint is usable: a key (api.openai.com) or a base URL (a local server)."""
        return self.api_key is not None or self.base_url is not None

    def key_value(self) -> str:
        """The key for the client's constructor only; nowhere else."""
        return self.api_key.get_secret_value() if self.api_key is not None else NO_KEY

    def endpoint(self) -> str:
        """`model @ host:port` for messages: no userinfo, path or query (they may hold secrets)."""
        if self.base_url is None:
            return f"{self.model} @ api.openai.com"
        parts = urlsplit(self.base_url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
        return f"{self.model} @ {host}{port}"

    def scrub(self, text: str) -> str:
        """`text` with the key (and the base URL's userinfo) replaced, for messages and logs."""
        if self.api_key is not None:
            secret = self.api_key.get_secret_value()
            if len(secret) >= 4:
                text = text.replace(secret, "[api key]")
        if self.base_url is not None:
            info = urlsplit(self.base_url)
            if info.password:
                text = text.replace(info.password, "[password]")
        return text
