"""Per-route breaking points: each route's highest sustained throughput before its error
rate passes 5 % (the per-endpoint question performance teams ask after a stress run).

"Sustained" is the median of three consecutive windows, so one lucky window does not count;
"passes" needs two windows in a row over the threshold, so one unlucky window does not either.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from loadtui.analyze.features import usable
from loadtui.contracts import MetricWindow, RouteCapacity

MAX_ERROR_RATE = 0.05
SUSTAIN = 3  # windows a throughput must hold for
BREAK = 2  # windows in a row over the threshold


def route_capacities(
    windows_by_run: Sequence[Sequence[MetricWindow]], max_error_rate: float = MAX_ERROR_RATE
) -> list[RouteCapacity]:
    """One entry per route seen, busiest sustained throughput first."""
    best: dict[str, RouteCapacity] = {}
    for windows in windows_by_run:
        ws = usable(windows)
        routes = sorted({r for w in ws for r in w.by_route})
        for route in routes:
            rate, err, ts = [], [], []
            for w in ws:
                b = w.by_route.get(route)
                n = b.requests if b else 0
                e = b.errors if b else 0
                rate.append((n - e) / max(w.interval_s, 1e-9))
                err.append(e / n if n else 0.0)
                ts.append(w.t)
            err_a = np.array(err)
            over = err_a > max_error_rate
            end = len(ws)
            broke_at = None
            for i in range(len(ws) - BREAK + 1):
                if over[i : i + BREAK].all():
                    end, broke_at = i, ts[i]
                    break
            rates = np.array(rate[:end])
            if rates.size >= SUSTAIN:
                held = np.array(
                    [np.median(rates[i : i + SUSTAIN]) for i in range(rates.size - SUSTAIN + 1)]
                )
                sustained = float(held.max())
            else:
                sustained = float(rates.max()) if rates.size else 0.0
            entry = RouteCapacity(
                route=route,
                sustained_rps=round(sustained, 2),
                broke=broke_at is not None,
                broke_at_t=broke_at,
                error_rate_max=round(float(err_a.max(initial=0.0)), 4),
            )
            old = best.get(route)
            if old is None or entry.sustained_rps > old.sustained_rps:
                best[route] = entry
    return sorted(best.values(), key=lambda r: -r.sustained_rps)
