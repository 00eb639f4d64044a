"""Does a run reproduce the production its model came from? (`loadtui validate MODEL RUN`)

Five checks, each a deviation judged against one tolerance (default 0.15):

- **rate shape**: relative L1 distance Σ|rps − planned| / Σ planned over 5 s spans of the
  run's windows (open model; a closed plan's windows carry VUs, so both series are divided by
  their means and only the shape is compared). The start-up window is left out.
- **endpoint mix**: total variation distance between the run's `METHOD route` counts and the
  model's expected request mix (each planned persona's endpoint mix, weighted by its requests
  in the log; routes beyond a persona's chain count as its `other` state).
- **status mix**: total variation distance between the run's status codes and the log's,
  weighted by the expected mix of routes (the profile keeps status counts per route).
- **think time** and **session length**: Kolmogorov–Smirnov statistic between each persona's
  fitted distribution (think time between pages; requests per session) and what the run drew
  them from, weighted by the plan's scenario weights.

Why the last two compare the plan and not measured sessions: a run folder holds windows
(counts, rates, latencies per route and scenario), never one session's think times or length,
and recording them is the engine's business. The engine draws think times from the plan's
distributions and walks the plan's chain, so the distributions the run was *made of* are in the
run folder's `plan.yaml`: a plan with fixed sleeps or a chain that ends too soon shows up there
exactly, with no sampling noise, while the windows check what only a run can tell (the mix
of routes and statuses that came back, and the rate delivered).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field

from loadtui.contracts import (
    Distribution,
    MetricWindow,
    Persona,
    RunRecord,
    Scenario,
    TestPlan,
    TrafficModel,
    ValidationReport,
)
from loadtui.target.routes_model import OTHER_STATE, POOLED_METHOD, request_mix

DEFAULT_TOLERANCE = 0.15
CHECKS = ("rate_shape", "endpoint_mix", "status_mix", "think_time", "session_length")
LABELS = {
    "rate_shape": "request rate shape",
    "endpoint_mix": "endpoint mix",
    "status_mix": "status mix",
    "think_time": "think time",
    "session_length": "session length",
}
# Rates are compared over 5 s spans: one second of a 30 req/s run holds ±18 % of Poisson noise
# alone (and a page brings its assets in a burst), which would hide any shape at low rates.
RATE_BUCKET_S = 5.0
MEASURES = {
    "rate_shape": "rel. L1",
    "endpoint_mix": "TVD",
    "status_mix": "TVD",
    "think_time": "KS",
    "session_length": "KS",
}


@dataclass
class Check:
    name: str
    measure: str
    deviation: float | None  # None: could not be judged (see detail)
    tolerance: float
    detail: str = ""

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    @property
    def passed(self) -> bool | None:
        return None if self.deviation is None else self.deviation <= self.tolerance


@dataclass
class Validation:
    tolerance: float
    checks: list[Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    run: str = ""

    @property
    def passed(self) -> bool:
        """Every check that could be judged held (a skipped check fails nothing)."""
        return all(c.passed is not False for c in self.checks)

    @property
    def failed(self) -> list[str]:
        return [c.name for c in self.checks if c.passed is False]

    def as_dict(self) -> dict[str, object]:
        return {
            "passed": self.passed,
            "tolerance": self.tolerance,
            "run": self.run,
            "failed": self.failed,
            "checks": [{**asdict(c), "label": c.label, "passed": c.passed} for c in self.checks],
            "notes": list(self.notes),
        }

    def report(self) -> ValidationReport:
        """What the model file keeps (`--save`)."""
        return ValidationReport(
            checks={c.name: round(c.deviation, 6) for c in self.checks if c.deviation is not None},
            passed=self.passed,
            notes=[f"{c.label}: {c.detail}" for c in self.checks] + list(self.notes),
            tolerance=self.tolerance,
            failed=self.failed,
            run=self.run or None,
        )


# -- distances --------------------------------------------------------------------------------


def tvd(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Total variation distance between two (not necessarily normalised) count maps."""
    sa, sb = sum(a.values()), sum(b.values())
    if sa <= 0 or sb <= 0:
        return 1.0 if (sa > 0) != (sb > 0) else 0.0
    keys = set(a) | set(b)
    return 0.5 * sum(abs(a.get(k, 0.0) / sa - b.get(k, 0.0) / sb) for k in keys)


