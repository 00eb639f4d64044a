"""Steady windows: a run's windows without its start-up and its drain.

The first window (and any ending in the run's first second) spans compiling, connecting and
sessions joining at t=0: its latency is connection set-up, not the system (the engine already
keeps it out of generator saturation for the same reason). The last window is the drain: no
new arrivals, only the stragglers' responses, often a partial interval. Comparing runs on
either would measure the generator, so regression checks use only the windows in between.
"""

from __future__ import annotations

from collections.abc import Iterable

from loadtui.contracts import Breakdown, MetricWindow

STARTUP_S = 1.0  # windows ending within the run's first second are start-up


def steady_windows(windows: list[MetricWindow]) -> list[MetricWindow]:
    """Windows past start-up and before the drain (none when the run was too short)."""
    if len(windows) < 3:
        return []
    body = windows[1:-1]
    return [w for w in body if w.t > STARTUP_S + 1e-9]


def stage_label(window: MetricWindow) -> str:
    """A stage's name for people: its plan name, else its number in the plan."""
    return window.stage_name or f"stage {window.stage}"


def window_values(
    windows: Iterable[MetricWindow], *, min_requests: int
) -> tuple[list[float], list[float]]:
    """(p95 ms, error rate) of each window with at least `min_requests` requests.

    A p95 over three requests is their maximum, so sparse windows would add noise, not data."""
    return _values(((w.requests, w.errors, w.latency.p95) for w in windows), min_requests)


def route_values(
    windows: Iterable[MetricWindow], route: str, *, min_requests: int
) -> tuple[list[float], list[float]]:
    """(p95 ms, error rate) of one route in each window where it had `min_requests`."""
    parts: list[tuple[int, int, float]] = []
    for w in windows:
        b: Breakdown | None = w.by_route.get(route)
        if b is not None:
            parts.append((b.requests, b.errors, b.latency.p95))
    return _values(parts, min_requests)


def _values(
    parts: Iterable[tuple[int, int, float]], min_requests: int
) -> tuple[list[float], list[float]]:
    p95: list[float] = []
    err: list[float] = []
    for requests, errors, latency in parts:
        if requests >= min_requests:
            p95.append(float(latency))
            err.append(errors / requests)
    return p95, err
