"""Think times: one draw from a fitted `Distribution`, the same in the engine and the exports.

Lognormal from mu/sigma, empirical by interpolating its quantiles, or constant; capped so one
absurd tail draw never parks a session for an hour. On the engine's per-request path.
"""

from __future__ import annotations

import bisect
import math
import random

from loadtui.contracts import Distribution

MAX_THINK_S = 600.0  # one absurd tail draw must not park a session for an hour

# sorted (levels, values) of empirical distributions: sorting ~20 quantiles on every draw was
# ~80 % of a think-time draw. Keyed by id with the object kept, so an id is never reused.
_EMPIRICAL: dict[int, tuple[Distribution, list[float], list[float]]] = {}


def _empirical(dist: Distribution) -> tuple[list[float], list[float]]:
    hit = _EMPIRICAL.get(id(dist))
    if hit is not None and hit[0] is dist:
        return hit[1], hit[2]
    points = sorted((float(k), v) for k, v in dist.quantiles.items())
    if len(_EMPIRICAL) >= 256:
        _EMPIRICAL.clear()
    _EMPIRICAL[id(dist)] = (dist, [p for p, _ in points], [v for _, v in points])
    return _EMPIRICAL[id(dist)][1], _EMPIRICAL[id(dist)][2]


def sample_distribution(dist: Distribution, rng: random.Random) -> float:
    """One draw in seconds (lognormal from mu/sigma, empirical from quantiles, or constant)."""
    if dist.kind == "constant":
        value = dist.median
    elif dist.kind == "empirical" and dist.quantiles:
        levels, values = _empirical(dist)
        u = rng.random()
        i = bisect.bisect_left(levels, u)
        if i <= 0:
            value = values[0]
        elif i >= len(levels):
            value = values[-1]
        else:
            p0, p1, v0, v1 = levels[i - 1], levels[i], values[i - 1], values[i]
            value = v0 + (v1 - v0) * (u - p0) / (p1 - p0) if p1 > p0 else v1
    elif dist.sigma > 0 or dist.mu != 0:
        value = math.exp(rng.gauss(dist.mu, dist.sigma))
    else:
        value = dist.median
    return min(max(value, 0.0), MAX_THINK_S)
