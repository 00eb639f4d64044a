"""A small hand-built TrafficModel shaped like the demo shop's personas (conftest.py's `model`
fixture returns a fresh one; a test that needs two can call `make_model` itself)."""

from __future__ import annotations

import math

from loadtui.contracts import (
    ArrivalModel,
    Distribution,
    EndpointShare,
    Persona,
    SourceSummary,
    TrafficModel,
    Transitions,
)


def _lognormal(median: float, sigma: float = 0.8) -> Distribution:
    return Distribution(
        kind="lognormal",
        mu=math.log(median),
        sigma=sigma,
        median=median,
        mean=median * math.exp(sigma**2 / 2),
        p50=median,
        p99=median * math.exp(2.33 * sigma),
        n=100,
    )


def make_model() -> TrafficModel:
    browser = Persona(
        name="casual_browser",
        share=0.6,
        sessions=600,
        requests=3600,
        think_time_s=_lognormal(8.0),
        requests_per_session=_lognormal(5.0, 0.5),
        response_ms_p50=40.0,
        endpoint_mix=[
            EndpointShare(method="GET", route="/", share=0.3, count=1080),
            EndpointShare(method="GET", route="/products/{id}", share=0.5, count=1800),
            EndpointShare(method="GET", route="/search", share=0.2, count=720),
        ],
        transitions=Transitions(
            states=["GET /", "GET /products/{id}", "GET /search"],
            entry=[0.8, 0.2, 0.0],
            matrix=[[0.0, 0.6, 0.2], [0.1, 0.5, 0.1], [0.0, 0.6, 0.0]],
            exit=[0.2, 0.3, 0.4],
        ),
        param_values={"/products/{id}": [["42"], ["42"], ["7"], ["1999"]]},
        query_values={"/search": ["q=red+kettle", "q=board+game"]},
    )
    power = Persona(
        name="power user",  # a space: scenario names must become tag-safe
        share=0.3,
        sessions=300,
        requests=3000,
        think_time_s=_lognormal(4.0),
        requests_per_session=_lognormal(10.0, 0.4),
        endpoint_mix=[
            EndpointShare(method="POST", route="/login", share=0.1),
            EndpointShare(method="GET", route="/products/{id}", share=0.4),
            EndpointShare(method="POST", route="/cart/items", share=0.3),
            EndpointShare(method="POST", route="/checkout", share=0.1),
            EndpointShare(method="GET", route="/account", share=0.1),
        ],
        transitions=Transitions(
            states=[
                "POST /login",
                "GET /products/{id}",
                "POST /cart/items",
                "POST /checkout",
                "GET /account",
            ],
            entry=[1.0, 0.0, 0.0, 0.0, 0.0],
            # rows deliberately not normalised (×2) to prove the builder restores the invariant
            matrix=[
                [0.0, 1.8, 0.0, 0.0, 0.2],
                [0.0, 0.8, 1.0, 0.0, 0.0],
                [0.0, 0.6, 0.2, 0.8, 0.0],
                [0.0, 0.0, 0.0, 0.0, 0.4],
                [0.0, 0.4, 0.0, 0.0, 0.0],
            ],
            exit=[0.0, 0.2, 0.4, 1.6, 1.6],
        ),
        param_values={"/products/{id}": [["3"], ["4"], ["5"]]},
    )
    api = Persona(
        name="api_consumer",
        share=0.05,
        sessions=50,
        requests=2000,
        think_time_s=_lognormal(0.5),
        endpoint_mix=[
            EndpointShare(method="GET", route="/notes", share=0.5),
            EndpointShare(method="PUT", route="/notes/{id}", share=0.5),
        ],
        # no transitions: the builder falls back to a chain from the endpoint mix
        requests_per_session=_lognormal(40.0, 0.3),
        param_values={"/notes/{id}": [["11"], ["12"]]},
    )
    bot = Persona(
        name="bot_crawler",
        share=0.05,
        sessions=50,
        requests=1400,
        is_bot=True,
        think_time_s=_lognormal(0.2),
        transitions=Transitions(
            states=["GET /robots.txt", "GET /products/{id}"],
            entry=[1.0, 0.0],
            matrix=[[0.0, 1.0], [0.0, 0.95]],
            exit=[0.0, 0.05],
        ),
    )
    hourly = [10.0] * 24
    hourly[20] = 60.0
    return TrafficModel(
        personas=[browser, power, api, bot],
        arrivals=ArrivalModel(
            sessions_per_hour=hourly,
            mean_sessions_per_s=0.01,
            peak_sessions_per_s=0.05,
            peak_factor=2.5,
            mean_requests_per_s=0.1,
            peak_requests_per_s=50.0,
        ),
        source=SourceSummary(lines_total=10_000, sessions=1000, response_ms_p50=40.0),
    )
