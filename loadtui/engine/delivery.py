"""Planned vs delivered request rate over a run, and who held it back.

A performance engineer reads an open-model run first as "did the target get the load I
planned?". Each window carries the plan's mean req/s (`target_rate`) and what went out
(`rps`); a window that delivered under 90 % of its plan, and further under it than Poisson
arrivals would by chance (3 σ), is short. A short window with the
generator saturated is the generator's fault (add workers); otherwise the target held the rate
back (sessions wait for slow answers, connections are used up) and its latency or errors say
how. The first window is left out: it holds the workers' start-up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from loadtui.contracts import MetricWindow

SHORT_RATIO = 0.9  # delivered below this share of the plan: a short window...
NOISE_SIGMAS = 3.0  # ...and below Poisson noise (3 σ = 3√planned) of a rate-true run
MIN_PLANNED = 20.0  # requests a window must plan before it is judged (noise below)


@dataclass
class Delivery:
    """Fed every merged window of an open-model run (`observe`), read at the end."""

    planned: float = 0.0  # requests the plan asked for
    delivered: int = 0  # requests sent (answered or failed)
    judged: int = 0
    short_target: int = 0
    short_generator: int = 0
    worst: MetricWindow | None = field(default=None, repr=False)
    _seen: int = 0

    def observe(self, window: MetricWindow) -> None:
        self._seen += 1
        planned = window.target_rate * window.interval_s
        self.planned += planned
        self.delivered += window.requests
        if self._seen == 1 or planned < MIN_PLANNED:
            return
        self.judged += 1
        shortfall = max((1.0 - SHORT_RATIO) * planned, NOISE_SIGMAS * math.sqrt(planned))
        if window.requests >= planned - shortfall:
            return
        if window.generator_saturated:
            self.short_generator += 1
            return
        self.short_target += 1
        worst = self.worst  # the target's worst window, for the note
        if worst is None or window.requests / planned < worst.requests / (
            worst.target_rate * worst.interval_s
        ):
            self.worst = window

    def notes(self) -> list[str]:
        out: list[str] = []
        w = self.worst
        if self.short_target and w is not None:
            out.append(
                f"the target held the rate back in {self.short_target} of {self.judged} "
                f"windows: at worst {w.rps:,.0f} of {w.target_rate:,.0f} planned req/s at "
                f"t={w.t:.0f}s (p95 {w.latency.p95:,.0f} ms, "
                f"{w.errors / w.requests if w.requests else 0.0:.1%} errors)"
            )
        if self.short_generator:
            out.append(
                f"the generator held the rate back in {self.short_generator} of {self.judged} "
                "windows (saturated): add workers or a second load generator"
            )
        return out
