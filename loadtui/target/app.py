"""The demo target: an aiohttp shop + notes API behind an explicit capacity model.

`make_app` builds the application (used in-process by tests); `serve` binds it on uvloop,
prints the parseable first line `loadtui target listening on URL knee_rps=N ...` and runs until
SIGINT/SIGTERM. `/health`, `/_stats` and `/_control` bypass the capacity model so a test can
watch and steer the target while it is saturated.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import random
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

from aiohttp import web

from loadtui.target import shop
from loadtui.target.capacity import CapacityModel, Settings
from loadtui.target.reach import SERVICE_NAME

BYPASS = frozenset({"/health", "/_stats", "/_control"})
MODEL_KEY = web.AppKey("capacity_model", CapacityModel)
SHOP_KEY = web.AppKey("shop", shop.Shop)
STARTED_KEY = web.AppKey("started", float)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers or None)


@web.middleware
async def capacity_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Admission → service time (with stalls) → maybe an injected 500 → the route's handler."""
    info = request.match_info
    resource = info.route.resource
    route = resource.canonical if resource is not None else None
    if route is None or route in BYPASS or info.http_exception is not None:
        return await handler(request)
    model = request.app[MODEL_KEY]
    start = await model.admission.acquire()
    if start is None:
        model.counters.rejected += 1
        return _error(503, "overloaded: queue full, try again", **{"Retry-After": "1"})
    done = start
    try:
        done = model.finish(start, model.service_s(route))
        await asyncio.sleep(max(0.0, done - asyncio.get_running_loop().time()))
        if model.fails():
            model.counters.errors += 1
            return _error(500, "injected failure (--error-rate)")
        return await handler(request)
    finally:
        model.admission.release(done)
        model.counters.served += 1
        model.counters.busy_s += done - start


# -- helpers ----------------------------------------------------------------------------------


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except (ValueError, UnicodeDecodeError) as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "body must be JSON"}), content_type="application/json"
        ) from exc
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "body must be a JSON object"}),
            content_type="application/json",
        )
    return data


def _int_arg(value: Any, name: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"{name} must be an integer"}),
            content_type="application/json",
        ) from exc


def _page(request: web.Request) -> int:
    page = _int_arg(request.query.get("page"), "page", 1)
    if page < 1:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "page starts at 1"}), content_type="application/json"
        )
    return page


def _cart_key(request: web.Request, s: shop.Shop) -> str:
    """Carts belong to the logged-in user, else to the client (address + user agent)."""
    user = s.user_for(request.headers.get("Authorization"))
    if user is not None:
        return f"user:{user}"
    return f"client:{request.remote}|{request.headers.get('User-Agent', '')}"


def _require_user(request: web.Request) -> str:
    user = request.app[SHOP_KEY].user_for(request.headers.get("Authorization"))
    if user is None:
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": "log in first: POST /login, then Authorization: Bearer"}),
            content_type="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


# -- shop routes --------------------------------------------------------------------------------


async def home(request: web.Request) -> web.Response:
    return web.Response(body=shop.HOME_HTML, content_type="text/html", charset="utf-8")


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "service": SERVICE_NAME})


async def robots(request: web.Request) -> web.Response:
    return web.Response(body=shop.ROBOTS_TXT, content_type="text/plain")


