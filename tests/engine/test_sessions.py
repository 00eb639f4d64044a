"""Session behaviour over a Scenario: Markov walk, placeholders, tokens, think times."""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web
from engine_servers import LocalServer

from loadtui.contracts import Distribution, Scenario, Step
from loadtui.engine.metrics import WindowRecorder
from loadtui.engine.sessions import (
    CompiledScenario,
    RateLimiter,
    SessionContext,
    compile_step,
    fill_body,
    fill_path,
    run_session,
    sample_distribution,
)
from loadtui.engine.transport import Response, TransportOptions, make_transport


def chain(**kw: object) -> Scenario:
    base: dict[str, object] = {
        "name": "s",
        "persona": "p",
        "weight": 1.0,
        "steps": [Step(route="/a"), Step(route="/b"), Step(route="/c")],
        "entry": [1.0, 0.0, 0.0],
        "matrix": [[0.0, 1.0, 0.0], [0.0, 0.0, 0.5], [0.0, 0.0, 0.0]],
        "exit": [0.0, 0.5, 1.0],
    }
    base.update(kw)
    return Scenario.model_validate(base)


def test_walk_follows_entry_matrix_and_exit() -> None:
    sc = CompiledScenario.from_scenario(chain())
    rng = random.Random(1)
    walks = Counter(tuple(sc.walk(rng)) for _ in range(2000))
    assert set(walks) == {(0, 1), (0, 1, 2)}
    assert walks[(0, 1)] / 2000 == pytest.approx(0.5, abs=0.05)


def test_walk_is_capped_at_max_requests() -> None:
    loop = chain(matrix=[[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]], exit=[0, 0, 0], max_requests=7)
    sc = CompiledScenario.from_scenario(loop)
    assert len(list(sc.walk(random.Random(2)))) == 7


def test_steps_without_matrix_run_in_order() -> None:
    sc = CompiledScenario.from_scenario(chain(entry=[], matrix=[], exit=[]))
    assert list(sc.walk(random.Random(0))) == [0, 1, 2]


def test_placeholders_and_query_are_filled_and_quoted() -> None:
    step = compile_step(
        Step(route="/products/{id}", params={"id": ["7 x"]}, query=["q=a b"], body='{"id": {id}}')
    )
    rng = random.Random(0)
    assert fill_path(step, rng) == "/products/7%20x?q=a%20b"
    assert fill_body(step, rng) == b'{"id": 7 x}'


def test_absolute_urls_in_steps_are_refused() -> None:
    with pytest.raises(ValueError, match="only talks to its target"):
        compile_step(Step(route="http://evil.example/x"))


def test_think_time_samples_match_the_distribution() -> None:
    rng = random.Random(5)
    logn = Distribution(kind="lognormal", mu=0.0, sigma=0.5)
    draws = [sample_distribution(logn, rng) for _ in range(5000)]
    assert statistics.median(draws) == pytest.approx(1.0, rel=0.05)
    emp = Distribution(kind="empirical", quantiles={"0.0": 1.0, "1.0": 3.0})
    draws = [sample_distribution(emp, rng) for _ in range(5000)]
    assert min(draws) >= 1.0 and max(draws) <= 3.0
    assert statistics.mean(draws) == pytest.approx(2.0, abs=0.05)
    assert sample_distribution(Distribution(kind="constant", median=0.2), rng) == 0.2


def test_rate_limiter_drops_beyond_max_rps() -> None:
    limiter = RateLimiter(10.0, burst_s=0.5)
    admitted = sum(limiter.admit() for _ in range(100))
    assert admitted == 5


async def test_login_token_is_sent_as_bearer_on_later_steps(
    local_server: Callable[..., LocalServer],
) -> None:
    server = local_server(mode="by_path", record=True)
    sc = CompiledScenario.from_scenario(
        chain(
            steps=[
                Step(route="/home"),
                Step(method="POST", route="/login", body='{"user": "u"}', captures_token=True),
                Step(route="/account", needs_token=True),
            ],
            entry=[],
            matrix=[],
            exit=[],
            think_time=Distribution(kind="constant", median=0.01),
        )
    )
    transport = make_transport("aiohttp", server.url, TransportOptions())
    recorder = WindowRecorder()
    ctx = SessionContext(transport=transport, recorder=recorder, limiter=RateLimiter(None))
    try:
        await run_session(ctx, sc, random.Random(0), 0.0)
    finally:
        await transport.close()
    heads = server.behaviour.seen
    assert [h.split(" ")[1] for h in heads] == ["/home", "/login", "/account"]
    assert "authorization" not in heads[0].lower()
    assert "content-type: application/json" in heads[1].lower()
    assert "Authorization: Bearer tok-123" in heads[2]
    assert recorder.requests == 3 and recorder.errors == 0


