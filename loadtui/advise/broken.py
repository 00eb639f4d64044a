"""A broken test is not a flaky threshold: find the errors that are the test's own fault.

Two shapes, both things a threshold edit must never swallow:
- requests that never reached the system: refused connections and DNS failures (the target
  is down, or the plan points at the wrong host or port);
- 4xx answers concentrated on a few routes: routes the target does not have (404), methods it
  does not take (405), a login the plan does not send. A route where at least half the
  requests failed while the run's failures are mostly 4xx is named with its counts; 4xx spread
  thinly over every route (an expired token) is reported as a whole.
The errors counted here are `test_fault_errors`; the advisor will not loosen an error threshold
while there are any.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loadtui.contracts import Evidence, Finding, RunStats

CONNECT_CLASSES = ("refused", "dns")
MIN_CONNECT_SHARE = 0.01  # 1 % of requests not connecting: not a stray reset under load
ROUTE_FAIL_SHARE = 0.5  # a route where half the requests fail is not flaky, it is wrong
MIN_ROUTE_REQUESTS = 5
SPREAD_4XX_SHARE = 0.05  # 4xx on 5 % of all requests, spread over routes


@dataclass
class BrokenTest:
    findings: list[Finding] = field(default_factory=list)
    test_fault_errors: int = 0
    routes: list[str] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return bool(self.findings)


def find_broken_test(run: RunStats) -> BrokenTest:
    """The findings that say what is wrong with the test itself (none for a sound test)."""
    out = BrokenTest()
    requests = max(run.requests, 1)
    connect = {c: run.errors_by_class.get(c, 0) for c in CONNECT_CLASSES}
    n_connect = sum(connect.values())
    if n_connect and (n_connect / requests >= MIN_CONNECT_SHARE or n_connect >= requests):
        detail = ", ".join(f"{k} {v}" for k, v in connect.items() if v)
        out.findings.append(
            Finding(
                kind="broken_test",
                message=(
                    f"{n_connect} of {run.requests} requests never reached the target "
                    f"({detail}): it is down or the plan's target URL is wrong; fix that "
                    "before judging thresholds"
                ),
                evidence=[
                    Evidence(name="requests that could not connect", value=n_connect),
                    Evidence(name="share of requests", value=n_connect / requests, unit="ratio"),
                ],
            )
        )
        out.test_fault_errors += n_connect
    n_4xx = run.errors_by_class.get("http_4xx", 0)
    errors = sum(run.errors_by_class.values())
    if not n_4xx:
        return out
    mostly_4xx = n_4xx >= 0.5 * errors
    bad_routes = [
        r
        for r in run.routes
        if r.requests >= MIN_ROUTE_REQUESTS
        and (
            _route_4xx(r.status_counts) >= ROUTE_FAIL_SHARE * r.requests
            or (not r.status_counts and mostly_4xx and r.error_rate >= ROUTE_FAIL_SHARE)
        )
    ]
    if bad_routes:
        failed = {
            r.route: _route_4xx(r.status_counts) or round(r.error_rate * r.requests)
            for r in bad_routes
        }
        total = sum(failed.values())
        listing = "; ".join(
            f"{r.route}: {failed[r.route]} of {r.requests} failed" + _codes(r.status_counts)
            for r in bad_routes
        )
        out.findings.append(
            Finding(
                kind="broken_test",
                message=(
                    f"4xx answers concentrate on {len(bad_routes)} route(s) ({listing}): "
                    "the target does not serve them as the plan calls them (no such route, "
                    "wrong method, missing login); fix the plan, do not loosen the error "
                    "threshold"
                ),
                routes=[r.route for r in bad_routes],
                evidence=[
                    Evidence(name="4xx on the named routes", value=total),
                    Evidence(name="share of all requests", value=total / requests, unit="ratio"),
                    Evidence(name="4xx in the run", value=n_4xx),
                ],
            )
        )
        out.test_fault_errors += min(total, n_4xx)
        out.routes = [r.route for r in bad_routes]
    elif n_4xx / requests >= SPREAD_4XX_SHARE:
        out.findings.append(
            Finding(
                kind="broken_test",
                message=(
                    f"{n_4xx} of {run.requests} requests got 4xx answers, spread over the "
                    "routes: the test's data or credentials are wrong (expired token, ids "
                    "that do not exist); fix the plan, do not loosen the error threshold"
                ),
                evidence=[
                    Evidence(name="4xx answers", value=n_4xx),
                    Evidence(name="share of requests", value=n_4xx / requests, unit="ratio"),
                ],
            )
        )
        out.test_fault_errors += n_4xx
    return out


def _route_4xx(status_counts: dict[str, int]) -> int:
    return sum(v for k, v in status_counts.items() if k.startswith("4"))


def _codes(status_counts: dict[str, int]) -> str:
    codes = {k: v for k, v in sorted(status_counts.items()) if k.startswith("4")}
    return f" ({', '.join(f'{k}: {v}' for k, v in codes.items())})" if codes else ""
