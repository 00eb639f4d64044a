"""A stand-in for any profiled system (`loadtui target --model model.json`).

It serves every route of a traffic model (method + template; any value where the template has a
placeholder; any query string), each as slow as the log says it was (its response-time
quantiles; the base `--service-ms` where the log timed nothing), answering its 2xx by default
or, with `--errors observed`, the status mix the log shows for it. A login route (a POST a plan
captures a token from) answers `{"token": ...}`. Everything sits behind the demo's capacity
model (`capacity.py`: `--capacity`, `--queue`, `--slowdown`, stalls, `/_control`), and
`/_stats` reports `knee_rps` for the model's route mix. A plan profiled from any log can then
be rehearsed against its own system before it goes near staging.

`/health` names the same service as the demo target (`reach.SERVICE_NAME`) and adds
`"stand_in": true`: the name exists so a stranger on the demo port is never loaded, and the
stand-in is no stranger (ours, on loopback, with the same control plane). A distinct name
would make `loadtui run` treat a stand-in on :8080 as a stranger and start the demo shop
beside it, which answers a profiled plan with 404s: the very thing the stand-in is for.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from loadtui.contracts import TrafficModel
from loadtui.errors import UserError
from loadtui.target.app import MODEL_KEY, STARTED_KEY
from loadtui.target.capacity import CapacityModel, Settings
from loadtui.target.reach import SERVICE_NAME
from loadtui.target.routes_model import RouteTable, lognormal_ms, route_table, summarise

ERROR_MODES = ("none", "observed")
TABLE_KEY = web.AppKey("route_table", RouteTable)
INFO_KEY = web.AppKey("stand_in_info", dict[str, Any])
NO_BODY = frozenset({204, 304})


def load_model(path: str | Path) -> TrafficModel:
    """The model file, or a UserError naming the fix (the target may not import the profiler)."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise UserError(
            f"model file not found: {source}; create one with `loadtui profile`"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read the model {source}: {exc}") from exc
    try:
        return TrafficModel.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "file"
        raise UserError(
            f"{source} is not a traffic model ({where}: {first['msg']}); "
            "create one with `loadtui profile LOG -o model.json`"
        ) from exc


def mix_mean_service_ms(table: RouteTable, settings: Settings) -> float:
    """Mean service time over the model's route mix, slowdown included."""
    base = settings.mean_service_ms / settings.slowdown  # untimed routes: the base draw's mean
    return table.mean_service_ms(base) * settings.slowdown


def knee_rps(table: RouteTable, settings: Settings) -> float:
    """Throughput ceiling for the model's route mix (Little's law at full occupancy)."""
    return settings.capacity * 1000.0 / mix_mean_service_ms(table, settings)


def notes(model: TrafficModel) -> list[str]:
    """What the stand-in cannot take from the model, for stderr at start."""
    if not model.routes:
        return [
            "the model has no per-route statistics (profiled by an older loadtui): every route "
            "answers in the base --service-ms with its 2xx; re-run `loadtui profile` for the "
            "log's response times and status mix"
        ]
    if not any(r.response_ms for r in model.routes):
        return [
            "the log had no response times: every route answers in the base --service-ms "
            "(lognormal, like the demo shop)"
        ]
    return []


def _json(status: int, body: dict[str, Any], **headers: str) -> web.Response:
    if status in NO_BODY:
        return web.Response(status=status, headers=headers or None)
    return web.Response(
        status=status,
        text=json.dumps(body),
        content_type="application/json",
        headers=headers or None,
    )


