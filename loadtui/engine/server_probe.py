"""Server-side utilization sampled beside the load: the input of the utilization law.

Client-side latency alone cannot place a knee the run never came near: with 8 or more servers,
queueing adds under 3 % to latency at 60 % load, below a shared box's run-to-run noise.
Capacity planners read the server instead. By the utilization law U = X·D, the busy fraction
U of the bottleneck and the throughput X give its demand D per request, so the ceiling is X/U.

The demo target and a stand-in count the slot-seconds of service they give (`busy_s` in
`/_stats`), as a process counts CPU seconds. A thread samples that counter every `PERIOD_S`
on the run's clock, and each window gets the busy fraction of the target's slots over the
samples nearest its ends.

Only a loadtui target is probed (its `/health` names the service); a stranger's `/_stats` is
never asked for.
"""

from __future__ import annotations

import bisect
import json
import threading
import time
import urllib.error
import urllib.request

from loadtui.target.reach import demo_answers

PERIOD_S = 0.1
TIMEOUT_S = 1.0
MIN_SPAN_S = 0.05  # samples closer than this cannot give a rate


class ServerProbe:
    """Samples a loadtui target's busy slot-seconds; `utilization(a, b)` over run time."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url.rstrip("/") + "/_stats"
        self._base = base_url
        self._t: list[float] = []
        self._busy: list[float] = []
        self._capacity = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0 = 0.0
        self.active = False  # a loadtui target answered and reports busy time

    def start(self, t0: float) -> None:
        """Sample on the run clock whose zero is monotonic `t0` (the workers' clock)."""
        self._t0 = t0
        self._thread = threading.Thread(target=self._loop, name="loadtui-probe", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT_S + 1.0)

    def utilization(self, start: float, end: float) -> float | None:
        """Busy fraction of the target's slots between run times `start` and `end` (seconds),
        from the samples nearest both ends; None without a usable pair."""
        with self._lock:
            if not self.active or len(self._t) < 2 or self._capacity <= 0:
                return None
            i = _nearest(self._t, start)
            j = _nearest(self._t, end)
            span = self._t[j] - self._t[i]
            if span < MIN_SPAN_S:
                return None
            busy = self._busy[j] - self._busy[i]
            return max(busy, 0.0) / (span * self._capacity)

    def _loop(self) -> None:
        if not demo_answers(self._base):
            return
        self.active = True
        while not self._stop.is_set():
            sample = _read(self.url)
            now = time.monotonic() - self._t0
            if sample is not None:
                busy, capacity = sample
                with self._lock:
                    if capacity != self._capacity:  # resized mid-run: restart the series
                        self._t.clear()
                        self._busy.clear()
                        self._capacity = capacity
                    self._t.append(now)
                    self._busy.append(busy)
            self._stop.wait(PERIOD_S)


def _read(url: str) -> tuple[float, int] | None:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as r:
            body = json.loads(r.read(1 << 16))
    except (urllib.error.URLError, OSError, ValueError):
        return None
    if not isinstance(body, dict):
        return None
    busy, capacity = body.get("busy_s"), body.get("capacity")
    if not isinstance(busy, int | float) or not isinstance(capacity, int) or capacity <= 0:
        return None
    return float(busy), capacity


def _nearest(times: list[float], t: float) -> int:
    k = bisect.bisect_left(times, t)
    if k == 0:
        return 0
    if k == len(times):
        return len(times) - 1
    return k if times[k] - t < t - times[k - 1] else k - 1
