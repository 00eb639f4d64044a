"""Stand-in values for placeholders whose observed values are personal data.

The route templating turns e-mail and IP addresses in paths into `{email}` and `{ip}`, and the
profile never keeps their values, so a plan has none to replay. Without values the engine would
send `1`, which no such endpoint accepts. These stand-ins have the right shape and can reach
no real person or host: `example.com` is reserved for documentation (RFC 2606) and 192.0.2.0/24
is TEST-NET-1 (RFC 5737). Fifty of each, so a per-user cache or rate limit sees many users,
not one.
"""

from __future__ import annotations

STAND_IN_COUNT = 50
STAND_INS: dict[str, list[str]] = {
    "email": [f"user{i}@example.com" for i in range(1, STAND_IN_COUNT + 1)],
    "ip": [f"192.0.2.{i}" for i in range(1, STAND_IN_COUNT + 1)],
}
