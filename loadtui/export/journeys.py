"""A persona's journeys as a flat list, for tools without Markov chains (Artillery).

Sessions are sampled from the scenario's chain with a fixed seed, walked exactly as the engine
walks them (tables.py): the common journeys with their frequency, the long tail as a random
sample of it (see `representative_journeys`).
"""

from __future__ import annotations

import bisect
import random
from collections import Counter
from dataclasses import dataclass
from urllib.parse import quote

from loadtui.contracts import Scenario, Step
from loadtui.export.tables import has_chain

SAMPLED_SESSIONS = 2000
PLACEHOLDER_CHARS = "/-._~!$&'()*+,;=:@%"


@dataclass(frozen=True)
class Journey:
    steps: tuple[int, ...]  # step indexes, in order
    share: float  # of the persona's sampled sessions


def _cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += max(float(w), 0.0)
        out.append(total)
    return out


def _choose(cum: list[float], rng: random.Random) -> int:
    if not cum or cum[-1] <= 0:
        return -1
    return min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(cum) - 1)


class Walker:
    """A scenario's chain with cumulative rows (matrix row + exit last), as the engine keeps it."""

    def __init__(self, sc: Scenario) -> None:
        n = len(sc.steps)
        self.n, self.cap, self.chain = n, max(1, sc.max_requests), has_chain(sc)
        self.entry = _cumulative(list(sc.entry)) if len(sc.entry) == n else []
        self.rows = [
            _cumulative(
                [*(list(row[:n]) + [0.0] * (n - len(row))), sc.exit[i] if i < len(sc.exit) else 0.0]
            )
            for i, row in enumerate(sc.matrix)
        ]

    def walk(self, rng: random.Random) -> list[int]:
        """Step indexes of one session: entry, then row + exit draws, capped at max_requests."""
        if not self.chain:
            return list(range(min(self.n, self.cap)))
        index = _choose(self.entry, rng) if self.entry else 0
        out = [max(index, 0)]
        while len(out) < self.cap:
            nxt = _choose(self.rows[out[-1]], rng)
            if nxt < 0 or nxt >= self.n:
                break
            out.append(nxt)
        return out


def walk(sc: Scenario, rng: random.Random) -> list[int]:
    """One session's step indexes (see Walker)."""
    return Walker(sc).walk(rng)


def representative_journeys(
    sc: Scenario, common: float = 0.02, sampled: int = 20, *, seed: int = 0
) -> tuple[list[Journey], float]:
    """Journeys standing for a persona's sessions, and the share the common ones cover.

    Journeys taken by at least `common` of the sampled sessions come first, with their own
    frequency; the rest of the traffic (long journeys are mostly unique) is carried by
    `sampled` journeys drawn at random from the other sessions, each standing for an equal part
    of it. Both are unbiased, so the route mix and session lengths stay the chain's.
    """
    rng = random.Random(seed)
    walker = Walker(sc)
    sessions = [tuple(walker.walk(rng)) for _ in range(SAMPLED_SESSIONS)]
    counts = Counter(sessions)
    top = [(steps, c) for steps, c in counts.most_common() if c >= common * SAMPLED_SESSIONS]
    journeys = [Journey(steps, c / SAMPLED_SESSIONS) for steps, c in top]
    covered = sum(j.share for j in journeys)
    kept = {steps for steps, _ in top}
    rest = [s for s in sessions if s not in kept]
    if rest:
        picks = Counter(rng.choice(rest) for _ in range(sampled))
        journeys += [Journey(s, (1 - covered) * c / sampled) for s, c in picks.most_common()]
    return journeys, covered


def fill_path(step: Step, rng: random.Random) -> str:
    """The route with drawn observed values, percent-encoded as the engine does."""
    import re

    path = step.route
    for name in re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", step.route):
        values = step.params.get(name)
        value = rng.choice(values) if values else "1"
        path = path.replace(
            "{" + name + "}", quote(str(value), safe=PLACEHOLDER_CHARS.replace("/", "")), 1
        )
    if step.query:
        q = rng.choice(step.query)
        if q:
            path += "?" + quote(q.lstrip("?"), safe="=&%+-._~!$'()*,;:@/?")
    return path
