"""The demo target's capacity model: a known, honest knee that load tests can find.

The server behaves like an M/G/c/c+K queue: at most `capacity` requests are in service at once,
at most `queue` wait for a slot in arrival order, and anything beyond that is turned away at
once with a 503 (what a reverse proxy with a full backlog does). Service times are lognormal
with median `service_ms × slowdown` and a modest spread, so the throughput ceiling is
`capacity / mean service time` — the knee printed at start and reported by `/_stats` — and
latency past the knee grows by queueing, exactly as a forecast expects.

Some routes cost more or less than the base route (search and checkout do real work, static
files are cheap). `knee_rps` is stated for a base-cost route such as `GET /products/{id}`; the
cost table is part of `/_stats` so a mixed workload's knee can be computed from it.

Slots are kept in virtual time: a slot is free from the moment its request's service was due
to end, not from when the event loop got round to it, and a waiter's service starts at the
later of its arrival and that moment. On a busy box the loop wakes late; without this every
late wake-up would lengthen the slot's hold and put the real knee below the printed one. The
client still sees the lateness in its latency, never in the throughput ceiling.
`busy_s` counts slot-seconds of service, the counter a utilization probe reads (like a
process's CPU seconds).

Stalls (`stall_every_s`, `stall_ms`) are periodic stop-the-world pauses, like a long GC: during
the last `stall_ms` of every period no work progresses, so every request in service finishes
late by the pause and the queue builds behind it.
"""

from __future__ import annotations

import asyncio
import math
import random
from collections import deque
from dataclasses import asdict, dataclass, field

SIGMA = 0.25  # lognormal spread of service times (log scale): p99/p50 ≈ 1.8
MAX_STALL_FRACTION = 0.95  # a stall may not fill the whole period, or nothing is ever served
MIN_STALL_PERIOD_S = 0.05

# route template → multiple of the base service time; unlisted routes cost 1.0
ROUTE_COST: dict[str, float] = {
    "/search": 1.5,
    "/checkout": 2.0,
    "/static/app.js": 0.25,
    "/static/style.css": 0.25,
    "/static/img/{hash}.png": 0.25,
    "/robots.txt": 0.25,
}


