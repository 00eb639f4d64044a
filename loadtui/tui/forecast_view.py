"""What the Forecast pane shows, as pure functions of a `contracts.Forecast` and the windows.

The numbers are the ones `loadtui forecast --json` prints (both call
`analyze.forecast.build_forecast`); this module only picks the points to draw and words the
headline and the what-if answer. `draw` issues plotext calls on the widget's own `plt`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from loadtui.contracts import Forecast, ForecastPoint, MetricWindow
from loadtui.safe_text import clean
from loadtui.tui import display
from loadtui.tui.palette import current, style

VIEWS = ("curve", "actual", "anomalies")
MIN_REQUESTS = 5  # a window with fewer says nothing about its p95


@dataclass(frozen=True, slots=True)
class Measured:
    """One window as a point: the load it was offered, its p95, when."""

    t: float
    load: float
    p95: float


def measured(windows_by_run: Sequence[Sequence[MetricWindow]]) -> list[Measured]:
    """Every window with requests in it: offered load (the plan's, else what went out)."""
    out: list[Measured] = []
    for windows in windows_by_run:
        for w in windows:
            if w.requests >= MIN_REQUESTS:
                load = w.target_rate if w.target_rate > 0 else w.rps
                out.append(Measured(w.t, load, w.latency.p95))
    return out


def money(rps: float | None) -> str:
    return "open" if rps is None else f"{display.rate(rps)}/s"


PLACED_BY = {  # how the capacity was placed (contracts.ForecastCapacity.method)
    "utilization": "by busy time",
    "logistic": "by failures",
    "queueing": "by latency",
    "below_data": "below the data",
}


def headline(f: Forecast) -> Text:
    """`capacity 744/s [701/s – 814/s] by busy time · 2 runs · gradient_boosting MAPE 8% ·
    SLO p95<200`."""
    c = f.capacity
    runs = f"{len(f.runs)} run{'s' if len(f.runs) != 1 else ''}"
    return Text.assemble(
        ("capacity ", "dim"),
        (money(c.rps), "bold"),
        (f" [{money(c.rps_low)} – {money(c.rps_high)}]", ""),
        (f" {PLACED_BY[c.method]}", "dim"),
        (f" · {runs} · {f.model.name} MAPE {f.model.cv_mape:.0%}", "dim"),
        (f" · SLO p95<{f.slo_p95_ms:,.0f}", "dim"),
    )


FAR_PEAK = 1e5  # a USL peak past this many in flight means κ ≈ 0: no retrograde measured


def usl_line(f: Forecast) -> Text:
    if not f.usl:
        return Text("USL: too few concurrency levels to fit", style="dim")
    u = f.usl
    head = f"USL σ={u.get('alpha', 0.0):.3g} κ={u.get('beta', 0.0):.3g} · "
    peak_n = u.get("peak_concurrency", math.inf)
    peak_x = u.get("peak_throughput", math.inf)
    if not math.isfinite(peak_n) or peak_n > FAR_PEAK:
        tail = (
            f"no retrograde measured (κ≈0): throughput flattens toward {display.rate(peak_x)}/s"
            if math.isfinite(peak_x)
            else "throughput still grows linearly in the data"
        )
    else:
        tail = f"peak {display.rate(peak_x)}/s at {peak_n:,.0f} in flight"
    return Text(head + tail, style="dim")


def what_if_text(p: ForecastPoint) -> Text:
    """The answer to "what if the load were L?", with the interval and a far-out warning."""
    text = Text.assemble(
        (f"at {display.rate(p.load)}/s: ", "bold"),
        ("p95 ", "dim"),
        (display.millis(p.p95_ms), "bold"),
        (f" [{display.millis(p.p95_low_ms)} – {display.millis(p.p95_high_ms)}]", ""),
        ("  throughput ", "dim"),
        (f"{display.rate(p.throughput)}/s", ""),
        ("  P(fail) ", "dim"),
        (f"{p.p_fail:.0%}", style("bad", bold=True) if p.p_fail >= 0.5 else style("good")),
    )
    if p.warning or p.extrapolated:
        text.append(f"  ⚠ {p.warning or 'beyond the data'}", style=style("warn"))
    return text


def check_load(value: str) -> str | None:
    try:
        load = float(value.replace(",", "").removesuffix("/s").strip())
    except ValueError:
        return "a load in requests/s, e.g. 800"
    if load <= 0:
        return "the load must be above 0"
    return None


def parse_load(value: str) -> float:
    return float(value.replace(",", "").removesuffix("/s").strip())


def draw(plt: Any, f: Forecast, points: Sequence[Measured], view: str) -> None:
    """Plot one view on a textual-plotext `plt` (already cleared by the caller)."""
    if view == "actual":
        ordered = sorted(points, key=lambda m: m.t)
        plt.plot([m.t for m in ordered], [m.p95 for m in ordered], label="measured p95")
        predicted = [_interp(f.curve, m.load) for m in ordered]
        plt.plot([m.t for m in ordered], predicted, label="predicted at its load")
        plt.xlabel("seconds into the run")
        plt.ylabel("p95 ms")
        return
    loads = [p.load for p in f.curve]
    plt.scatter([m.load for m in points], [m.p95 for m in points], label="measured", marker="dot")
    plt.plot(loads, [p.p95_ms for p in f.curve], label="predicted p95")
    plt.plot(loads, [p.p95_high_ms for p in f.curve], label="interval", color="gray")
    plt.plot(loads, [p.p95_low_ms for p in f.curve], color="gray")
    plt.plot(loads, [100 * p.p_fail for p in f.curve], yside="right", label="P(fail) %")
    plt.vline(f.capacity.rps, current().rgb("bad"))
    plt.xlabel("load req/s")
    plt.ylabel("p95 ms")


def _interp(curve: Sequence[ForecastPoint], load: float) -> float:
    """The predicted p95 at `load` from the curve (linear between its points)."""
    if not curve:
        return 0.0
    if load <= curve[0].load:
        return curve[0].p95_ms
    for a, b in itertools.pairwise(curve):
        if a.load <= load <= b.load:
            span = b.load - a.load
            return a.p95_ms + (b.p95_ms - a.p95_ms) * ((load - a.load) / span if span else 0.0)
    return curve[-1].p95_ms


def anomaly_lines(f: Forecast, limit: int = 12) -> list[Text]:
    if not f.anomalies:
        return [Text("no run-level anomalies (IsolationForest over the windows)", style="dim")]
    return [
        Text.assemble(
            (f"{display.clock(a.t)} ", "bold"), (a.kind, style("warn")), f"  {clean(a.message)}"
        )
        for a in f.anomalies[:limit]
    ]