def _levels(d: Distribution) -> list[tuple[float, float]]:
    """(value, level) points of the empirical quantile function, sorted by level."""
    pts = sorted((float(k), v) for k, v in d.quantiles.items())
    if not pts:
        pts = [(0.1, d.p10), (0.5, d.p50 or d.median), (0.9, d.p90)]
    return [(v, lv) for lv, v in pts]


def cdf(d: Distribution, x: float) -> float:
    """P(X ≤ x) for a model distribution, sampled the way the engine samples it."""
    if d.kind == "lognormal" and d.sigma > 0:
        if x <= 0:
            return 0.0
        return 0.5 * (1.0 + math.erf((math.log(x) - d.mu) / (d.sigma * math.sqrt(2.0))))
    if d.kind == "constant" or not d.quantiles:
        return 1.0 if x >= (d.median or d.p50) else 0.0
    points = _levels(d)
    if x < points[0][0]:
        return 0.0
    best = 0.0
    for (v0, l0), (v1, l1) in itertools.pairwise(points):
        if x >= v1:
            best = max(best, l1)
        elif x >= v0:
            best = max(best, l0 if v1 <= v0 else l0 + (l1 - l0) * (x - v0) / (v1 - v0))
    return min(1.0, max(best, points[0][1]))


def _grid(*dists: Distribution) -> list[float]:
    """Where two CDFs can differ most: every quantile (and just below it) plus a log grid."""
    xs: set[float] = set()
    top = 1e-3
    for d in dists:
        for v in [*d.quantiles.values(), d.median, d.p10, d.p50, d.p90, d.p99]:
            if v > 0:
                xs.update((v, v * (1 - 1e-9)))
                top = max(top, v)
        if d.kind == "lognormal" and d.sigma > 0:
            top = max(top, math.exp(d.mu + 3 * d.sigma))
    lo = 1e-3
    n = 200
    xs.update(lo * (top * 10 / lo) ** (i / n) for i in range(n + 1))
    return sorted(xs)


def ks(a: Distribution, b: Distribution) -> float:
    """Kolmogorov–Smirnov statistic sup|F_a − F_b| between two model distributions."""
    return max(abs(cdf(a, x) - cdf(b, x)) for x in _grid(a, b))


def walk_lengths(sc: Scenario) -> list[float]:
    """P(a session of the scenario sends ≤ k requests), k = 0..max_requests (exact)."""
    n = len(sc.steps)
    alive = list(sc.entry[:n]) + [0.0] * max(0, n - len(sc.entry))
    out = [0.0]  # nobody sends 0 requests
    for _ in range(sc.max_requests):
        survive = [
            sum(alive[i] * (sc.matrix[i][j] if i < len(sc.matrix) else 0.0) for i in range(n))
            for j in range(n)
        ]
        out.append(1.0 - sum(survive))
        alive = survive
        if sum(alive) < 1e-9:
            break
    return out


def ks_lengths(sc: Scenario, observed: Distribution) -> float:
    """KS between the chain's session lengths and the persona's requests per session."""
    cum = walk_lengths(sc)
    return max(
        abs(cum[min(k, len(cum) - 1)] - cdf(observed, k + 0.5)) for k in range(sc.max_requests + 1)
    )


# -- checks -----------------------------------------------------------------------------------


def _usable(windows: Sequence[MetricWindow]) -> list[MetricWindow]:
    """Windows past start-up (the first second spans compiling and connecting)."""
    return [w for w in windows[1:] if w.interval_s > 0] if len(windows) > 2 else list(windows)


