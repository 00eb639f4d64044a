"""Mergeable latency histograms (HdrHistogram, the wrk2 design).

Workers record every request into a histogram instead of keeping samples, ship the encoded
histogram once per window, and the runner adds them up. Range 1 µs .. 60 s at two significant
digits keeps every percentile within 1% of the true value while a window stays a few hundred
bytes on the wire, however many requests it holds.

hdrh's `record_value` is pure Python (~1.5 µs a call), more than a whole HTTP exchange of the
fast transport, so the hot path buffers raw latencies and adds them here in bulk: `bucket_indexes`
computes hdrh's counts-array index with numpy exactly as `HdrHistogram._counts_index_for` does
for this configuration, and `add_us` adds the bincount into the histogram's own counts array.
The result is the same histogram, bit for bit, as recording the values one by one.

Reading is vectorised the same way: hdrh's mean and percentiles walk the counts array in Python
(~17 ms for the stats of one merged 4 Hz window, most of the Runner's merge time); `stats`
computes the same numbers from the counts with numpy and per-index value tables built once
with hdrh's own functions.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
from hdrh.histogram import HdrHistogram

from loadtui.contracts import LatencyStats

LOWEST_US = 1
HIGHEST_US = 60_000_000
SIGNIFICANT_DIGITS = 2

_LAYOUT = HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)
UNIT_MAGNITUDE = int(_LAYOUT.unit_magnitude)
SUB_BUCKET_HALF_COUNT_MAGNITUDE = int(_LAYOUT.sub_bucket_half_count_magnitude)
SUB_BUCKET_HALF_COUNT = int(_LAYOUT.sub_bucket_half_count)
SUB_BUCKET_MASK = int(_LAYOUT.sub_bucket_mask)
COUNTS_LEN = int(_LAYOUT.counts_len)
del _LAYOUT

IntArray = npt.NDArray[np.int64]


def us_from_seconds(seconds: npt.NDArray[np.float64]) -> IntArray:
    """`record_s`'s rounding and clamping, vectorised: whole microseconds in [LOWEST, HIGHEST]."""
    us = np.floor(seconds * 1e6 + 0.5)  # int(x + 0.5) for x ≥ 0; negatives clamp to LOWEST
    return np.clip(us, LOWEST_US, HIGHEST_US).astype(np.int64)


def bucket_indexes(us: IntArray) -> IntArray:
    """hdrh's counts-array index of each value (`_counts_index_for`), for this layout.

    bucket = bit_length(v | mask) − unit_magnitude − (half_count_magnitude + 1); frexp's exponent
    is the exact bit length for integers below 2**53.
    """
    _, bits = np.frexp((us | SUB_BUCKET_MASK).astype(np.float64))
    bucket = bits.astype(np.int64) - (UNIT_MAGNITUDE + SUB_BUCKET_HALF_COUNT_MAGNITUDE + 1)
    sub_bucket = us >> (bucket + UNIT_MAGNITUDE)
    return ((bucket + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE) + sub_bucket - SUB_BUCKET_HALF_COUNT


@functools.cache
def _index_values() -> tuple[IntArray, IntArray, IntArray]:
    """Lowest, highest and median equivalent value of each counts index, from hdrh itself."""
    h = HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)
    values = [h.get_value_from_index(i) for i in range(COUNTS_LEN)]
    lowest = np.array([h.get_lowest_equivalent_value(v) for v in values], dtype=np.int64)
    highest = np.array([h.get_highest_equivalent_value(v) for v in values], dtype=np.int64)
    median = np.array([h._hdr_median_equiv_value(v) for v in values], dtype=np.int64)
    return lowest, highest, median