class TimedRecorder(WindowRecorder):
    """Keeps (route, intended, completed) per request, to check the pauses between them.

    "Completed" is the response's `t_done`: the next step is intended at that instant plus
    the think time (not at the moment the session got to handle the answer)."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, float, float]] = []

    def record(self, scenario: str, route: str, intended: float, response: Response) -> None:
        self.log.append((route, intended, response.t_done))
        super().record(scenario, route, intended, response)


async def test_embedded_steps_follow_their_page_without_think_time(
    local_server: Callable[..., LocalServer],
) -> None:
    server = local_server(mode="by_path", record=True)
    think = 0.4
    sc = CompiledScenario.from_scenario(
        chain(
            steps=[
                Step(route="/"),
                Step(route="/static/app.js", embedded=True),
                Step(route="/static/style.css", embedded=True),
                Step(route="/products"),
                Step(route="/static/img/{asset}.png", params={"asset": ["a1"]}, embedded=True),
            ],
            entry=[],
            matrix=[],
            exit=[],
            think_time=Distribution(kind="constant", median=think),
        )
    )
    transport = make_transport("aiohttp", server.url, TransportOptions())
    recorder = TimedRecorder()
    ctx = SessionContext(transport=transport, recorder=recorder, limiter=RateLimiter(None))
    try:
        after = await run_session(ctx, sc, random.Random(0), time.perf_counter())
    finally:
        await transport.close()
    assert [h.split(" ")[1] for h in server.behaviour.seen] == [
        "/",
        "/static/app.js",
        "/static/style.css",
        "/products",
        "/static/img/a1.png",
    ]
    log = recorder.log
    # intended send time minus the previous request's completion: the pause the user took
    pauses = {log[i][0]: log[i][1] - log[i - 1][2] for i in range(1, len(log))}
    assert pauses["GET /products"] >= think - 1e-9  # (t + think) - t rounds
    for route in ("GET /static/app.js", "GET /static/style.css", "GET /static/img/{asset}.png"):
        assert pauses[route] < think / 2, route
    # the closed model still thinks before the next iteration
    assert after - log[-1][2] >= think - 1e-9


@pytest.fixture
async def auth_server() -> AsyncIterator[tuple[str, list[tuple[str, str, int]]]]:
    """A shop-like aiohttp server: /login hands out a token, /checkout and /account answer 401
    without it. Yields its URL and the (method, path, status) it answered, in order."""
    seen: list[tuple[str, str, int]] = []

    async def handle(request: web.Request) -> web.Response:
        if request.path == "/login":
            status, text = 200, '{"token": "tok-9"}'
        elif request.path in ("/checkout", "/account"):
            ok = request.headers.get("Authorization") == "Bearer tok-9"
            status, text = (200, "{}") if ok else (401, '{"error": "login first"}')
        else:
            status, text = 200, "ok"
        seen.append((request.method, request.path, status))
        return web.Response(status=status, text=text, content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


async def _run_once(url: str, sc: Scenario) -> WindowRecorder:
    transport = make_transport("aiohttp", url, TransportOptions())
    recorder = WindowRecorder()
    ctx = SessionContext(transport=transport, recorder=recorder, limiter=RateLimiter(None))
    try:
        await run_session(ctx, CompiledScenario.from_scenario(sc), random.Random(0), 0.0)
    finally:
        await transport.close()
    return recorder


async def test_a_step_that_needs_the_token_logs_in_first(
    auth_server: tuple[str, list[tuple[str, str, int]]],
) -> None:
    url, seen = auth_server
    # the chain goes home → checkout → account, never through its login step
    sc = chain(
        steps=[
            Step(route="/"),
            Step(method="POST", route="/login", body='{"user": "u"}', captures_token=True),
            Step(method="POST", route="/checkout", body="{}", needs_token=True),
            Step(route="/account", needs_token=True),
        ],
        entry=[1.0, 0.0, 0.0, 0.0],
        matrix=[[0, 0, 1.0, 0], [0, 0, 0, 0], [0, 0, 0, 1.0], [0, 0, 0, 0]],
        exit=[0.0, 1.0, 0.0, 1.0],
        think_time=Distribution(kind="constant", median=0.01),
    )
    recorder = await _run_once(url, sc)
    assert seen == [
        ("GET", "/", 200),
        ("POST", "/login", 200),  # once, before the first step that needs the token
        ("POST", "/checkout", 200),
        ("GET", "/account", 200),
    ]
    assert recorder.requests == 4 and recorder.errors == 0


async def test_without_a_login_step_a_protected_step_is_sent_as_is(
    auth_server: tuple[str, list[tuple[str, str, int]]],
) -> None:
    url, seen = auth_server
    sc = chain(
        steps=[Step(route="/"), Step(route="/account", needs_token=True)],
        entry=[],
        matrix=[],
        exit=[],
        think_time=Distribution(kind="constant", median=0.01),
    )
    recorder = await _run_once(url, sc)
    assert seen == [("GET", "/", 200), ("GET", "/account", 401)]
    assert recorder.requests == 2 and recorder.errors == 1