@dataclass
class Settings:
    """What `/_control` can change while the target runs."""

    capacity: int = 32
    service_ms: float = 20.0
    queue: int = 256
    error_rate: float = 0.0
    slowdown: float = 1.0
    stall_every_s: float = 0.0  # 0: no stalls
    stall_ms: float = 0.0
    sigma: float = SIGMA

    def validate(self) -> None:
        """Raise ValueError naming the first setting out of range."""
        if not isinstance(self.capacity, int) or self.capacity < 1:
            raise ValueError(f"capacity must be an integer >= 1 (got {self.capacity!r})")
        if not self.service_ms > 0:
            raise ValueError(f"service_ms must be > 0 (got {self.service_ms!r})")
        if not isinstance(self.queue, int) or self.queue < 0:
            raise ValueError(f"queue must be an integer >= 0 (got {self.queue!r})")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError(f"error_rate must be between 0 and 1 (got {self.error_rate!r})")
        if not self.slowdown > 0:
            raise ValueError(f"slowdown must be > 0 (got {self.slowdown!r})")
        if self.stall_every_s < 0 or self.stall_ms < 0:
            raise ValueError("stall_every_s and stall_ms must be >= 0")
        if 0 < self.stall_every_s < MIN_STALL_PERIOD_S:
            raise ValueError(f"stall_every_s must be 0 (off) or >= {MIN_STALL_PERIOD_S}")
        if not 0 <= self.sigma <= 2:
            raise ValueError(f"sigma must be between 0 and 2 (got {self.sigma!r})")

    @property
    def median_service_ms(self) -> float:
        return self.service_ms * self.slowdown

    @property
    def mean_service_ms(self) -> float:
        """Mean of the lognormal: median × exp(σ²/2) — the knee depends on the mean."""
        return self.median_service_ms * math.exp(self.sigma**2 / 2)

    @property
    def knee_rps(self) -> float:
        """Throughput ceiling for base-cost requests (Little's law at full occupancy)."""
        return self.capacity * 1000.0 / self.mean_service_ms

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def apply_changes(settings: Settings, changes: dict[str, object]) -> Settings:
    """A new Settings with `changes` applied; ValueError for unknown keys or bad values."""
    known = set(Settings.__dataclass_fields__)
    unknown = sorted(set(changes) - known)
    if unknown:
        raise ValueError(
            f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    values = settings.as_dict()
    for key, value in changes.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{key} must be a number (got {value!r})")
        if key in ("capacity", "queue"):
            if float(value) != int(value):
                raise ValueError(f"{key} must be an integer (got {value!r})")
            values[key] = int(value)
        else:
            values[key] = float(value)
    new = Settings(**values)  # type: ignore[arg-type]
    new.validate()
    return new


def finish_time(start: float, work_s: float, period_s: float, stall_s: float, t0: float) -> float:
    """When `work_s` seconds of work started at `start` end, given periodic stalls.

    Stalls occupy the last `stall_s` of each `period_s` counted from `t0`; no work progresses
    during a stall. Without stalls this is just `start + work_s`.
    """
    if period_s <= 0 or stall_s <= 0:
        return start + work_s
    stall_s = min(stall_s, period_s * MAX_STALL_FRACTION)
    busy_s = period_s - stall_s  # working time at the head of each period
    t = start
    remaining = work_s
    for _ in range(100_000):  # bounded: each pass consumes a whole period or ends
        phase = (t - t0) % period_s
        if phase >= busy_s:  # inside a stall: wait for it to end
            t += period_s - phase
            continue
        free = busy_s - phase
        if remaining <= free:
            return t + remaining
        remaining -= free
        t += free
    return t + remaining


class Admission:
    """`capacity` slots plus a FIFO of at most `queue` waiters; beyond that, refuse at once.

    Unlike asyncio.Semaphore it reports its queue, refuses instead of queueing without bound,
    can be resized while requests are in flight, and hands each holder its virtual start time
    (see the module docstring).
    """

    def __init__(self, capacity: int, queue: int) -> None:
        self.capacity = capacity
        self.queue = queue
        self.in_service = 0
        self._waiters: deque[asyncio.Future[float]] = deque()

    @property
    def queued(self) -> int:
        return len(self._waiters)

    async def acquire(self) -> float | None:
        """The loop time service starts once a slot is held; None (at once) when the queue is
        full."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self.in_service < self.capacity and not self._waiters:
            self.in_service += 1
            return now
        if len(self._waiters) >= self.queue:
            return None
        fut: asyncio.Future[float] = loop.create_future()
        self._waiters.append(fut)
        try:
            free_at = await fut
        except asyncio.CancelledError:
            if fut.done() and not fut.cancelled():
                self.release(fut.result())  # the slot was granted just as the client went away
            elif fut in self._waiters:
                self._waiters.remove(fut)
            raise
        return max(now, free_at)

    def release(self, free_at: float | None = None) -> None:
        """Give a slot back; `free_at` is when its service was due to end (default: now)."""
        self.in_service -= 1
        self._wake(free_at)

    def resize(self, capacity: int, queue: int) -> None:
        """New limits apply at once; waiters beyond a shrunken queue keep their place."""
        self.capacity = capacity
        self.queue = queue
        self._wake(None)

    def _wake(self, free_at: float | None) -> None:
        if not self._waiters:
            return
        at = asyncio.get_running_loop().time() if free_at is None else free_at
        while self._waiters and self.in_service < self.capacity:
            fut = self._waiters.popleft()
            if not fut.done():
                self.in_service += 1
                fut.set_result(at)


@dataclass
class Counters:
    served: int = 0  # went through service (any status, injected errors included)
    rejected: int = 0  # 503: queue full
    errors: int = 0  # injected 500s
    busy_s: float = 0.0  # slot-seconds of service given (utilization = Δbusy_s / Δt / capacity)


@dataclass
class CapacityModel:
    """Settings, admission, counters and the seeded draws, in one place the app can share."""

    settings: Settings
    rng: random.Random = field(default_factory=random.Random)
    t0: float = 0.0  # loop time stalls are counted from
    admission: Admission = field(init=False)
    counters: Counters = field(default_factory=Counters)

    def __post_init__(self) -> None:
        self.settings.validate()
        self.admission = Admission(self.settings.capacity, self.settings.queue)

    def update(self, changes: dict[str, object], now: float) -> None:
        old = self.settings
        self.settings = apply_changes(old, changes)
        self.admission.resize(self.settings.capacity, self.settings.queue)
        if (old.stall_every_s, old.stall_ms) != (
            self.settings.stall_every_s,
            self.settings.stall_ms,
        ):
            self.t0 = now  # the first stall comes one period after it was switched on

    def service_s(self, route: str | None) -> float:
        """One service-time draw in seconds for a route template."""
        s = self.settings
        cost = ROUTE_COST.get(route or "", 1.0)
        median_s = s.median_service_ms * cost / 1000.0
        if s.sigma <= 0:
            return median_s
        return self.rng.lognormvariate(math.log(median_s), s.sigma)

    def finish(self, start: float, work_s: float) -> float:
        s = self.settings
        return finish_time(start, work_s, s.stall_every_s, s.stall_ms / 1000.0, self.t0)

    def fails(self) -> bool:
        rate = self.settings.error_rate
        return rate > 0 and self.rng.random() < rate

    def stats(self) -> dict[str, object]:
        s = self.settings
        return {
            "knee_rps": round(s.knee_rps, 3),
            "mean_service_ms": round(s.mean_service_ms, 4),
            "median_service_ms": round(s.median_service_ms, 4),
            "in_service": self.admission.in_service,
            "queued": self.admission.queued,
            "served": self.counters.served,
            "rejected": self.counters.rejected,
            "errors": self.counters.errors,
            "busy_s": round(self.counters.busy_s, 6),
            **s.as_dict(),
            "settings": s.as_dict(),
            "route_cost": dict(ROUTE_COST),
        }