class LatencyHistogram:
    """Latencies in microseconds; everything handed out is in milliseconds."""

    __slots__ = ("_h",)

    def __init__(self, hist: HdrHistogram | None = None) -> None:
        self._h = (
            hist if hist is not None else HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)
        )

    def record_s(self, seconds: float) -> None:
        """Record one latency given in seconds; values out of range are clamped, not lost."""
        us = int(seconds * 1e6 + 0.5)
        if us < LOWEST_US:
            us = LOWEST_US
        elif us > HIGHEST_US:
            us = HIGHEST_US
        self._h.record_value(us)

    def record_ms(self, ms: float) -> None:
        self.record_s(ms / 1000.0)

    def add_us(self, us: IntArray, indexes: IntArray | None = None) -> None:
        """Record many in-range microsecond values at once (`indexes`: their bucket_indexes)."""
        if not len(us):
            return
        idx = bucket_indexes(us) if indexes is None else indexes
        self.add_counts(np.bincount(idx, minlength=COUNTS_LEN), int(us.min()), int(us.max()))

    def add_counts(self, counts: npt.NDArray[np.int64], min_us: int, max_us: int) -> None:
        """Add a counts array in hdrh's layout; `min_us`/`max_us` are the extreme raw values
        behind it, kept as `record_value` keeps them (they set min, max and the encoded length)."""
        total = int(counts.sum())
        if not total:
            return
        h = self._h
        view = np.ctypeslib.as_array(h.counts)
        view[: len(counts)] += counts.astype(view.dtype, copy=False)
        h.total_count += total
        h.min_value = min(h.min_value, min_us)
        h.max_value = max(h.max_value, max_us)

    def record_many_s(self, seconds: npt.NDArray[np.float64]) -> None:
        """`record_s` for every value of an array, in one pass."""
        self.add_us(us_from_seconds(np.asarray(seconds, dtype=np.float64)))

    @property
    def count(self) -> int:
        return int(self._h.get_total_count())

    def merge(self, other: LatencyHistogram) -> None:
        if other.count:
            self._h.add(other._h)

    def reset(self) -> None:
        self._h.reset()

    def copy(self) -> LatencyHistogram:
        clone = LatencyHistogram()
        clone.merge(self)
        return clone

    def encode(self) -> str:
        """Compressed, base64 text (the HdrHistogram V2 format other tools can read)."""
        encoded = self._h.encode()
        return encoded.decode("ascii") if isinstance(encoded, bytes) else str(encoded)

    @classmethod
    def decode(cls, text: str) -> LatencyHistogram:
        return cls(HdrHistogram.decode(text.encode("ascii") if isinstance(text, str) else text))

    def percentile_ms(self, q: float) -> float:
        """Value at percentile q (0..100), capped at the max so p99 never exceeds max."""
        if not self.count:
            return 0.0
        value = min(self.percentiles_us([q])[q], self._h.get_max_value())
        return float(value) / 1000.0

    def max_ms(self) -> float:
        return float(self._h.get_max_value()) / 1000.0 if self.count else 0.0

    def min_ms(self) -> float:
        return float(self._h.get_min_value()) / 1000.0 if self.count else 0.0

    def mean_ms(self) -> float:
        """hdrh's `get_mean_value` (each count at its bucket's median equivalent value)."""
        if not self.count:
            return 0.0
        counts = self._counts()
        if counts is None:
            return float(self._h.get_mean_value()) / 1000.0
        total = int(np.dot(counts, _index_values()[2]))
        return float(total) / self._h.total_count / 1000.0

    def percentiles_us(self, qs: list[float]) -> dict[float, int]:
        """hdrh's `get_percentile_to_value_dict` from a cumulative sum instead of a Python walk."""
        counts = self._counts()
        if counts is None:
            return dict(self._h.get_percentile_to_value_dict(qs))
        cumulative = np.cumsum(counts)
        total = self._h.total_count
        lowest, highest, _ = _index_values()
        out: dict[float, int] = {}
        for q in qs:
            target = max(int(min(q, 100.0) * total / 100 + 0.5), 1)
            i = int(np.searchsorted(cumulative, target, side="left"))
            out[q] = 0 if i >= len(cumulative) else int(highest[i] if q else lowest[i])
        return out

    def _counts(self) -> npt.NDArray[np.int64] | None:
        """The counts array as numpy, when this histogram has our layout (always, in practice)."""
        h = self._h
        if h.counts_len != COUNTS_LEN:
            return None
        return np.ctypeslib.as_array(h.counts)[:COUNTS_LEN]

    def stats(self) -> LatencyStats:
        if not self.count:
            return LatencyStats()
        pct = self.percentiles_us([50.0, 90.0, 95.0, 99.0])
        top = self._h.get_max_value()
        return LatencyStats(
            count=self.count,
            min=self.min_ms(),
            mean=self.mean_ms(),
            p50=min(pct[50.0], top) / 1000.0,
            p90=min(pct[90.0], top) / 1000.0,
            p95=min(pct[95.0], top) / 1000.0,
            p99=min(pct[99.0], top) / 1000.0,
            max=top / 1000.0,
        )


def merge_encoded(encoded: list[str | None]) -> LatencyHistogram:
    """Decode and add several encoded histograms (None entries are skipped)."""
    total = LatencyHistogram()
    for text in encoded:
        if text:
            total.merge(LatencyHistogram.decode(text))
    return total
