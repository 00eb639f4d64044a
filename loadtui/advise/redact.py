"""Personal data and secrets out of every string before it leaves the machine.

Route names, stage names, error classes and the user's note can all carry text from a log:
client IPs, e-mail addresses in paths, bearer tokens, JWTs, API keys, `?token=` values. Each
distinct value becomes a numbered placeholder (`[ip-1]`, `[email-2]`, `[secret-3]`) so the model
still sees that two routes share one value, and `Redactor.restore` puts the originals back into
the answer (a threshold key the model names with `[email-1]` must match the plan's real key).
Candidates for IPs are confirmed with `ipaddress`, so `12:30:45` or a version `1.2.3` is left.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

# query/form parameters whose value is a secret: the name is kept, the value goes
_SECRET_PARAM = re.compile(
    r"(?P<name>(?<![\w-])[\w.-]*(?:token|key|password|passwd|pwd|secret|sig|signature|session|"
    r"sessid|sid|auth|jwt|credential|code|otp)[\w.-]*)(?P<sep>=|%3[dD])(?P<value>\{[\w.-]*\}|[^&#\s;,\"'{}]+)",
    re.IGNORECASE,
)
_AUTH_SCHEME = re.compile(
    r"(?P<scheme>\b(?:bearer|basic|token|digest))(?P<sep>\s+|%20|\+)(?P<value>[A-Za-z0-9._~+/=-]{6,})",
    re.IGNORECASE,
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_IPV6 = re.compile(
    r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{0,4}|\d{1,3}(?:\.\d{1,3}){3})"
    r"(?:%[\w.]+)?(?![\w:.])"
)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
# provider keys with a known prefix, then any long opaque run of letters and digits
_PREFIXED_KEY = re.compile(r"\b(?:sk|pk|rk|ghp|gho|xox[abp]|AKIA|AIza)[-_A-Za-z0-9]{12,}")
_LONG_HEX = re.compile(r"\b[0-9A-Fa-f]{24,}\b")
# no "/" in the class: a route path is segments, and each segment is judged on its own
_LONG_B64 = re.compile(r"(?<![\w+=-])[A-Za-z0-9+_-]{24,}={0,2}(?![\w+=-])")
_PLACEHOLDER = re.compile(r"\[(?:ip|email|token|secret|key)-\d+\]")


def _looks_random(s: str) -> bool:
    """A slug (`a-very-long-article-title`) is words; a key mixes digits with both cases."""
    core = s.rstrip("=")
    has_digit = any(c.isdigit() for c in core)
    has_upper = any(c.isupper() for c in core)
    has_lower = any(c.islower() for c in core)
    words = re.split(r"[-_]", core)
    if len(words) > 2 and all(w.isalpha() for w in words if w):
        return False
    return has_digit and (has_upper or has_lower) and ((has_upper and has_lower) or len(core) >= 32)


class Redactor:
    """Replaces secrets by numbered placeholders and remembers them to restore an answer."""

    def __init__(self) -> None:
        self._by_value: dict[str, str] = {}
        self._by_placeholder: dict[str, str] = {}
        self._counts: dict[str, int] = {}

    def _mark(self, kind: str, value: str) -> str:
        found = self._by_value.get(value)
        if found is not None:
            return found
        self._counts[kind] = self._counts.get(kind, 0) + 1
        placeholder = f"[{kind}-{self._counts[kind]}]"
        self._by_value[value] = placeholder
        self._by_placeholder[placeholder] = value
        return placeholder

    @property
    def count(self) -> int:
        return len(self._by_value)

    def text(self, s: str) -> str:
        """`s` with every secret-looking value replaced (idempotent on its own output)."""
        if not s:
            return s
        s = _SECRET_PARAM.sub(
            lambda m: m["name"] + m["sep"] + self._keep_or(m["value"], "secret"), s
        )
        s = _AUTH_SCHEME.sub(
            lambda m: m["scheme"] + m["sep"] + self._keep_or(m["value"], "token"), s
        )
        s = _JWT.sub(lambda m: self._mark("token", m[0]), s)
        s = _EMAIL.sub(lambda m: self._mark("email", m[0]), s)
        s = _IPV6.sub(self._ip, s)
        s = _IPV4.sub(self._ip, s)
        s = _PREFIXED_KEY.sub(lambda m: self._mark("key", m[0]), s)
        s = _LONG_HEX.sub(lambda m: self._mark("key", m[0]), s)
        s = _LONG_B64.sub(lambda m: self._mark("key", m[0]) if _looks_random(m[0]) else m[0], s)
        return s

    def _keep_or(self, value: str, kind: str) -> str:
        # a route template (`token={token}`) or an earlier placeholder is not a secret
        if _PLACEHOLDER.fullmatch(value) or re.fullmatch(r"\{[\w.-]*\}", value):
            return value
        return self._mark(kind, value)

    def _ip(self, m: re.Match[str]) -> str:
        candidate = m[0]
        try:
            ipaddress.ip_address(candidate.split("%", 1)[0])
        except ValueError:
            return candidate
        return self._mark("ip", candidate)

    def restore(self, s: str) -> str:
        """The placeholders this redactor made, back to their values (the answer's keys)."""
        if not self._by_placeholder:
            return s
        return _PLACEHOLDER.sub(lambda m: self._by_placeholder.get(m[0], m[0]), s)

    def model(self, doc: M) -> M:
        """A copy of `doc` with every string (dict keys included) redacted, recursively."""
        return _map_model(doc, self.text)

    def restore_model(self, doc: M) -> M:
        return _map_model(doc, self.restore)


def _map_model(doc: M, fn: Callable[[str], str]) -> M:
    data = _walk(doc.model_dump(mode="json", by_alias=True), fn)
    return type(doc).model_validate(data)


def _walk(value: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_walk(v, fn) for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, v in value.items():
            new_key = fn(key) if isinstance(key, str) else key
            while new_key in out:  # two keys redacted alike: keep both, distinguishable
                new_key = f"{new_key}'"
            out[new_key] = _walk(v, fn)
        return out
    return value


def redact_text(s: str) -> str:
    """One string redacted on its own (no restore needed)."""
    return Redactor().text(s)


def redact_model(doc: M) -> M:
    """A pydantic document (an AdviceInput) with every string redacted, recursively."""
    return Redactor().model(doc)
