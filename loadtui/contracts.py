"""Data contracts between stages: the only types that cross a stage boundary.

Request rows are not a model: they live in a polars frame whose schema is `REQUEST_SCHEMA`,
because a million pydantic objects would cost more than parsing the log. Everything else that
one stage hands to another is a pydantic model here, so the JSON/YAML on disk and the objects in
memory are the same thing and are validated at the edges.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import polars as pl
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

MODEL_VERSION = 1

# ---------------------------------------------------------------------------------------------
# Requests (ingest → profile): a polars frame with exactly these columns.
# ---------------------------------------------------------------------------------------------

REQUEST_SCHEMA: dict[str, pl.DataType] = {
    "ts": pl.Datetime("us", "UTC"),
    "client": pl.String(),
    "session_id": pl.String(),  # nullable: only when the source names sessions
    "method": pl.String(),
    "path": pl.String(),  # without the query string
    "query": pl.String(),  # nullable: the raw query string, kept for parameter values
    "route": pl.String(),  # templated: /products/{id}
    "status": pl.Int32(),
    "bytes": pl.Int64(),  # nullable
    "response_ms": pl.Float64(),  # nullable: not every log has a response time
    "user_agent": pl.String(),
    "referrer": pl.String(),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BadLine(_Model):
    """One rejected input line, kept as an example for the report (truncated, never raw bytes)."""

    source: str
    line_no: int
    reason: str
    excerpt: str


class IngestReport(_Model):
    """What parsing saw: counts per file and a few examples of what it rejected."""

    files: list[str] = Field(default_factory=list)
    formats: dict[str, str] = Field(default_factory=dict)  # file → detected format
    lines_total: int = 0
    lines_bad: int = 0
    bad_examples: list[BadLine] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Traffic model (profile → plan)
# ---------------------------------------------------------------------------------------------


class Distribution(_Model):
    """A fitted positive distribution plus its empirical quantiles, in seconds.

    `kind` says how to sample: `lognormal` uses mu/sigma of log(x); `empirical` samples from the
    quantiles by linear interpolation; `constant` always returns `median`.
    """

    kind: Literal["lognormal", "empirical", "constant"] = "lognormal"
    mu: float = 0.0
    sigma: float = 0.0
    median: float = 0.0
    mean: float = 0.0
    p10: float = 0.0
    p50: float = 0.0
    p90: float = 0.0
    p99: float = 0.0
    n: int = 0
    # probability levels (0..1) → value, for empirical sampling and for display
    quantiles: dict[str, float] = Field(default_factory=dict)


class EndpointShare(_Model):
    method: str
    route: str
    share: float  # of this persona's requests, 0..1
    count: int = 0


class Transitions(_Model):
    """First-order Markov chain over `METHOD route` states with explicit entry and exit.

    `states` names the rows/columns of `matrix`; `entry[i]` is the probability that a session
    starts in state i; `matrix[i][j]` the probability of going from i to j; `exit[i]` the
    probability that the session ends after i. Each row of matrix plus exit sums to 1.
    """

    states: list[str] = Field(default_factory=list)
    entry: list[float] = Field(default_factory=list)
    matrix: list[list[float]] = Field(default_factory=list)
    exit: list[float] = Field(default_factory=list)


class Persona(_Model):
    name: str
    share: float  # of sessions, 0..1
    sessions: int
    requests: int
    is_bot: bool = False
    requests_per_session: Distribution = Field(default_factory=Distribution)
    session_duration_s: Distribution = Field(default_factory=Distribution)
    think_time_s: Distribution = Field(default_factory=Distribution)
    request_rate: float = 0.0  # median requests per second within a session
    write_ratio: float = 0.0
    error_rate: float = 0.0
    response_ms_p50: float | None = None
    endpoint_mix: list[EndpointShare] = Field(default_factory=list)
    transitions: Transitions = Field(default_factory=Transitions)
    # the most common page journeys from a session's start (assets skipped), `METHOD route`
    top_paths: list[list[str]] = Field(default_factory=list)
    # route → observed values of its path parameters, in order of the placeholders
    param_values: dict[str, list[list[str]]] = Field(default_factory=dict)
    # route → observed query strings (redacted of secrets), for realistic URLs
    query_values: dict[str, list[str]] = Field(default_factory=dict)
    centroid: dict[str, float] = Field(default_factory=dict)  # feature → value (unscaled)


class ArrivalModel(_Model):
    """When sessions arrive: the shape a plan can replay compressed and scaled."""

    sessions_per_hour: list[float] = Field(default_factory=lambda: [0.0] * 24)  # hour of day, UTC
    sessions_per_weekday: list[float] | None = None  # Mon..Sun, only with ≥ 7 days of data
    mean_sessions_per_s: float = 0.0
    peak_sessions_per_s: float = 0.0
    peak_factor: float = 1.0  # peak hour rate / mean hour rate
    burstiness: float = 1.0  # index of dispersion of per-minute arrivals (1 = Poisson)
    mean_requests_per_s: float = 0.0
    peak_requests_per_s: float = 0.0


class SourceSummary(_Model):
    files: list[str] = Field(default_factory=list)
    formats: dict[str, str] = Field(default_factory=dict)
    lines_total: int = 0
    lines_bad: int = 0
    bad_examples: list[BadLine] = Field(default_factory=list)
    requests: int = 0
    sessions: int = 0
    bot_sessions: int = 0
    start: datetime | None = None
    end: datetime | None = None
    response_ms_p50: float | None = None


class ClusteringInfo(_Model):
    algo: str = "kmeans"
    k: int = 0
    silhouette: float | None = None
    features: list[str] = Field(default_factory=list)
    silhouette_by_k: dict[str, float] = Field(default_factory=dict)


class RouteStats(_Model):
    """One `METHOD route` over the whole log: how fast and with what status it answered.

    What a stand-in for the profiled system needs (`loadtui target --model`). `response_ms`
    maps quantile levels (`"0.5"`) to milliseconds and is empty when the log had no response
    times; `status` counts answers by code (`"200"`, `"404"`).
    """

    method: str
    route: str
    count: int = 0
    response_ms: dict[str, float] = Field(default_factory=dict)
    status: dict[str, int] = Field(default_factory=dict)


class ValidationReport(_Model):
    """How well a run made from the model reproduced the production it came from
    (`loadtui validate MODEL RUN --save`): each check's deviation, judged at `tolerance`.

    `TrafficModel.validation` is None until a run was validated: an empty report saying
    `passed` would be a check that cannot fail.
    """

    checks: dict[str, float] = Field(default_factory=dict)  # check → deviation
    passed: bool = True
    notes: list[str] = Field(default_factory=list)
    tolerance: float | None = None
    failed: list[str] = Field(default_factory=list)  # checks over the tolerance
    run: str | None = None  # the run folder validated


class TrafficModel(_Model):
    version: int = MODEL_VERSION
    created: datetime | None = None
    personas: list[Persona] = Field(default_factory=list)
    arrivals: ArrivalModel = Field(default_factory=ArrivalModel)
    source: SourceSummary = Field(default_factory=SourceSummary)
    clustering: ClusteringInfo = Field(default_factory=ClusteringInfo)
    # per `METHOD route`: response-time quantiles and status counts (empty in older models)
    routes: list[RouteStats] = Field(default_factory=list)
    validation: ValidationReport | None = None  # None: not validated (left out of the JSON)

    @field_validator("validation")
    @classmethod
    def _drop_empty_report(cls, report: ValidationReport | None) -> ValidationReport | None:
        """Old files carry `{"checks": {}, "passed": true}`: a placeholder that checked nothing."""
        if report is not None and not report.checks and not report.notes:
            return None
        return report

    @model_serializer(mode="wrap")
    def _omit_missing_validation(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Leave `validation` out rather than write `null`, so a model file claims nothing."""
        data = handler(self)
        if isinstance(data, dict) and data.get("validation", ...) is None:
            del data["validation"]
        return data


