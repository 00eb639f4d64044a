"""Hand-built inputs of the TUI tests (deterministic): a traffic model, a plan, windows.

Imported by tests and by conftest.py's fixtures (`shop_model`, `shop_plan`); the module name is
unique across tests/ because every test folder's modules share one import namespace.
"""

from __future__ import annotations

from datetime import UTC, datetime

from loadtui.contracts import (
    ClusteringInfo,
    Distribution,
    EndpointShare,
    LatencyStats,
    MetricWindow,
    Persona,
    Scenario,
    SourceSummary,
    Stage,
    Step,
    TestPlan,
    TrafficModel,
    Workload,
)


def _dist(median: float, p90: float) -> Distribution:
    return Distribution(median=median, mean=median, p50=median, p90=p90, n=100)


def _persona(
    name: str,
    share: float,
    rate: float,
    duration_s: float,
    write: float,
    mix: list[tuple[str, str, float]],
    paths: list[list[str]],
    think: tuple[float, float],
    *,
    is_bot: bool = False,
) -> Persona:
    sessions = int(share * 3000)
    return Persona(
        name=name,
        share=share,
        sessions=sessions,
        requests=sessions * 20,
        is_bot=is_bot,
        request_rate=rate,
        write_ratio=write,
        session_duration_s=_dist(duration_s, duration_s * 2),
        think_time_s=_dist(*think),
        requests_per_session=_dist(20, 60),
        endpoint_mix=[EndpointShare(method=m, route=r, share=s) for m, r, s in mix],
        top_paths=paths,
    )


def make_shop_model() -> TrafficModel:
    """Four personas shaped like the demo shop's ground truth, with fixed numbers."""
    return TrafficModel(
        personas=[
            _persona(
                "casual_browser",
                0.55,
                4.2,
                45,
                0.02,
                [
                    ("GET", "/products/{id}", 0.38),
                    ("GET", "/products", 0.22),
                    ("GET", "/search", 0.14),
                    ("GET", "/", 0.12),
                ],
                [
                    ["GET /", "GET /search", "GET /products/{id}"],
                    ["GET /", "GET /products", "GET /products/{id}"],
                ],
                (4.8, 11.2),
            ),
            _persona(
                "power_user",
                0.20,
                18.7,
                340,
                0.15,
                [
                    ("GET", "/products/{id}", 0.30),
                    ("POST", "/cart/items", 0.16),
                    ("GET", "/search", 0.14),
                    ("POST", "/login", 0.05),
                    ("POST", "/checkout", 0.04),
                ],
                [["GET /", "POST /login", "GET /search", "POST /cart/items", "POST /checkout"]],
                (2.1, 6.5),
            ),
            _persona(
                "api_consumer",
                0.15,
                42.0,
                1800,
                0.30,
                [("GET", "/notes", 0.45), ("POST", "/notes", 0.20), ("PUT", "/notes/{id}", 0.10)],
                [["GET /notes", "POST /notes", "GET /notes/{id}", "PUT /notes/{id}"]],
                (0.3, 0.9),
            ),
            _persona(
                "bot_crawler",
                0.10,
                85.0,
                3600,
                0.0,
                [("GET", "/products/{id}", 0.80), ("GET", "/robots.txt", 0.02)],
                [["GET /robots.txt", "GET /products/{id}", "GET /products/{id}"]],
                (0.1, 0.4),
                is_bot=True,
            ),
        ],
        source=SourceSummary(
            files=["sample.log"], lines_total=68246, lines_bad=13, requests=68233, sessions=3000
        ),
        clustering=ClusteringInfo(k=4, silhouette=0.61),
    )


def make_window(
    t: float,
    *,
    p95: float = 40.0,
    rps: float = 200.0,
    errors: int = 0,
    target_rate: float = 20.0,
    stage_name: str = "steady",
    interval_s: float = 0.25,
    cpu: float = 0.3,
    saturated: bool = False,
    status: dict[str, int] | None = None,
) -> MetricWindow:
    requests = int(rps * interval_s)
    lat = LatencyStats(
        count=requests, p50=p95 * 0.4, p90=p95 * 0.85, p95=p95, p99=p95 * 1.6, max=p95 * 2
    )
    return MetricWindow(
        t=t,
        ts=datetime(2026, 1, 1, tzinfo=UTC),
        interval_s=interval_s,
        stage=0,
        stage_name=stage_name,
        target_rate=target_rate,
        requests=requests,
        errors=errors,
        errors_by_class={"http_5xx": errors} if errors else {},
        status_counts=status or ({"200": requests - errors, "503": errors} if errors else {}),
        rps=rps,
        latency=lat,
        service=lat,
        worker_cpu=[cpu, cpu],
        generator_saturated=saturated,
    )


def make_shop_plan(target: str, *, duration: str = "6s", rate: float = 6.0) -> TestPlan:
    """A small open-model plan over the demo shop's read routes (for Run pane tests)."""
    steps = [
        Step(method="GET", route="/"),
        Step(method="GET", route="/products/{id}", params={"id": [str(i) for i in range(1, 50)]}),
        Step(method="GET", route="/search", query=["q=lamp", "q=book"]),
    ]
    return TestPlan(
        name="tui-test",
        type="load",
        target=target,
        workload=Workload(model="open", mean_requests_per_session=4.0),
        scenarios=[
            Scenario(
                name="browse",
                persona="casual_browser",
                weight=1.0,
                steps=steps,
                entry=[1.0, 0.0, 0.0],
                matrix=[[0.0, 0.6, 0.2], [0.0, 0.5, 0.2], [0.0, 0.6, 0.0]],
                exit=[0.2, 0.3, 0.4],
                think_time=Distribution(kind="constant", median=0.05, mean=0.05),
                max_requests=20,
            )
        ],
        stages=[
            Stage(duration="1s", target=rate, name="ramp"),
            Stage(duration=duration, target=rate, name="steady"),
        ],
        thresholds={"http_req_duration": ["p(95)<500"], "http_req_failed": ["rate<0.01"]},
    )