def _static(body: bytes, content_type: str) -> Handler:
    async def handler(request: web.Request) -> web.Response:
        return web.Response(
            body=body,
            content_type=content_type,
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return handler


async def login(request: web.Request) -> web.Response:
    data = await _json_body(request)
    user, password = data.get("user"), data.get("password")
    if not isinstance(user, str) or not user or not isinstance(password, str):
        return _error(400, 'send {"user": "...", "password": "..."}')
    if not password:
        return _error(401, "invalid credentials")
    token = request.app[SHOP_KEY].login(user)
    return web.json_response({"token": token, "token_type": "Bearer", "expires_in": 3600})


async def products(request: web.Request) -> web.Response:
    page = _page(request)
    return web.json_response(shop.products_page(request.query.get("category"), page))


def _product_id(raw: Any) -> int:
    try:
        pid = int(raw)
    except (TypeError, ValueError):
        pid = 0
    if not 1 <= pid <= shop.PRODUCTS:
        raise web.HTTPNotFound(
            text=json.dumps({"error": f"no product {raw!s:.40}"}),
            content_type="application/json",
        )
    return pid


async def product(request: web.Request) -> web.Response:
    body = shop.product_json(_product_id(request.match_info["id"]))
    return web.Response(body=body, content_type="application/json")


async def search(request: web.Request) -> web.Response:
    return web.json_response(shop.search(request.query.get("q", "")))


async def add_cart_item(request: web.Request) -> web.Response:
    data = await _json_body(request)
    pid = _product_id(data.get("product_id"))
    qty = _int_arg(data.get("qty"), "qty", 1)
    if not 1 <= qty <= 99:
        return _error(400, "qty must be between 1 and 99")
    s = request.app[SHOP_KEY]
    cart = s.add_to_cart(_cart_key(request, s), pid, qty)
    return web.json_response(shop.cart_view(cart), status=201)


async def get_cart(request: web.Request) -> web.Response:
    s = request.app[SHOP_KEY]
    return web.json_response(shop.cart_view(s.cart(_cart_key(request, s))))


async def checkout(request: web.Request) -> web.Response:
    user = _require_user(request)
    s = request.app[SHOP_KEY]
    return web.json_response(s.checkout(_cart_key(request, s), user))


async def account(request: web.Request) -> web.Response:
    user = _require_user(request)
    orders = request.app[SHOP_KEY].orders.get(user, 0)
    return web.json_response(
        {"user": user, "email": f"{user}@example.com", "orders": orders, "tier": "standard"}
    )


# -- notes API ----------------------------------------------------------------------------------


def _note_fields(data: dict[str, Any]) -> tuple[str, str]:
    title, body = data.get("title"), data.get("body", "")
    if not isinstance(title, str) or not title or not isinstance(body, str):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": 'send {"title": "...", "body": "..."}'}),
            content_type="application/json",
        )
    return title[:200], body[:10_000]


def _note_id(request: web.Request) -> int:
    try:
        return int(request.match_info["id"])
    except ValueError:
        return -1


def _no_note(nid: int) -> web.Response:
    return _error(404, f"no note {nid}")


async def list_notes(request: web.Request) -> web.Response:
    return web.json_response(request.app[SHOP_KEY].notes_page(_page(request)))


async def create_note(request: web.Request) -> web.Response:
    title, body = _note_fields(await _json_body(request))
    note = request.app[SHOP_KEY].create_note(title, body)
    return web.json_response(note, status=201, headers={"Location": f"/notes/{note['id']}"})


async def get_note(request: web.Request) -> web.Response:
    nid = _note_id(request)
    note = request.app[SHOP_KEY].get_note(nid)
    return web.json_response(note) if note is not None else _no_note(nid)


async def put_note(request: web.Request) -> web.Response:
    nid = _note_id(request)
    title, body = _note_fields(await _json_body(request))
    note = request.app[SHOP_KEY].update_note(nid, title, body)
    return web.json_response(note) if note is not None else _no_note(nid)


async def delete_note(request: web.Request) -> web.Response:
    nid = _note_id(request)
    if request.app[SHOP_KEY].delete_note(nid):
        return web.Response(status=204)
    return _no_note(nid)


# -- control plane ------------------------------------------------------------------------------


async def stats(request: web.Request) -> web.Response:
    body = request.app[MODEL_KEY].stats()
    body["uptime_s"] = round(time.monotonic() - request.app[STARTED_KEY], 3)
    return web.json_response(body)


async def control(request: web.Request) -> web.Response:
    data = await _json_body(request)
    model = request.app[MODEL_KEY]
    try:
        model.update(data, asyncio.get_running_loop().time())
    except ValueError as exc:
        return _error(400, str(exc))
    return await stats(request)


