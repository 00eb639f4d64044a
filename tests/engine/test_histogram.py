import random

import pytest

from loadtui.engine.histogram import LatencyHistogram, merge_encoded


def test_percentiles_stay_within_one_percent_of_exact_values() -> None:
    rng = random.Random(3)
    samples = sorted(rng.lognormvariate(3.0, 1.0) for _ in range(20000))  # ms
    h = LatencyHistogram()
    for s in samples:
        h.record_ms(s)
    for q in (50, 90, 95, 99):
        exact = samples[int(len(samples) * q / 100) - 1]
        assert h.percentile_ms(q) == pytest.approx(exact, rel=0.01)
    assert h.max_ms() == pytest.approx(samples[-1], rel=0.01)


def test_merged_encodings_equal_one_histogram_of_all_samples() -> None:
    rng = random.Random(4)
    parts = [LatencyHistogram() for _ in range(3)]
    whole = LatencyHistogram()
    for i in range(3000):
        v = rng.uniform(1, 500)
        parts[i % 3].record_ms(v)
        whole.record_ms(v)
    merged = merge_encoded([p.encode() for p in parts] + [None])
    assert merged.count == 3000
    assert merged.stats() == whole.stats()


def test_out_of_range_values_are_clamped_not_dropped() -> None:
    h = LatencyHistogram()
    h.record_s(0.0)
    h.record_s(3600.0)
    assert h.count == 2
    assert h.max_ms() == pytest.approx(60_000, rel=0.01)


def test_empty_histogram_has_zero_stats_and_round_trips() -> None:
    h = LatencyHistogram.decode(LatencyHistogram().encode())
    assert h.count == 0
    assert h.stats().p99 == 0.0


def test_p99_never_exceeds_max() -> None:
    h = LatencyHistogram()
    for v in (1.0, 2.0, 3.0):
        h.record_ms(v)
    s = h.stats()
    assert s.p99 <= s.max and s.p50 <= s.p90 <= s.p95 <= s.p99