async def answer(request: web.Request) -> web.StreamResponse:
    """Any request: match a route, hold a capacity slot for its drawn time, answer its status."""
    table = request.app[TABLE_KEY]
    raw = request.raw_path.split("?", 1)[0]
    route = table.match(request.method, raw)
    if route is None:
        allowed = table.allows(raw)
        if allowed:
            return _json(
                405,
                {"error": f"{request.method} is not a route of the model here"},
                Allow=", ".join(allowed),
            )
        return _json(404, {"error": "no route of the model matches this path"})
    await request.read()  # the body is not looked at, but is drained like a real server's
    model = request.app[MODEL_KEY]
    start = await model.admission.acquire()
    if start is None:
        model.counters.rejected += 1
        return _json(503, {"error": "overloaded: queue full, try again"}, **{"Retry-After": "1"})
    done = start
    try:
        s = model.settings
        u_latency, u_status = route.next_draw()
        ms = route.latency(u_latency)
        if ms is None:
            ms = lognormal_ms(model.rng, s.service_ms, s.sigma)
        done = model.finish(start, ms * s.slowdown / 1000.0)
        await asyncio.sleep(max(0.0, done - asyncio.get_running_loop().time()))
        if model.fails():
            model.counters.errors += 1
            return _json(500, {"error": "injected failure (--error-rate)"})
        status = route.status(u_status, request.app[INFO_KEY]["errors"] == "observed")
        if status >= 400:
            return _json(status, {"error": f"HTTP {status}, as the log answered this route"})
        headers = {"Location": raw} if 300 <= status < 400 else {}
        if route.captures_token:  # a 302 after a form login still hands the plan its token
            token = f"{model.rng.getrandbits(128):032x}"
            body = {"token": token, "token_type": "Bearer", "expires_in": 3600}
            return _json(status, body, **headers)
        return _json(status, {"route": route.template, "ok": status < 300}, **headers)
    finally:
        model.admission.release(done)
        model.counters.served += 1
        model.counters.busy_s += done - start


async def health(request: web.Request) -> web.Response:
    info = request.app[INFO_KEY]
    return web.json_response(
        {
            "status": "ok",
            "service": SERVICE_NAME,
            "stand_in": True,
            "model": info["model"],
            "routes": info["routes"],
        }
    )


def stats_body(app: web.Application) -> dict[str, Any]:
    model = app[MODEL_KEY]
    table = app[TABLE_KEY]
    body = model.stats()
    body.pop("route_cost", None)  # the demo shop's cost table; the stand-in has route means
    s = model.settings
    info = app[INFO_KEY]
    body.update(
        {
            "knee_rps": round(knee_rps(table, s), 3),
            "base_knee_rps": round(s.knee_rps, 3),
            "mean_service_ms": round(mix_mean_service_ms(table, s), 4),
            "stand_in": True,
            "model": info["model"],
            "routes": info["routes"],
            "errors": info["errors"],
            "route_mean_ms": summarise(table.routes),
            "uptime_s": round(time.monotonic() - app[STARTED_KEY], 3),
        }
    )
    return body


async def stats(request: web.Request) -> web.Response:
    return web.json_response(stats_body(request.app))


async def control(request: web.Request) -> web.Response:
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError):
        return _json(400, {"error": "body must be a JSON object"})
    if not isinstance(data, dict):
        return _json(400, {"error": "body must be a JSON object"})
    try:
        request.app[MODEL_KEY].update(data, asyncio.get_running_loop().time())
    except ValueError as exc:
        return _json(400, {"error": str(exc)})
    return web.json_response(stats_body(request.app))


def make_stand_in(
    model: TrafficModel,
    settings: Settings | None = None,
    *,
    errors: str = "none",
    name: str = "model",
    seed: int | None = None,
) -> web.Application:
    """The stand-in app for `model`; `errors` is `none` (2xx only) or `observed`."""
    if errors not in ERROR_MODES:
        raise ValueError(f"errors must be one of {', '.join(ERROR_MODES)} (got {errors!r})")
    rng = random.Random(seed)
    table = route_table(model, seed=rng.randrange(2**32))
    app = web.Application()
    app[MODEL_KEY] = CapacityModel(settings or Settings(), rng=random.Random(rng.random()))
    app[TABLE_KEY] = table
    app[INFO_KEY] = {"model": name, "routes": len(table.routes), "errors": errors}
    app[STARTED_KEY] = time.monotonic()
    app.router.add_get("/health", health)
    app.router.add_get("/_stats", stats)
    app.router.add_post("/_control", control)
    app.router.add_route("*", "/{tail:.*}", answer)
    return app


def banner(url: str, app: web.Application) -> str:
    """Like the demo's first line (`TargetProcess` parses `listening on URL knee_rps=N`), with
    the knee of the model's route mix."""
    body = stats_body(app)
    s = app[MODEL_KEY].settings
    return (
        f"loadtui target listening on {url} knee_rps={body['knee_rps']:.1f} "
        f"capacity={s.capacity} service_ms={s.service_ms:g} queue={s.queue} "
        f"mean_service_ms={body['mean_service_ms']:.2f} routes={body['routes']} "
        f"errors={body['errors']} model={body['model']}"
    )
