import itertools
import math
import statistics

import pytest

from loadtui.contracts import Stage
from loadtui.engine.schedule import (
    StageProfile,
    paced_arrivals,
    parse_duration,
    poisson_arrivals,
    vus_at,
    worker_vus,
)


def profile(*stages: tuple[str, float]) -> StageProfile:
    return StageProfile.from_stages([Stage(duration=d, target=t) for d, t in stages])


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h30m", 5400), ("500ms", 0.5), ("1.5s", 1.5), ("10", 10)],
)
def test_parse_duration_reads_k6_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "abc", "5x", "1m-2s", "-3"])
def test_parse_duration_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_stages_ramp_linearly_from_the_previous_target() -> None:
    p = profile(("10s", 100), ("10s", 100), ("5s", 0))
    assert p.value_at(5) == pytest.approx(50)
    assert p.value_at(15) == pytest.approx(100)
    assert p.value_at(22.5) == pytest.approx(50)
    assert p.stage_at(12) == 1
    assert p.total == pytest.approx(500 + 1000 + 250)


def test_zero_length_stage_is_a_step() -> None:
    p = profile(("0s", 40), ("10s", 40))
    assert p.value_at(0.001) == pytest.approx(40)
    assert p.total == pytest.approx(400)


def test_inverse_cumulative_inverts_cumulative_on_ramps_up_and_down() -> None:
    p = profile(("10s", 100), ("0s", 20), ("10s", 60), ("10s", 0))
    for t in [0.3, 4.0, 9.9, 10.5, 15.0, 22.0, 29.0]:
        assert p.inverse_cumulative(p.cumulative(t)) == pytest.approx(t, abs=1e-6)
    assert p.inverse_cumulative(p.total + 1) is None


def test_poisson_arrivals_follow_the_ramp_and_are_seeded() -> None:
    p = profile(("20s", 200))  # expected 2000 arrivals, 3/4 of them in the second half
    a = list(poisson_arrivals(p, seed=7))
    assert a == list(poisson_arrivals(p, seed=7))
    assert a != list(poisson_arrivals(p, seed=8))
    assert abs(len(a) - 2000) < 4 * math.sqrt(2000)
    late = sum(1 for t in a if t >= 10)
    assert late / len(a) == pytest.approx(0.75, abs=0.04)
    assert all(x < y for x, y in itertools.pairwise(a))


def test_poisson_gaps_are_exponential_at_constant_rate() -> None:
    p = profile(("0s", 50), ("100s", 50))
    a = list(poisson_arrivals(p, seed=1))
    gaps = [y - x for x, y in itertools.pairwise(a)]
    assert statistics.mean(gaps) == pytest.approx(0.02, rel=0.05)
    # exponential: coefficient of variation ≈ 1
    assert statistics.stdev(gaps) / statistics.mean(gaps) == pytest.approx(1.0, abs=0.08)


def test_worker_shares_of_poisson_add_up_to_the_plan() -> None:
    p = profile(("0s", 100), ("30s", 100))
    total = sum(len(list(poisson_arrivals(p, seed=s, share=0.25))) for s in range(4))
    assert abs(total - 3000) < 4 * math.sqrt(3000)


def test_paced_arrivals_are_exact_and_interleave_across_workers() -> None:
    p = profile(("0s", 10), ("2s", 10))
    single = list(paced_arrivals(p))
    assert single == pytest.approx([0.05 + 0.1 * k for k in range(20)])
    merged = sorted(
        list(paced_arrivals(p, index=0, count=3))
        + list(paced_arrivals(p, index=1, count=3))
        + list(paced_arrivals(p, index=2, count=3))
    )
    assert merged == pytest.approx(single)


def test_vu_counts_round_and_split_over_workers() -> None:
    p = profile(("10s", 10))
    assert vus_at(p, 5.0) == 5
    assert vus_at(p, 11.0) == 0
    assert [worker_vus(5, index=i, count=2) for i in range(2)] == [3, 2]
    assert sum(worker_vus(7, index=i, count=3) for i in range(3)) == 7
    assert worker_vus(1, index=1, count=2) == 0


@pytest.mark.parametrize(
    "stages",
    [
        (("0s", 40), ("10s", 40)),
        (("10s", 100), ("0s", 20), ("10s", 60), ("10s", 0)),
        (("5s", 0), ("0s", 0), ("3s", 30), ("2s", 30), ("4s", 5)),
        (("0s", 61332), ("3s", 61332)),  # flat segments at bench rates: the inline case
        (("0s", 3.7), ("20s", 3.7), ("1s", 41057.3), ("2s", 41057.3)),
    ],
)
def test_arrival_generators_give_exactly_the_per_arrival_inverse(
    stages: tuple[tuple[str, float], ...],
) -> None:
    """The segment cursor must give the very floats a bisection per arrival gives."""
    import random

    p = profile(*stages)

    def reference(xs: list[float]) -> list[float]:
        out = []
        for x in xs:
            t = p.inverse_cumulative(x)
            if t is None:
                break
            out.append(t)
        return out

    for index, count in ((0, 1), (1, 3)):
        slots = [k + 0.5 for k in range(index, int(p.total) + 2, count)]
        assert list(paced_arrivals(p, index=index, count=count)) == reference(slots)
    rng = random.Random(9)
    xs, x = [], 0.0
    while x <= p.total:
        x += rng.expovariate(0.5)
        xs.append(x)
    assert list(poisson_arrivals(p, seed=9, share=0.5)) == reference(xs)
