"""The shop and notes API over HTTP, and the capacity model as a client sees it."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import aiohttp

from loadtui.target.capacity import Settings

Served = tuple[str, aiohttp.ClientSession]
Serve = Callable[[Settings], AbstractAsyncContextManager[Served]]
FAST = Settings(capacity=8, service_ms=1.0, queue=64)


async def test_login_token_unlocks_checkout_and_account(served: Serve) -> None:
    async with served(FAST) as (url, http):
        async with http.post(f"{url}/checkout") as r:
            assert r.status == 401
        async with http.get(f"{url}/account") as r:
            assert r.status == 401
        async with http.post(f"{url}/login", json={"user": "ada", "password": "pw"}) as r:
            assert r.status == 200
            token = (await r.json())["token"]
        auth = {"Authorization": f"Bearer {token}"}
        async with http.post(
            f"{url}/cart/items", json={"product_id": 42, "qty": 2}, headers=auth
        ) as r:
            assert r.status == 201
            assert (await r.json())["count"] == 2
        async with http.get(f"{url}/cart", headers=auth) as r:
            assert (await r.json())["items"] == [{"product_id": 42, "qty": 2}]
        async with http.post(f"{url}/checkout", headers=auth) as r:
            assert r.status == 200
            order = await r.json()
            assert order["items"] == 2 and order["total"] > 0
        async with http.get(f"{url}/account", headers=auth) as r:
            assert r.status == 200
            assert (await r.json())["orders"] == 1
        async with http.get(f"{url}/account", headers={"Authorization": "Bearer forged"}) as r:
            assert r.status == 401


async def test_notes_crud_round_trip(served: Serve) -> None:
    async with served(FAST) as (url, http):
        async with http.post(f"{url}/notes", json={"title": "t1", "body": "b1"}) as r:
            assert r.status == 201
            nid = (await r.json())["id"]
        async with http.get(f"{url}/notes/{nid}") as r:
            assert (await r.json())["title"] == "t1"
        async with http.put(f"{url}/notes/{nid}", json={"title": "t2", "body": "b2"}) as r:
            assert r.status == 200
        async with http.get(f"{url}/notes/{nid}") as r:
            assert (await r.json())["body"] == "b2"
        async with http.delete(f"{url}/notes/{nid}") as r:
            assert r.status == 204
        async with http.get(f"{url}/notes/{nid}") as r:
            assert r.status == 404
        async with http.get(f"{url}/notes/17") as r:  # snapshot notes exist from the start
            assert r.status == 200
        async with http.put(f"{url}/notes/100308", json={"title": "e", "body": ""}) as r:
            assert (await r.json())["title"] == "e"
        async with http.delete(f"{url}/notes/100308") as r:
            assert r.status == 204
        async with http.get(f"{url}/notes/100308") as r:  # the snapshot copy again, not a 404
            assert r.status == 200 and (await r.json())["title"] != "e"
        async with http.get(f"{url}/notes?page=2") as r:
            assert len((await r.json())["items"]) == 20
        async with http.post(f"{url}/notes", data=b"not json") as r:
            assert r.status == 400


async def test_catalogue_routes_and_unknown_products(served: Serve) -> None:
    async with served(FAST) as (url, http):
        async with http.get(f"{url}/products/5000") as r:
            assert r.status == 200
            body = await r.read()
            assert 300 < len(body) < 2000
        for bad in ("5001", "0", "abc"):
            async with http.get(f"{url}/products/{bad}") as r:
                assert r.status == 404, bad
        async with http.get(f"{url}/products?category=garden&page=3") as r:
            data = await r.json()
            assert len(data["items"]) == 20
            assert {i["id"] % 6 for i in data["items"]} == {2}  # garden is category 2
        async with http.get(f"{url}/products?page=x") as r:
            assert r.status == 400
        async with http.get(f"{url}/search?q=red+kettle") as r:
            assert 1 <= (await r.json())["total"] <= 10
        async with http.get(f"{url}/static/img/ab12cd.png") as r:
            assert r.content_type == "image/png"
            assert (await r.read()).startswith(b"\x89PNG")
        async with http.get(f"{url}/robots.txt") as r:
            assert "User-agent" in await r.text()
        async with http.get(f"{url}/") as r:
            assert "text/html" in r.headers["Content-Type"]
        async with http.get(f"{url}/health") as r:
            assert await r.json() == {"status": "ok", "service": "loadtui-demo-target"}


async def test_requests_beyond_capacity_and_queue_get_503_and_are_counted(
    served: Serve,
) -> None:
    # 2 in service + 2 waiting; the other 6 of 10 simultaneous requests are refused at once
    async with served(Settings(capacity=2, service_ms=300.0, queue=2, sigma=0.0)) as (url, http):

        async def one() -> int:
            async with http.get(f"{url}/products/1") as r:
                await r.read()
                return r.status

        statuses = await asyncio.gather(*(one() for _ in range(10)))
        async with http.get(f"{url}/_stats") as r:
            stats = await r.json()
    rejected = statuses.count(503)
    assert statuses.count(200) + rejected == 10
    assert 4 <= statuses.count(200) <= 6  # exactly 4 unless the client trickled them in
    assert stats["rejected"] == rejected and stats["served"] == 10 - rejected
    assert stats["in_service"] == 0 and stats["queued"] == 0


async def test_control_slowdown_makes_requests_slower(served: Serve) -> None:
    async with served(Settings(capacity=4, service_ms=10.0, sigma=0.0)) as (url, http):

        async def median_ms() -> float:
            times = []
            for _ in range(5):
                t = time.perf_counter()
                async with http.get(f"{url}/products/3") as r:
                    await r.read()
                times.append((time.perf_counter() - t) * 1000)
            return statistics.median(times)

        before = await median_ms()
        async with http.post(f"{url}/_control", json={"slowdown": 6}) as r:
            assert r.status == 200
            stats = await r.json()
        after = await median_ms()
        assert stats["slowdown"] == 6.0
        assert stats["knee_rps"] == round(4 * 1000 / 60.0, 3)
        assert after > before + 30, (before, after)
        async with http.post(f"{url}/_control", json={"slowness": 2}) as r:
            assert r.status == 400
            assert "unknown setting" in (await r.json())["error"]


async def test_error_rate_injects_500s_counted_as_errors(served: Serve) -> None:
    async with served(Settings(capacity=8, service_ms=1.0, error_rate=1.0)) as (url, http):
        async with http.get(f"{url}/products/1") as r:
            assert r.status == 500
        async with http.get(f"{url}/health") as r:  # the control plane bypasses the model
            assert r.status == 200
        async with http.post(f"{url}/_control", json={"error_rate": 0}) as r:
            assert (await r.json())["errors"] == 1
        async with http.get(f"{url}/products/1") as r:
            assert r.status == 200
