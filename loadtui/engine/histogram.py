"""Mergeable latency histograms (HdrHistogram, the wrk2 design).

Workers record every request into a histogram instead of keeping samples, ship the encoded
histogram once per window, and the runner adds them up. Range 1 µs .. 60 s at two significant
digits keeps every percentile within 1% of the true value while a window stays a few hundred
bytes on the wire, however many requests it holds.
"""

from __future__ import annotations

from hdrh.histogram import HdrHistogram

from loadtui.contracts import LatencyStats

LOWEST_US = 1
HIGHEST_US = 60_000_000
SIGNIFICANT_DIGITS = 2


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
        value = min(self._h.get_value_at_percentile(q), self._h.get_max_value())
        return float(value) / 1000.0

    def max_ms(self) -> float:
        return float(self._h.get_max_value()) / 1000.0 if self.count else 0.0

    def min_ms(self) -> float:
        return float(self._h.get_min_value()) / 1000.0 if self.count else 0.0

    def mean_ms(self) -> float:
        return float(self._h.get_mean_value()) / 1000.0 if self.count else 0.0

    def stats(self) -> LatencyStats:
        if not self.count:
            return LatencyStats()
        pct = self._h.get_percentile_to_value_dict([50.0, 90.0, 95.0, 99.0])
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
