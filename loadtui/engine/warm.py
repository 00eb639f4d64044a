"""Rate-true open model: sessions already under way, so a stage delivers its planned request
rate from its first seconds, whatever the personas' session lengths.

Open-model stages are session arrival rates λ(t); a user plans in requests per second
(λ × mean requests per session). Real sessions last minutes (think times of tens of seconds),
so fresh arrivals alone reach that request rate only once a whole session length has passed
since the last change: a 30 s stress step against personas whose sessions last ~2 minutes
delivered a quarter of its rate. Production is never empty like that: when a load test starts,
the users of the modelled traffic are already in the middle of their journeys.

So the open model keeps the population of sessions in flight at the equilibrium of the current
rate (M/G/∞: λ(t) × mean session duration, met at uniformly random points of their journeys):
- **joins**: when λ rises (at the start, on a step, along a ramp) sessions join mid-journey at
  rate λ'(t) × E[D] (a step of Δλ: Poisson(Δλ × E[D]) at once), each one drawn from the
  time-average of simulated journeys: its scenario in proportion to weight × mean duration,
  its journey length-biased, its position uniform in time (`WarmStart.sample`);
- **leaves**: when λ falls, each waiting session leaves with probability 1 − λ(t₁)/λ(t₀) per
  tick (thinning keeps the population at the lower equilibrium);
- fresh arrivals at λ(t) keep coming as before.
Think times stay the fitted ones; only who is already on the site changes. Time in flight on
the wire is left out of the simulated journeys (unknown before the run): a slow target makes
sessions longer and the delivered rate lower, which is the target holding the rate back.
Arrival rates are scaled by the plan's mean requests per session over the simulated one, so
the request rate is the planned one even where the plan's mean was rounded or capped.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from loadtui.engine.schedule import StageProfile
from loadtui.engine.sessions import CompiledScenario, sample_distribution

POOL_JOURNEYS = 1000  # simulated journeys per scenario: mean duration within ~3 %


@dataclass(frozen=True, slots=True)
class Joining:
    """A session met mid-journey: `count` steps taken, step `index` is next, in `wait` s."""

    scenario: CompiledScenario
    index: int
    count: int
    wait: float


class JourneyPool:
    """Simulated journeys of one scenario (no network): their mean length in time and in
    requests, and uniform points in time over all of them (who is on the site at a moment)."""

    def __init__(self, scenario: CompiledScenario, rng: random.Random, size: int) -> None:
        self.scenario = scenario
        self._starts: list[float] = []  # cumulative start of each journey in the concatenation
        self._steps: list[tuple[tuple[float, ...], tuple[int, ...]]] = []
        total = 0.0
        requests = 0
        for _ in range(size):
            times: list[float] = []
            indexes: list[int] = []
            t = 0.0
            for count, index in enumerate(scenario.walk(rng)):
                if count and not scenario.steps[index].embedded:
                    t += sample_distribution(scenario.think, rng)
                times.append(t)
                indexes.append(index)
            requests += len(indexes)
            if t > 0:  # a journey with no time in it is never met in flight
                self._starts.append(total)
                self._steps.append((tuple(times), tuple(indexes)))
                total += t
        self.total = total
        self.mean_duration = total / size if size else 0.0
        self.mean_requests = requests / size if size else 0.0

    def sample(self, rng: random.Random) -> Joining | None:
        """The state of a session of this scenario met at a random moment (None: its sessions
        take no time, e.g. one request each)."""
        if self.total <= 0:
            return None
        x = rng.random() * self.total
        j = max(0, bisect.bisect_right(self._starts, x) - 1)
        times, indexes = self._steps[j]
        u = x - self._starts[j]
        k = min(max(bisect.bisect_right(times, u), 1), len(times) - 1)
        return Joining(self.scenario, indexes[k], k, max(times[k] - u, 0.0))


class WarmStart:
    """Joins for a plan's open-model scenarios: who is met, and how many per unit of rate."""

    def __init__(
        self,
        scenarios: Sequence[CompiledScenario],
        weights: Sequence[float],
        rng: random.Random,
        *,
        planned_requests_per_session: float = 0.0,
        size: int = POOL_JOURNEYS,
    ) -> None:
        total_w = sum(max(w, 0.0) for w in weights) or 1.0
        self.shares = [max(w, 0.0) / total_w for w in weights]
        self.pools = [JourneyPool(sc, rng, size) for sc in scenarios]
        self.mean_duration = sum(
            s * p.mean_duration for s, p in zip(self.shares, self.pools, strict=True)
        )
        self.mean_requests = sum(
            s * p.mean_requests for s, p in zip(self.shares, self.pools, strict=True)
        )
        planned = planned_requests_per_session
        # sessions per planned session, so λ × planned mean requests is what goes out
        self.rate_scale = (
            planned / self.mean_requests if planned > 0 and self.mean_requests > 0 else 1.0
        )
        self._cum = list(
            itertools.accumulate(
                s * p.mean_duration for s, p in zip(self.shares, self.pools, strict=True)
            )
        )

    @property
    def active(self) -> bool:
        """Whether sessions take time at all (one-request plans need no joins)."""
        return self.mean_duration > 0

    def population(self, rate: float) -> float:
        """Sessions in flight at equilibrium for a session arrival rate (Little's law)."""
        return rate * self.rate_scale * self.mean_duration

    def sample(self, rng: random.Random) -> Joining | None:
        if not self.active:
            return None
        i = min(bisect.bisect_right(self._cum, rng.random() * self._cum[-1]), len(self.pools) - 1)
        return self.pools[i].sample(rng)


def join_times(
    profile: StageProfile, population_per_rate: float, *, seed: int, share: float = 1.0
) -> Iterator[float]:
    """Times (s from start) at which sessions join: Poisson at rate λ'(t) × `population_per_rate`
    where the profile rises, Poisson(Δλ × it) at once on an upward step; nothing where it
    stays or falls. `share` splits the joins over workers."""
    if population_per_rate <= 0 or share <= 0:
        return
    rng = random.Random(seed)
    times, values = profile.times, profile.values
    for i in range(len(times) - 1):
        t0, t1, v0, v1 = times[i], times[i + 1], values[i], values[i + 1]
        if v1 <= v0:
            continue
        mass = (v1 - v0) * population_per_rate * share
        if t1 <= t0:  # a step: everyone it adds is there at once
            for _ in range(_poisson(mass, rng)):
                yield t0
            continue
        rate = mass / (t1 - t0)
        t = t0 + rng.expovariate(rate)
        while t < t1:
            yield t
            t += rng.expovariate(rate)


def survival(profile: StageProfile, t0: float, t1: float) -> float:
    """Share of the sessions in flight at t0 that should still be there at t1 when the rate
    falls (thinning); 1 when it holds or rises."""
    before = profile.value_at(t0)
    if before <= 0:
        return 1.0
    after = profile.value_at(t1) if t1 <= profile.duration else 0.0
    return min(1.0, max(0.0, after / before))


def _poisson(mean: float, rng: random.Random) -> int:
    """A Poisson draw (normal approximation for large means, exact below)."""
    if mean <= 0:
        return 0
    if mean > 50:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k