def rate_shape(windows: Sequence[MetricWindow], plan: TestPlan | None, tol: float) -> Check:
    use = [w for w in _usable(windows) if w.target_rate > 0]
    if not use:
        return Check("rate_shape", MEASURES["rate_shape"], None, tol, "no planned rate in windows")
    actual, planned = buckets(use, RATE_BUCKET_S)
    closed = plan is not None and plan.workload.model == "closed"
    if closed:  # windows carry VUs, not a rate: compare shapes only
        ma, mp = sum(actual) / len(actual), sum(planned) / len(planned)
        if ma <= 0:
            return Check("rate_shape", MEASURES["rate_shape"], 1.0, tol, "no requests")
        actual = [a / ma for a in actual]
        planned = [p / mp for p in planned]
    dev = sum(abs(a - p) for a, p in zip(actual, planned, strict=True)) / sum(planned)
    what = "shape (closed model: VUs)" if closed else "req/s"
    mean_a = sum(w.rps for w in use) / len(use)
    mean_p = sum(w.target_rate for w in use) / len(use)
    detail = (
        f"{len(actual)} spans of {RATE_BUCKET_S:g} s, {what}; "
        f"mean {mean_a:.1f} vs planned {mean_p:.1f} req/s"
    )
    return Check("rate_shape", MEASURES["rate_shape"], dev, tol, detail)


def buckets(windows: Sequence[MetricWindow], span_s: float) -> tuple[list[float], list[float]]:
    """Delivered and planned rates over consecutive spans of `span_s` seconds (a last,
    shorter span is kept when it covers at least half of one)."""
    actual: list[float] = []
    planned: list[float] = []
    got = want = covered = 0.0
    for w in windows:
        got += w.rps * w.interval_s
        want += w.target_rate * w.interval_s
        covered += w.interval_s
        if covered >= span_s - 1e-9:
            actual.append(got / covered)
            planned.append(want / covered)
            got = want = covered = 0.0
    if covered >= span_s / 2 or not actual:
        actual.append(got / covered if covered else 0.0)
        planned.append(want / covered if covered else 0.0)
    return actual, planned


def planned_personas(model: TrafficModel, plan: TestPlan | None) -> list[Persona]:
    """The personas the run's plan replays (by name); non-bots when the plan is unknown."""
    if plan is not None:
        names = {sc.persona for sc in plan.scenarios}
        chosen = [p for p in model.personas if p.name in names]
        if chosen:
            return chosen
    return [p for p in model.personas if not p.is_bot] or list(model.personas)


def run_route_counts(windows: Iterable[MetricWindow]) -> dict[str, float]:
    counts: dict[str, float] = {}
    for w in windows:
        for key, b in w.by_route.items():
            name = OTHER_STATE if key == f"GET /{OTHER_STATE}" else key
            counts[name] = counts.get(name, 0.0) + b.requests
    return counts


def endpoint_mix(
    windows: Sequence[MetricWindow], expected: Mapping[str, float], tol: float
) -> Check:
    counts = run_route_counts(windows)
    if not counts:
        return Check("endpoint_mix", "TVD", None, tol, "the run has no per-route counts")
    dev = tvd(counts, expected)
    top = max(
        set(counts) | set(expected),
        key=lambda k: abs(
            counts.get(k, 0) / sum(counts.values()) - expected.get(k, 0) / sum(expected.values())
        ),
    )
    share = counts.get(top, 0) / sum(counts.values())
    detail = (
        f"{int(sum(counts.values()))} requests, {len(counts)} routes; "
        f"most off: {top} {share:.1%} vs {expected.get(top, 0) / sum(expected.values()):.1%}"
    )
    return Check("endpoint_mix", "TVD", dev, tol, detail)