# ---------------------------------------------------------------------------------------------
# Test plan (plan → engine / export / patch). YAML on disk.
# ---------------------------------------------------------------------------------------------


class Step(_Model):
    """One request template in a flow: `path` may hold `{name}` placeholders filled from params."""

    method: str = "GET"
    route: str
    weight: float = 1.0
    params: dict[str, list[str]] = Field(default_factory=dict)  # placeholder → values to draw
    query: list[str] = Field(default_factory=list)  # query strings to draw from (may be empty)
    body: str | None = None  # JSON text; placeholders allowed
    headers: dict[str, str] = Field(default_factory=dict)
    captures_token: bool = False  # a login step: take `token` from its JSON answer
    needs_token: bool = False
    # a sub-resource (script, style, image) fetched right after the page that referenced it,
    # with no think time before it; the persona's think time is page to page
    embedded: bool = False


class Scenario(_Model):
    """One persona's behaviour: Markov flow over steps, think time, session length."""

    name: str
    persona: str
    weight: float  # share of arriving sessions / VUs
    steps: list[Step] = Field(default_factory=list)
    entry: list[float] = Field(default_factory=list)
    matrix: list[list[float]] = Field(default_factory=list)
    exit: list[float] = Field(default_factory=list)
    think_time: Distribution = Field(default_factory=Distribution)
    max_requests: int = 200  # cap on one session's length
    is_bot: bool = False


