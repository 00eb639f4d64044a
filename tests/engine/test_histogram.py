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


def test_vectorised_mean_and_percentiles_equal_hdrh_own() -> None:
    """`stats` reads the counts with numpy; hdrh's Python walk must give the same numbers."""
    rng = random.Random(7)
    qs = [0.0, 0.1, 1.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0]
    for n in (1, 2, 17, 5_000):
        h = LatencyHistogram()
        for _ in range(n):
            h.record_s(rng.lognormvariate(-7, 1.5))
        raw = h._h
        assert h.mean_ms() == raw.get_mean_value() / 1000.0
        assert h.percentiles_us(qs) == raw.get_percentile_to_value_dict(qs)
        for q in qs:
            expected = min(raw.get_value_at_percentile(q), raw.get_max_value()) / 1000.0
            assert h.percentile_ms(q) == expected
        merged = merge_encoded([h.encode(), h.encode()])
        assert merged.mean_ms() == merged._h.get_mean_value() / 1000.0
        assert (
            merged.stats().p99
            == min(merged._h.get_value_at_percentile(99.0), merged._h.get_max_value()) / 1000.0
        )