def expected_statuses(model: TrafficModel, expected: Mapping[str, float]) -> dict[str, float]:
    """Status shares the log had on the routes, weighted by the expected route mix."""
    by_state = {
        (OTHER_STATE if r.method == POOLED_METHOD else f"{r.method} {r.route}"): r.status
        for r in model.routes
    }
    out: dict[str, float] = {}
    for state, share in expected.items():
        codes = by_state.get(state)
        total = sum(codes.values()) if codes else 0
        if not codes or total <= 0:
            continue
        for code, n in codes.items():
            out[code] = out.get(code, 0.0) + share * n / total
    return out


def status_mix(
    windows: Sequence[MetricWindow], model: TrafficModel, expected: Mapping[str, float], tol: float
) -> Check:
    if not model.routes:
        return Check(
            "status_mix", "TVD", None, tol, "the model has no per-route status counts (re-profile)"
        )
    run: dict[str, float] = {}
    for w in windows:
        for code, n in w.status_counts.items():
            run[code] = run.get(code, 0.0) + n
    want = expected_statuses(model, expected)
    if not run or not want:
        return Check("status_mix", "TVD", None, tol, "no status codes to compare")
    total_r, total_w = sum(run.values()), sum(want.values())
    ok_r = sum(v for k, v in run.items() if k < "400") / total_r
    ok_w = sum(v for k, v in want.items() if k < "400") / total_w
    detail = f"2xx/3xx {ok_r:.1%} vs {ok_w:.1%} in the log"
    return Check("status_mix", "TVD", tvd(run, want), tol, detail)


def _by_persona(
    model: TrafficModel, plan: TestPlan | None
) -> list[tuple[Scenario, Persona]] | None:
    if plan is None:
        return None
    personas = {p.name: p for p in model.personas}
    pairs = [(sc, personas[sc.persona]) for sc in plan.scenarios if sc.persona in personas]
    return pairs or None


def think_time(pairs: list[tuple[Scenario, Persona]] | None, tol: float) -> Check:
    if not pairs:
        return Check("think_time", "KS", None, tol, "the run folder has no plan naming personas")
    total = sum(sc.weight for sc, _ in pairs) or 1.0
    scores = [(sc.weight / total, ks(sc.think_time, p.think_time_s), sc.persona) for sc, p in pairs]
    worst = max(scores, key=lambda s: s[1])
    dev = sum(w * s for w, s, _ in scores)
    detail = f"weighted over {len(pairs)} personas; worst {worst[2]} KS {worst[1]:.3f}"
    return Check("think_time", "KS", dev, tol, detail)


def session_length(pairs: list[tuple[Scenario, Persona]] | None, tol: float) -> Check:
    if not pairs:
        return Check(
            "session_length", "KS", None, tol, "the run folder has no plan naming personas"
        )
    total = sum(sc.weight for sc, _ in pairs) or 1.0
    scores = [
        (sc.weight / total, ks_lengths(sc, p.requests_per_session), sc.persona) for sc, p in pairs
    ]
    worst = max(scores, key=lambda s: s[1])
    dev = sum(w * s for w, s, _ in scores)
    detail = f"requests per session; worst {worst[2]} KS {worst[1]:.3f}"
    return Check("session_length", "KS", dev, tol, detail)


def validate(
    model: TrafficModel,
    record: RunRecord,
    windows: Sequence[MetricWindow],
    plan: TestPlan | None,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    run: str = "",
) -> Validation:
    """Every check of the run against the model, at `tolerance`."""
    expected = request_mix(model, planned_personas(model, plan))
    pairs = _by_persona(model, plan)
    result = Validation(tolerance=tolerance, run=run or record.run_id)
    result.checks = [
        rate_shape(windows, plan, tolerance),
        endpoint_mix(windows, expected, tolerance),
        status_mix(windows, model, expected, tolerance),
        think_time(pairs, tolerance),
        session_length(pairs, tolerance),
    ]
    if record.source != "loadtui":
        result.notes.append(f"a {record.source} run: its windows may lack per-route counts")
    if plan is None:
        result.notes.append("no plan.yaml in the run folder: think times and lengths not judged")
    return result
