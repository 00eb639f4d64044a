"""Field names that JSON-lines and CSV access logs use for the same thing.

There is no standard, so this is a table of what nginx `log_format … escape=json`, Apache
mod_log_json, ECS (Elastic), pino/bunyan-style app loggers and hand-rolled CSV exports call
each field. The first name present in a file wins. Response times carry their unit in the
table because the name is the only place the unit is stated.
"""

from __future__ import annotations

from collections.abc import Iterable

ALIASES: dict[str, tuple[str, ...]] = {
    "ts": (
        "timestamp",
        "time",
        "@timestamp",
        "ts",
        "datetime",
        "date",
        "time_iso8601",
        "time_local",
        "msec",
        "start_time",
        "starttime",
        "request_time_iso",
        "event.created",
    ),
    "client": (
        "remote_addr",
        "client_ip",
        "ip",
        "client",
        "clientip",
        "remote_ip",
        "remoteaddr",
        "remote_host",
        "source.ip",
        "client.ip",
        "client.address",
    ),
    "path": (
        "request_uri",
        "path",
        "url",
        "uri",
        "request_path",
        "url.original",
        "url.path",
        "http.request.uri",
        "endpoint",
        "route",
    ),
    "query": ("query", "query_string", "querystring", "args", "url.query"),
    "request": ("request", "request_line", "http.request.line"),
    "method": ("method", "request_method", "http_method", "verb", "http.request.method"),
    "status": (
        "status",
        "status_code",
        "statuscode",
        "response_status",
        "response_code",
        "http_status",
        "http.response.status_code",
    ),
    "user_agent": (
        "user_agent",
        "http_user_agent",
        "useragent",
        "ua",
        "agent",
        "user_agent.original",
    ),
    "referrer": (
        "referer",
        "referrer",
        "http_referer",
        "http_referrer",
        "http.request.referrer",
    ),
    "session_id": ("session_id", "sessionid", "session", "sid"),
    "bytes": (
        "bytes",
        "body_bytes_sent",
        "bytes_sent",
        "size",
        "response_size",
        "content_length",
        "http.response.body.bytes",
    ),
}

# Response-time fields and the factor that turns their value into milliseconds.
RESPONSE_TIME_MS: tuple[tuple[str, float], ...] = (
    ("response_time_ms", 1.0),
    ("response_ms", 1.0),
    ("duration_ms", 1.0),
    ("latency_ms", 1.0),
    ("elapsed_ms", 1.0),
    ("request_time_ms", 1.0),
    ("responsetime", 1.0),  # pino-http responseTime: ms
    ("request_time", 1000.0),  # nginx $request_time: seconds
    ("upstream_response_time", 1000.0),
    ("response_time_s", 1000.0),
    ("duration_s", 1000.0),
    ("response_time", 1000.0),  # unitless: nginx-style seconds
    ("duration", 1.0),  # unitless in app loggers: milliseconds
    ("latency", 1.0),
    ("elapsed", 1.0),
    ("time_taken", 1.0),  # IIS time-taken: ms
    ("response_time_us", 0.001),
    ("duration_us", 0.001),
    ("time_us", 0.001),
    ("event.duration", 1e-6),  # ECS: nanoseconds
)


def pick(field: str, available: Iterable[str]) -> str | None:
    """The name in `available` (matched case-insensitively) that `field` should come from."""
    by_lower = {name.lower(): name for name in available}
    for alias in ALIASES[field]:
        if alias in by_lower:
            return by_lower[alias]
    return None


def pick_response_time(available: Iterable[str]) -> tuple[str, float] | None:
    by_lower = {name.lower(): name for name in available}
    for alias, factor in RESPONSE_TIME_MS:
        if alias in by_lower:
            return by_lower[alias], factor
    return None
