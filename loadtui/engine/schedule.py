"""When things should happen: stage profiles, session arrivals and VU counts.

Everything here is pure and seeded so a run can be replayed and tested without a network.

Stages follow k6: the profile starts at 0 and each stage ramps *linearly* from the previous
stage's target to its own over its duration (a `0s` stage is a step). In the open model the
ramped value is a session arrival rate and arrivals are a non-homogeneous Poisson process drawn
by time rescaling (unit-rate exponential gaps mapped through the inverse of the cumulative rate
Λ(t)), which is exact for piecewise-linear rates and needs no thinning. In the closed model the
ramped value is a VU count.

Intended start times (what coordinated-omission correction measures from):
- a session's first request is intended at its arrival time;
- later requests in a session are intended at the *actual* completion of the previous one plus
  a sampled think time (a real user only clicks after the page came back, so a slow server
  delays the user and that is not omission);
- in single-route `--url --rate` mode every request is its own session at a *paced* (fixed-rate)
  schedule, as wrk2 does, so a server stall shows up in the corrected latency of every request
  that should have been sent during it.
Splitting over N workers: Poisson arrivals are split by giving each worker rate/N and its own
seed (a superposition of Poisson processes is Poisson); paced arrivals are interleaved, worker w
taking every N-th slot, so the merged stream is exactly the fixed-rate schedule.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from loadtui.contracts import Stage
from loadtui.durations import parse_duration

__all__ = ["StageProfile", "parse_duration"]


@dataclass(frozen=True, slots=True)
class StageProfile:
    """A piecewise-linear value over time (rate or VUs) built from k6 stages.

    `times[i]` and `values[i]` are the knots; knot 0 is (0, start). `cum[i]` is Λ(times[i]).
    """

    times: tuple[float, ...]
    values: tuple[float, ...]
    names: tuple[str | None, ...]
    cum: tuple[float, ...]

    @classmethod
    def from_stages(cls, stages: Sequence[Stage], *, start: float = 0.0) -> StageProfile:
        times = [0.0]
        values = [float(start)]
        names: list[str | None] = []
        for stage in stages:
            if stage.target < 0:
                raise ValueError(f"stage target must be ≥ 0, got {stage.target}")
            times.append(times[-1] + parse_duration(stage.duration))
            values.append(float(stage.target))
            names.append(stage.name)
        cum = [0.0]
        for i in range(1, len(times)):
            cum.append(cum[-1] + (times[i] - times[i - 1]) * (values[i] + values[i - 1]) / 2.0)
        return cls(tuple(times), tuple(values), tuple(names), tuple(cum))

    @property
    def duration(self) -> float:
        return self.times[-1]

    @property
    def total(self) -> float:
        """Λ at the end: expected number of arrivals (open) or VU-seconds (closed)."""
        return self.cum[-1]

    def stage_at(self, t: float) -> int:
        """Index of the stage that holds time t (clamped to the first/last stage)."""
        if len(self.times) < 2:
            return 0
        i = bisect.bisect_right(self.times, t) - 1
        return max(0, min(i, len(self.times) - 2))

    def stage_name(self, index: int) -> str | None:
        return self.names[index] if 0 <= index < len(self.names) else None

    def value_at(self, t: float) -> float:
        """The ramped value at time t; 0 after the end (the run is over)."""
        if t < 0 or t > self.duration or len(self.times) < 2:
            return 0.0
        i = self.stage_at(t)
        t0, t1 = self.times[i], self.times[i + 1]
        v0, v1 = self.values[i], self.values[i + 1]
        if t1 <= t0:
            return v1
        return v0 + (v1 - v0) * (t - t0) / (t1 - t0)

    def cumulative(self, t: float) -> float:
        """Λ(t) = ∫₀ᵗ value."""
        if t <= 0 or len(self.times) < 2:
            return 0.0
        if t >= self.duration:
            return self.total
        i = self.stage_at(t)
        t0 = self.times[i]
        return self.cum[i] + (t - t0) * (self.values[i] + self.value_at(t)) / 2.0

    def inverse_cumulative(self, x: float) -> float | None:
        """The time t with Λ(t) = x, or None when x lies beyond the end of the profile."""
        if x < 0 or x > self.total or self.total <= 0:
            return None
        return self._inverse_in(max(0, bisect.bisect_left(self.cum, x) - 1), x)

    def _inverse_in(self, i: int, x: float) -> float:
        """Λ⁻¹(x) given i = bisect_left(cum, x) − 1 (clamped at 0) and 0 ≤ x ≤ total."""
        # skip zero-mass segments (zero-length stages, zero rate) so we land inside real mass
        while i < len(self.times) - 2 and self.cum[i + 1] - self.cum[i] <= 0:
            i += 1
        t0, t1 = self.times[i], self.times[i + 1]
        v0, v1 = self.values[i], self.values[i + 1]
        y = x - self.cum[i]
        d = t1 - t0
        if d <= 0:
            return t0
        a = (v1 - v0) / (2.0 * d)
        disc = v0 * v0 + 4.0 * a * y
        root = math.sqrt(max(disc, 0.0))
        denom = v0 + root
        if denom <= 0:
            return t0
        return min(t1, t0 + 2.0 * y / denom)

    def inverse_increasing(self, xs: Iterator[float]) -> Iterator[float]:
        """`inverse_cumulative` of a non-decreasing sequence, ending at the first x past the
        end: the same floats, with a moving segment cursor instead of a bisection per value
        (arrival generators call this once per arrival).

        On a flat segment (rate v > 0) `_inverse_in` is t0 + 2y / (v + sqrt(v·v)), and
        sqrt(v·v) is exactly v in IEEE arithmetic, so that is t0 + y / v to the last bit:
        computed inline there, with no call per arrival (every `--rate` run is one)."""
        cum, times, values, total = self.cum, self.times, self.values, self.total
        if total <= 0:
            return
        last = len(cum) - 1
        i = 0  # = bisect_left(cum, x) - 1, clamped at 0
        seg = -1  # the segment the flat-case values below belong to
        flat = False
        t0 = t1 = v = c0 = 0.0
        for x in xs:
            if x < 0 or x > total:
                return
            while i < last and cum[i + 1] < x:
                i += 1
            if i != seg:
                seg = j = i
                while j < len(times) - 2 and cum[j + 1] - cum[j] <= 0:
                    j += 1  # the zero-mass skip of `_inverse_in`
                t0, t1, v, c0 = times[j], times[j + 1], values[j], cum[j]
                flat = t1 > t0 and v == values[j + 1] and v > 0
            if flat:
                yield min(t1, t0 + (x - c0) / v)
            else:
                yield self._inverse_in(i, x)


def poisson_arrivals(profile: StageProfile, *, seed: int, share: float = 1.0) -> Iterator[float]:
    """Arrival times (s from start) of a Poisson process with rate share × profile(t)."""
    if share <= 0:
        return iter(())
    rng = random.Random(seed)
    return profile.inverse_increasing(
        itertools.accumulate(iter(lambda: rng.expovariate(share), None))
    )


def paced_arrivals(profile: StageProfile, *, index: int = 0, count: int = 1) -> Iterator[float]:
    """Fixed-rate arrivals: slot k at Λ⁻¹(k + ½); worker `index` of `count` takes every count-th."""
    # slot k + ½ as a float count: integers plus ½ are exact, so the very same values
    return profile.inverse_increasing(itertools.count(index + 0.5, count))


def vus_at(profile: StageProfile, t: float) -> int:
    """Total VUs the closed model wants at time t (the ramped value, rounded half up)."""
    return math.floor(profile.value_at(t) + 0.5)


def worker_vus(total: int, *, index: int, count: int) -> int:
    """How many of `total` VUs worker `index` of `count` runs (VU i lives on worker i mod count)."""
    if total <= index:
        return 0
    return (total - index + count - 1) // count


def arrival_seed(seed: int, worker: int) -> int:
    """A distinct, stable seed per worker derived from the run seed."""
    return (seed * 1_000_003 + worker * 7919 + 17) & 0x7FFFFFFF
