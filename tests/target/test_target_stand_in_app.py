"""The stand-in served in-process on 127.0.0.1: every route of a real log's model answers."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from loadtui.contracts import TrafficModel
from loadtui.errors import UserError
from loadtui.profile.pipeline import build_model
from loadtui.target.capacity import Settings
from loadtui.target.reach import SERVICE_NAME
from loadtui.target.stand_in import load_model, make_stand_in

OTUS = (
    Path(__file__).resolve().parents[3]
    / "shared/data/access_logs/otus_nginx_request_time_sample.log"
)
FAST = Settings(capacity=64, service_ms=1.0, slowdown=0.01)  # routes answer in 1 % of the log


@pytest.fixture(scope="module")
def otus_model() -> TrafficModel:
    if not OTUS.exists():
        pytest.skip(f"{OTUS} is not here")
    model, _ = build_model([OTUS])
    return model


@asynccontextmanager
async def _served(
    model: TrafficModel, errors: str = "none"
) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    server = TestServer(make_stand_in(model, FAST, errors=errors, seed=5), host="127.0.0.1", port=0)
    await server.start_server()
    try:
        async with aiohttp.ClientSession() as session:
            yield str(server.make_url("")).rstrip("/"), session
    finally:
        await server.close()


def _path(template: str) -> str:
    return template.replace("{id}", "12345").replace("{date}", "2017-06-29")


async def test_every_route_of_the_model_answers_2xx(otus_model: TrafficModel) -> None:
    routes = [r for r in otus_model.routes if r.method != "*"]
    assert len(routes) >= 10
    async with _served(otus_model) as (url, session):
        for r in routes:
            async with session.request(
                r.method, url + _path(r.route) + "?utm=1&x=%20", allow_redirects=False
            ) as resp:
                body = await resp.json()
                assert 200 <= resp.status < 300, (r.method, r.route, resp.status)
                if r.method == "POST" and "login" in r.route:
                    assert isinstance(body["token"], str) and len(body["token"]) == 32
        async with session.get(url + "/not/a/route") as resp:
            assert resp.status == 404
        async with session.get(url + "/health") as resp:
            health = await resp.json()
        assert health["service"] == SERVICE_NAME and health["stand_in"] is True


async def test_observed_errors_replay_each_route_status_mix(otus_model: TrafficModel) -> None:
    route = next(r for r in otus_model.routes if r.route.startswith("/export/appinstall_raw"))
    assert route.status == {"200": 5, "404": 5}
    async with _served(otus_model, errors="observed") as (url, session):
        codes = Counter()
        for _ in range(40):
            async with session.get(url + _path(route.route)) as resp:
                codes[resp.status] += 1
    assert codes[404] == pytest.approx(20, abs=2) and codes[200] == pytest.approx(20, abs=2)


async def test_stats_knee_is_for_the_route_mix_and_control_changes_it(
    otus_model: TrafficModel,
) -> None:
    async with _served(otus_model) as (url, session):
        async with session.get(url + "/_stats") as resp:
            stats = await resp.json()
        async with session.post(url + "/_control", json={"slowdown": 0.02}) as resp:
            slower = await resp.json()
        async with session.post(url + "/_control", json={"capacity": 0}) as resp:
            assert resp.status == 400
    assert stats["routes"] == len([r for r in otus_model.routes if r.method != "*"])
    # the otus log's routes average ~330 ms: far slower than the 1 ms base route
    assert stats["knee_rps"] < stats["base_knee_rps"] / 50
    assert slower["knee_rps"] == pytest.approx(stats["knee_rps"] / 2, rel=1e-3)


def test_a_file_that_is_not_a_model_is_a_user_error(tmp_path: Path) -> None:
    bad = tmp_path / "model.json"
    bad.write_text('{"personas": 3}')
    with pytest.raises(UserError, match="not a traffic model"):
        load_model(bad)
    with pytest.raises(UserError, match="not found"):
        load_model(tmp_path / "missing.json")