class Stage(_Model):
    duration: str  # k6 style: 30s, 5m, 1h
    target: float  # sessions/s (open) or VUs (closed) at the end of the stage
    name: str | None = None


class Breakpoint(_Model):
    """How a breakpoint test knows it found the limit (plan → engine).

    `until` holds stop conditions in k6 threshold syntax read the other way round: the run
    stops when one of them *holds* (`{"http_req_failed": ["rate>0.05"]}`). They are judged over
    the last `window` of the run, not its totals (a late break would hardly move those), and
    stop the run only once one held for `hold` (so one noisy window does not). An empty `until`
    means the defaults of `plan/thresholds.py`.
    """

    until: dict[str, list[str]] = Field(default_factory=dict)
    window: str = "5s"
    hold: str = "5s"


class Limits(_Model):
    request_timeout_s: float = 10.0
    connect_timeout_s: float = 5.0
    max_duration: str = "1h"
    max_rps: float | None = None
    max_in_flight: int = 10000
    # connection pool over all workers (wrk2/oha `-c`); requests beyond it queue in the client,
    # so a stall shows up in corrected latency. None: as many as needed up to max_in_flight
    max_connections: int | None = None
    # k6 abortOnFail: abort when any threshold flagged abort fails after this grace period
    abort_grace: str = "10s"


class Workload(_Model):
    model: Literal["open", "closed"] = "open"
    # For open: stage targets are *session* arrivals per second. For closed: VUs.
    mean_requests_per_session: float = 1.0
    rate_unit: Literal["sessions/s", "vus"] = "sessions/s"