def make_app(settings: Settings | None = None, *, seed: int | None = None) -> web.Application:
    """The shop with its capacity model; `seed` makes service times, errors and tokens repeat."""
    rng = random.Random(seed)
    app = web.Application(middlewares=[capacity_middleware])
    app[MODEL_KEY] = CapacityModel(settings or Settings(), rng=random.Random(rng.random()))
    app[SHOP_KEY] = shop.Shop(rng=random.Random(rng.random()))
    app[STARTED_KEY] = time.monotonic()
    r = app.router
    r.add_get("/", home)
    r.add_get("/health", health)
    r.add_get("/robots.txt", robots)
    r.add_get("/static/app.js", _static(shop.APP_JS, "application/javascript"))
    r.add_get("/static/style.css", _static(shop.STYLE_CSS, "text/css"))
    r.add_get("/static/img/{hash}.png", _static(shop.PNG, "image/png"))
    r.add_post("/login", login)
    r.add_get("/products", products)
    r.add_get("/products/{id}", product)
    r.add_get("/search", search)
    r.add_post("/cart/items", add_cart_item)
    r.add_get("/cart", get_cart)
    r.add_post("/checkout", checkout)
    r.add_get("/account", account)
    r.add_get("/notes", list_notes)
    r.add_post("/notes", create_note)
    r.add_get("/notes/{id}", get_note)
    r.add_put("/notes/{id}", put_note)
    r.add_delete("/notes/{id}", delete_note)
    r.add_get("/_stats", stats)
    r.add_post("/_control", control)
    return app


# -- serving ------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def format_url(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def banner(url: str, settings: Settings) -> str:
    """The first stdout line; `TargetProcess` and scripts parse `listening on URL knee_rps=N`."""
    return (
        f"loadtui target listening on {url} knee_rps={settings.knee_rps:.1f} "
        f"capacity={settings.capacity} service_ms={settings.service_ms:g} "
        f"queue={settings.queue} mean_service_ms={settings.mean_service_ms:.2f}"
    )


async def _report(app: web.Application, out: TextIO, every_s: float) -> None:
    """One status line per interval with traffic, so a demo shows what the target feels."""
    model = app[MODEL_KEY]
    last = (0, 0, 0)
    while True:
        await asyncio.sleep(every_s)
        c = model.counters
        now = (c.served, c.rejected, c.errors)
        if now != last:
            served, rejected, errors = ((a - b) / every_s for a, b in zip(now, last, strict=True))
            print(
                f"served/s={served:.0f} rejected/s={rejected:.0f} errors/s={errors:.0f} "
                f"in_service={model.admission.in_service} queued={model.admission.queued}",
                file=out,
                flush=True,
            )
            last = now


async def serve(
    settings: Settings,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    seed: int | None = None,
    quiet: bool = False,
    out: TextIO = sys.stdout,
    report_every_s: float = 5.0,
    app: web.Application | None = None,
    describe: Callable[[str], str] | None = None,
) -> None:
    """Bind, print the banner, serve until SIGINT/SIGTERM; OSError when the port is taken.

    `app` replaces the demo shop (the stand-in of `target --model` brings its own, with the
    capacity model under `MODEL_KEY`); `describe(url)` then writes its banner."""
    app = app if app is not None else make_app(settings, seed=seed)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port, backlog=4096, reuse_address=True)
        await site.start()
        bound = runner.addresses[0]
        real_port = bound[1] if isinstance(bound, tuple) else port
        url = format_url(host, real_port)
        print(describe(url) if describe else banner(url, settings), file=out, flush=True)
        if not is_loopback(host):
            print(
                f"loadtui target: warning: listening on {host}, reachable from other machines; "
                "this is a demo with no real security — bind 127.0.0.1 unless you mean it",
                file=sys.stderr,
                flush=True,
            )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        reporter = None if quiet else asyncio.create_task(_report(app, out, report_every_s))
        try:
            await stop.wait()
        finally:
            if reporter is not None:
                reporter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reporter
    finally:
        await runner.cleanup()


def run_forever(settings: Settings, **kwargs: Any) -> None:
    """`serve` on uvloop when it is installed (it is on Linux/macOS), else asyncio's loop."""
    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - Windows
        factory = None
    with asyncio.Runner(loop_factory=factory) as r:
        r.run(serve(settings, **kwargs))
