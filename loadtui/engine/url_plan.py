"""One route, no plan (`loadtui run --url`): the TestPlan that hey/oha-style runs execute.

`--rate N` is the open model at a fixed N requests/s (paced arrivals, so stalls are corrected
for, as in wrk2); `--vus N` is the closed model with N VUs looping back-to-back requests, one
connection each.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from loadtui.contracts import Distribution, Limits, Scenario, Stage, Step, TestPlan, Workload
from loadtui.errors import UserError


def build_url_plan(
    url: str,
    *,
    rate: float | None = None,
    vus: int | None = None,
    duration: str = "10s",
    method: str = "GET",
    connections: int | None = None,
    body: str | None = None,
    headers: dict[str, str] | None = None,
    timeout_s: float = 10.0,
) -> TestPlan:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(f"--url {url!r} is not an http(s) URL like http://127.0.0.1:8080/health")
    if rate is not None and vus is not None:
        raise UserError("give either --rate (open model) or --vus (closed model), not both")
    if rate is None and vus is None:
        vus = 10
    if rate is not None and rate <= 0:
        raise UserError("--rate must be > 0 requests per second")
    if vus is not None and vus < 1:
        raise UserError("--vus must be ≥ 1")
    base = f"{parts.scheme}://{parts.netloc}"
    path = parts.path or "/"
    step = Step(
        method=method.upper(),
        route=path,
        query=[parts.query] if parts.query else [],
        body=body,
        headers=dict(headers or {}),
    )
    scenario = Scenario(
        name="url",
        persona="url",
        weight=1.0,
        steps=[step],
        think_time=Distribution(kind="constant", median=0.0),
        max_requests=1,
    )
    if rate is not None:
        workload = Workload(model="open", mean_requests_per_session=1.0, rate_unit="sessions/s")
        target = float(rate)
    else:
        workload = Workload(model="closed", mean_requests_per_session=1.0, rate_unit="vus")
        target = float(vus or 1)
    return TestPlan(
        name=f"url {method.upper()} {path}",
        type="url",
        target=base,
        workload=workload,
        scenarios=[scenario],
        # a 0s stage is a step: full load from the first second, like hey/oha
        stages=[Stage(duration="0s", target=target), Stage(duration=duration, target=target)],
        limits=Limits(
            request_timeout_s=timeout_s,
            # --rate: a true open model, connections grow as needed (up to max_in_flight);
            # pass `connections` for wrk2-style fixed connections
            max_connections=connections if connections is not None else vus,
        ),
    )
