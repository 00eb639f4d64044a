"""A forecast as plain text for a terminal: fits 80 columns, numbers in human units."""

from __future__ import annotations

from loadtui.contracts import Forecast, ForecastPoint

WIDTH = 80


def _rps(x: float | None) -> str:
    return "∞" if x is None else f"{x:,.0f}/s"


def _row(p: ForecastPoint) -> str:
    users = f"{p.users:>7,.0f}" if p.users is not None else f"{'':>7}"
    band = f"{p.p95_low_ms:,.0f}–{p.p95_high_ms:,.0f}"
    mark = " *" if p.extrapolated else ""
    return (
        f"{p.load:>9,.0f} {users} {p.p95_ms:>9,.0f} {band:>17} "
        f"{p.throughput:>9,.0f} {p.p_fail:>7.0%}{mark}"
    )


def render(f: Forecast, points: int = 12) -> str:
    c = f.capacity
    lines = [
        f"forecast of {', '.join(f.runs)}"[:WIDTH],
        f"  {f.windows} windows, {f.load_levels} load levels; SLO p95 < {f.slo_p95_ms:,.0f} ms, "
        f"errors ≤ {f.max_error_rate:.0%}",
        "",
        f"capacity  {_rps(c.rps)}  (90 % interval {_rps(c.rps_low)} – {_rps(c.rps_high)}, "
        f"{c.method})",
    ]
    if c.users is not None:
        lines.append(f"          ≈ {c.users:,.0f} concurrent users at that rate")
    if f.usl:
        lines.append(
            f"USL       λ {f.usl['lam']:.3g}/s  α {f.usl['alpha']:.3g}  β {f.usl['beta']:.3g}"
        )
    q = f.queueing
    lines.append(
        f"queue     service {q['service_ms']:.1f} ms, ≈ {q['servers']:.1f} servers, "
        f"μ {q['mu']:,.0f}/s"
    )
    lines.append(
        f"latency   {f.model.name}, cross-validated MAPE {f.model.cv_mape:.0%}, "
        f"R² {f.model.cv_r2:.2f}"
    )
    head = f"{'load':>9} {'users':>7} {'p95 ms':>9} {'interval ms':>17} {'thru':>9} {'P(fail)':>7}"
    if f.what_if:
        lines += ["", "what if", head, *(_row(p) for p in f.what_if)]
        lines += [f"  ! {p.warning}"[:WIDTH] for p in f.what_if if p.warning]
    step = max(1, len(f.curve) // points)
    lines += ["", "curve (* beyond the data)", head, *(_row(p) for p in f.curve[::step])]
    if f.routes:
        lines += ["", f"{'route':<44} {'sustained':>12} {'errors max':>11} broke"]
        for r in f.routes[:10]:
            broke = f"at {r.broke_at_t:.0f}s" if r.broke and r.broke_at_t is not None else "no"
            name = r.route if len(r.route) <= 44 else r.route[:43] + "…"
            lines.append(
                f"{name:<44} {r.sustained_rps:>10,.0f}/s {r.error_rate_max:>11.1%} {broke}"
            )
    if f.anomalies:
        lines += ["", "odd windows (IsolationForest)"]
        lines += [f"  {a.message}"[:WIDTH] for a in f.anomalies[:8]]
    if f.notes:
        lines += ["", *(f"note: {n}" for n in f.notes)]
    return "\n".join(lines)