class TestPlan(_Model):
    __test__ = False  # not a pytest class

    version: int = MODEL_VERSION
    name: str = "plan"
    type: Literal["smoke", "load", "stress", "spike", "soak", "breakpoint", "url"] = "load"
    target: str = "http://127.0.0.1:8080"
    workload: Workload = Field(default_factory=Workload)
    scenarios: list[Scenario] = Field(default_factory=list)
    stages: list[Stage] = Field(default_factory=list)
    # k6 syntax: {"http_req_duration": ["p(95)<500"], "http_req_failed": ["rate<0.01"]}
    # submetric keys allowed: "http_req_duration{scenario:casual_browser}"
    thresholds: dict[str, list[str]] = Field(default_factory=dict)
    limits: Limits = Field(default_factory=Limits)
    headers: dict[str, str] = Field(default_factory=dict)
    source_model: str | None = None
    # stop conditions of a breakpoint test (any open plan may carry them); None: none
    breakpoint: Breakpoint | None = None

    @model_serializer(mode="wrap")
    def _omit_missing_breakpoint(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Leave `breakpoint` out rather than write `null` into every other plan file."""
        data = handler(self)
        if isinstance(data, dict) and data.get("breakpoint", ...) is None:
            del data["breakpoint"]
        return data


# ---------------------------------------------------------------------------------------------
# Run results (engine → store → analyze)
# ---------------------------------------------------------------------------------------------

ERROR_CLASSES = (
    "refused",
    "timeout",
    "reset",
    "dns",
    "http_4xx",
    "http_5xx",
    "bad_response",
    "other",
)
ErrorClass = Literal[
    "refused", "timeout", "reset", "dns", "http_4xx", "http_5xx", "bad_response", "other"
]


class LatencyStats(_Model):
    """Derived from a histogram; milliseconds."""

    count: int = 0
    min: float = 0.0
    mean: float = 0.0
    p50: float = 0.0
    p90: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    max: float = 0.0


class Breakdown(_Model):
    """Per route or per scenario slice of a window."""

    requests: int = 0
    errors: int = 0
    latency: LatencyStats = Field(default_factory=LatencyStats)


class MetricWindow(_Model):
    """One interval of one run, merged over workers. One line of windows.ndjson."""

    t: float  # seconds since run start, at the window's end
    ts: datetime  # wall clock at the window's end (UTC)
    interval_s: float = 1.0
    stage: int = 0
    stage_name: str | None = None
    target_rate: float = 0.0  # open: planned requests/s over the window; closed: VUs at its end
    active: int = 0  # sessions (open) or VUs (closed) alive
    in_flight: int = 0
    requests: int = 0
    errors: int = 0
    errors_by_class: dict[str, int] = Field(default_factory=dict)
    status_counts: dict[str, int] = Field(default_factory=dict)
    bytes_in: int = 0
    rps: float = 0.0
    # latency from the intended send time (corrected for coordinated omission)
    latency: LatencyStats = Field(default_factory=LatencyStats)
    # latency from the actual send (service time as the client saw it)
    service: LatencyStats = Field(default_factory=LatencyStats)
    # base64 HdrHistogram encodings, so windows can be merged later without losing accuracy
    hist: str | None = None
    service_hist: str | None = None
    send_lag_ms: LatencyStats = Field(default_factory=LatencyStats)
    by_route: dict[str, Breakdown] = Field(default_factory=dict)
    by_scenario: dict[str, Breakdown] = Field(default_factory=dict)
    worker_cpu: list[float] = Field(default_factory=list)  # fraction of one core, per worker
    generator_saturated: bool = False
    dropped: int = 0  # arrivals skipped because a limit (max_in_flight, max_rps) was hit
    # busy fraction of the target's slots (a loadtui target's `/_stats`; None elsewhere)
    utilization: float | None = None


class ThresholdVerdict(_Model):
    metric: str
    expression: str
    ok: bool
    value: float | None = None
    abort_on_fail: bool = False


class AnomalyFlag(_Model):
    """One thing a performance engineer should look at, found online or after the run."""

    t: float  # seconds since run start
    kind: Literal["latency_jump", "error_burst", "throughput_drop", "generator_saturated", "other"]
    metric: str  # "p95", "error_rate", "rps", ...
    message: str  # "p95 jumped 3.1σ (41 → 84 ms) in spike"
    score: float = 0.0  # robust z-score or similar; larger is stranger
    stage: int | None = None


RunState = Literal["running", "complete", "interrupted", "aborted", "incomplete"]


class BreakingPoint(_Model):
    """What a breakpoint test found (`breaking_point` in summary.json).

    `rate_rps` is the last good level: the highest request rate the target sustained (answered
    requests/s, averaged over the plan's `breakpoint.window`) before a stop condition began to
    hold. `broke_at_rps` is the planned (offered) request rate when it began to hold, at `t`
    seconds. `found` is False when the run ended with no condition holding (then `rate_rps` is
    the best it sustained and `broke_at_rps` is None).
    """

    found: bool = True
    rate_rps: float = 0.0
    broke_at_rps: float | None = None
    t: float | None = None
    stage: str | None = None  # the last good stage
    condition: str | None = None  # "http_req_failed rate>0.05"
    value: float | None = None  # the condition's value over the window when the run stopped
    reason: str = ""  # one line for people


class RunRecord(_Model):
    """The run's summary.json, minus the windows (those stay in windows.ndjson)."""

    run_id: str
    state: RunState = "running"
    plan_name: str = ""
    target: str = ""
    started: datetime
    ended: datetime | None = None
    duration_s: float = 0.0
    workers: int = 1
    transport: str = "aiohttp"
    workload: str = "open"
    # k6-like metrics block: {"http_reqs": {"count": .., "rate": ..}, "http_req_duration": {...}}
    metrics: dict[str, dict[str, float]] = Field(default_factory=dict)
    thresholds: list[ThresholdVerdict] = Field(default_factory=list)
    errors_by_class: dict[str, int] = Field(default_factory=dict)
    environment: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    source: Literal["loadtui", "k6", "locust"] = "loadtui"
    flags: int = 0  # anomaly flags raised during the run (each one in flags.ndjson)
    breaking_point: BreakingPoint | None = None  # breakpoint tests only


class ForecastCapacity(_Model):
    """Load (requests/s) where P(fail) crosses 0.5, a 90 % interval (None: unbounded above)."""

    rps: float
    rps_low: float
    rps_high: float | None
    users: float | None = None  # concurrent sessions/VUs at that rate
    # logistic: failures placed it; utilization: the target's busy time (utilization law);
    # queueing: extrapolated from latency alone; below_data: every window failed
    method: Literal["logistic", "utilization", "queueing", "below_data"] = "logistic"


class ForecastPoint(_Model):
    """One load on the predicted curve, or one what-if answer."""

    load: float  # requests/s
    users: float | None = None  # set for a --users question
    p95_ms: float
    p95_low_ms: float
    p95_high_ms: float
    throughput: float
    p_fail: float
    extrapolated: bool = False
    warning: str | None = None


class ForecastModel(_Model):
    name: str  # gradient_boosting | random_forest | voting | queueing
    cv_mape: float
    cv_r2: float


class RouteCapacity(_Model):
    """A route's highest sustained throughput before its error rate passed 5 %."""

    route: str
    sustained_rps: float
    broke: bool  # its error rate did pass the threshold
    broke_at_t: float | None = None
    error_rate_max: float = 0.0


class Forecast(_Model):
    """`loadtui forecast --json`: the digital twin's answers for one or more runs."""

    runs: list[str]
    windows: int
    load_levels: int
    slo_p95_ms: float
    max_error_rate: float
    capacity: ForecastCapacity
    usl: dict[str, float] | None = None  # lam, alpha, beta, peak_concurrency, peak_throughput
    queueing: dict[str, float] = Field(default_factory=dict)  # service_ms, mu, servers, k
    model: ForecastModel
    models: list[ForecastModel] = Field(default_factory=list)  # every candidate, CV scores
    curve: list[ForecastPoint] = Field(default_factory=list)
    what_if: list[ForecastPoint] = Field(default_factory=list)
    routes: list[RouteCapacity] = Field(default_factory=list)
    anomalies: list[AnomalyFlag] = Field(default_factory=list)  # run-level (IsolationForest)
    fit_seconds: float = 0.0
    notes: list[str] = Field(default_factory=list)


class RunOptions(_Model):
    """How to run a plan, apart from the plan itself: the CLI and the TUI both fill one.

    Frozen so a run's options cannot change under it once it started.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    out_dir: Path = Path("runs")  # run folders go to out_dir/<run-id>/, indexed in runs.db
    workers: int | None = Field(default=None, ge=1)  # None: one per core
    transport: Literal["auto", "aiohttp", "fast"] = "auto"
    interval_s: float = Field(default=1.0, gt=0)  # one metric window per interval
    seed: int | None = None  # arrivals and choices; None: random
    paced: bool | None = None  # fixed-rate arrivals; None: on for `--url` plans
    index: bool = True  # add the run to runs.db
    start_demo_target: bool = False  # start the demo target when nothing answers at its URL
    # native: loadtui's own workers; locust: the exported locustfile on Locust's master/workers
    engine: Literal["native", "locust"] = "native"


# ---------------------------------------------------------------------------------------------
# Regression vs baseline (analyze → CLI / History pane)
# ---------------------------------------------------------------------------------------------

RegressionVerdict = Literal["regression", "noise", "improvement"]


class SideStats(_Model):
    """One side (baseline or candidate) of one metric: medians of repeated runs and their band.

    `run_values` holds each run's value over its steady windows (the median window p95, the
    mean window error rate); `center` is the median of those; `band_low`/`band_high` the
    run-to-run band (widened by a bootstrap interval over the windows, so a single run still
    has one)."""

    runs: int = 0
    windows: int = 0
    run_values: list[float] = Field(default_factory=list)
    center: float | None = None
    band_low: float | None = None
    band_high: float | None = None


class MetricComparison(_Model):
    """One metric (`p95_ms` or `error_rate`) of one scope, with the evidence for its verdict."""

    metric: Literal["p95_ms", "error_rate"]
    verdict: RegressionVerdict = "noise"
    tested: bool = False  # False: too few windows on a side to judge (the verdict is `noise`)
    baseline: SideStats = Field(default_factory=SideStats)
    candidate: SideStats = Field(default_factory=SideStats)
    delta: float | None = None  # candidate − baseline median (ms, or error-rate fraction)
    change: float | None = None  # relative change of the medians (0.25 = +25 %)
    p_value: float | None = None  # Mann-Whitney U, two-sided, over window values
    alpha: float = 0.01  # the level this row was judged at (Bonferroni over its dimension)
    cliffs_delta: float | None = None  # −1..1: P(cand > base) − P(cand < base) over windows
    beyond_band: bool = False  # the candidate median is outside the baseline's band
    reason: str = ""  # one line for people


class RegressionRow(_Model):
    """One scope: the whole run, one route (`GET /products/{id}`) or one stage."""

    scope: Literal["overall", "route", "stage"]
    name: str
    verdict: RegressionVerdict = "noise"
    p95: MetricComparison
    errors: MetricComparison


class RegressionReport(_Model):
    """A run (or reruns) against a baseline run set: `regression` when any row regressed."""

    verdict: RegressionVerdict = "noise"
    baseline_runs: list[str] = Field(default_factory=list)
    candidate_runs: list[str] = Field(default_factory=list)
    overall: RegressionRow
    routes: list[RegressionRow] = Field(default_factory=list)
    stages: list[RegressionRow] = Field(default_factory=list)
    settings: dict[str, float] = Field(default_factory=dict)  # the thresholds applied
    notes: list[str] = Field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Advice (analyze → advise → patch)
# ---------------------------------------------------------------------------------------------


class Evidence(_Model):
    """One number an edit rests on, named so a reviewer can check it against the run."""

    name: str  # "baseline p95, 95th pct of 5 runs"
    value: float
    unit: str = ""  # "ms", "ratio", "req/s", "runs", "s"


class ThresholdChange(_Model):
    """Set one k6 threshold key to new expressions (`old` empty: a new key)."""

    kind: Literal["threshold"] = "threshold"
    id: str  # stable within a set: "threshold:http_req_duration"
    metric: str  # the k6 key, tags included: "http_req_duration{scenario:browser}"
    old: list[str] = Field(default_factory=list)
    new: list[str]
    reason: str
    evidence: list[Evidence] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)


class StageAdjustment(_Model):
    """Replace plan stage `stage` (0-based) by `new_stages`, e.g. a 5 s ramp by a 20 s one, or a
    spike by steps. Targets are in the plan's unit (sessions/s open, VUs closed); a k6 script's
    per-scenario stages are scaled by the same ratio."""

    kind: Literal["stage"] = "stage"
    id: str  # "stage:2"
    type: Literal["lengthen_ramp", "spike_to_steps", "lower_target", "shorten_hold"]
    stage: int = Field(ge=0)
    change: str  # one line for people: "ramp to 2000 over 20s instead of 5s"
    new_stages: list[Stage] = Field(min_length=1)
    reason: str
    evidence: list[Evidence] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)


class StageRemoval(_Model):
    """Drop plan stage `stage` (0-based): only with repeated evidence that it fails for reasons
    outside the system under test."""

    kind: Literal["remove_stage"] = "remove_stage"
    id: str  # "remove:3"
    stage: int = Field(ge=0)
    reason: str
    evidence: list[Evidence] = Field(default_factory=list)
    confidence: float = Field(ge=0.0, le=1.0)


Edit = Annotated[ThresholdChange | StageAdjustment | StageRemoval, Field(discriminator="kind")]


class Finding(_Model):
    """Something a person must fix, which no edit should hide: a broken test (4xx on routes the
    target does not have, refused connections) or a real regression."""

    kind: Literal["broken_test", "regression", "note"]
    message: str
    routes: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class SuggestionSet(_Model):
    """An advisor's answer (the self-healing schema: regression, reason, new_thresholds,
    stage_adjustments, remove, confidence). Advisors never write files; `patch/` does."""

    regression: bool = False
    reason: str = ""
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    new_thresholds: list[ThresholdChange] = Field(default_factory=list)
    stage_adjustments: list[StageAdjustment] = Field(default_factory=list)
    remove: list[StageRemoval] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    source: Literal["llm", "offline"] = "offline"
    model: str | None = None  # the LLM's model name when source is llm
    run_id: str = ""
    baseline_runs: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # e.g. why an LLM answer was rejected

    def edits(self) -> list[ThresholdChange | StageAdjustment | StageRemoval]:
        """Every edit in review order: thresholds, then stage changes, then removals."""
        return [*self.new_thresholds, *self.stage_adjustments, *self.remove]


class StageStats(_Model):
    """One plan stage of one run, as the advisors (and the LLM, redacted) see it."""

    index: int
    name: str | None = None
    start_s: float
    end_s: float
    target_from: float  # plan target at the stage's start (sessions/s or VUs)
    target_to: float
    requests: int = 0
    rps: float = 0.0
    error_rate: float = 0.0
    errors_by_class: dict[str, int] = Field(default_factory=dict)
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    windows: int = 0
    # windows where the load generator could not keep up, and arrivals it skipped: a stage that
    # fails this way measured the generator (the environment), not the system under test
    saturated_windows: int = 0
    dropped: int = 0


class RouteRunStats(_Model):
    route: str  # "GET /products/{id}"
    requests: int = 0
    error_rate: float = 0.0
    status_counts: dict[str, int] = Field(default_factory=dict)  # "404": 31
    p95_ms: float | None = None


class RunStats(_Model):
    """One run summarised for advice: aggregates only, never raw log lines."""

    run_id: str
    state: str = "complete"
    duration_s: float = 0.0
    requests: int = 0
    rps: float = 0.0
    error_rate: float = 0.0
    errors_by_class: dict[str, int] = Field(default_factory=dict)
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    window_p95_ms: list[float] = Field(default_factory=list)  # steady windows, for spreads
    # p95/p99 of the steady windows' merged histograms (start-up and drain left out)
    steady_p95_ms: float | None = None
    steady_p99_ms: float | None = None
    stages: list[StageStats] = Field(default_factory=list)
    routes: list[RouteRunStats] = Field(default_factory=list)
    thresholds: list[ThresholdVerdict] = Field(default_factory=list)


class AdviceInput(_Model):
    """Everything an advisor may use. The LLM prompt is this document after redaction."""

    plan_name: str = "plan"
    plan_type: str = "load"
    workload: Literal["open", "closed"] = "open"
    stages: list[Stage] = Field(default_factory=list)
    thresholds: dict[str, list[str]] = Field(default_factory=dict)
    run: RunStats
    baseline: list[RunStats] = Field(default_factory=list)
    regression: RegressionReport | None = None
    note: str = ""  # the user's context ("new cache layer deployed")
