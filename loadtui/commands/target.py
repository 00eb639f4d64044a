"""`loadtui target`: the demo system under test, with a capacity you choose and can change live."""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loadtui.errors import UserError

if TYPE_CHECKING:
    from loadtui.target.capacity import Settings

EPILOG = """examples:
  loadtui target                                  # knee ≈ 32 / 20.6 ms ≈ 1550 requests/s
  loadtui target --port 0 --capacity 8 --service-ms 50 --quiet
  loadtui target --error-rate 0.02 --slowdown 2

change it while it runs (no restart):
  curl -X POST localhost:8080/_control -d '{"slowdown": 3, "error_rate": 0.05}'
  curl -X POST localhost:8080/_control -d '{"stall_every_s": 10, "stall_ms": 800}'
  curl localhost:8080/_stats

The first stdout line is `loadtui target listening on URL knee_rps=N ...` (port 0 → the real
port). At most CAPACITY requests are in service, QUEUE more wait, the rest get 503 at once.
Service times are lognormal, median SERVICE_MS × SLOWDOWN; /search costs ×1.5, /checkout ×2,
static files and robots.txt ×0.25. knee_rps is for a base-cost route like /products/{id}.
/health, /_stats and /_control bypass the capacity model.

a stand-in for any profiled system (--model): every route of the model, any placeholder value
and query string, each as slow as the log says (its response-time quantiles; SERVICE_MS where
the log had no times), 200 (201 for a creating POST) by default, the route's observed status
mix with --errors observed, {"token": ...} from login routes; same capacity model, and
/_stats's knee_rps is for the model's route mix. /health adds "stand_in": true.
  loadtui profile access.log -o model.json
  loadtui target --model model.json --port 8081 --errors observed
  loadtui plan model.json -o plan.yaml --target http://127.0.0.1:8081 && loadtui run plan.yaml
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "target",
        help="start the demo shop + notes API with a known capacity",
        description="Serve the demo shop (the routes `loadtui synth` logs) behind an explicit "
        "capacity model, so load tests can be checked against a known knee.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (0: any free port; default 8080)")
    p.add_argument("--capacity", type=int, default=32, help="requests in service at once")
    p.add_argument("--service-ms", type=float, default=20.0, help="median service time (ms)")
    p.add_argument("--queue", type=int, default=256, help="requests allowed to wait (then 503)")
    p.add_argument("--error-rate", type=float, default=0.0, help="probability of a 500 (0..1)")
    p.add_argument("--slowdown", type=float, default=1.0, help="multiplies service times")
    p.add_argument("--seed", type=int, default=None, help="seed for service times and errors")
    p.add_argument("--quiet", action="store_true", help="only the first line; no status lines")
    p.add_argument(
        "--model",
        metavar="MODEL",
        default=None,
        help="serve the routes of this traffic model (loadtui profile -o) instead of the shop",
    )
    p.add_argument(
        "--errors",
        choices=("none", "observed"),
        default="none",
        help="with --model: none (2xx only, default) or observed (each route's status mix)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loadtui.target.app import run_forever
    from loadtui.target.capacity import Settings

    settings = Settings(
        capacity=args.capacity,
        service_ms=args.service_ms,
        queue=args.queue,
        error_rate=args.error_rate,
        slowdown=args.slowdown,
    )
    try:
        settings.validate()
    except ValueError as exc:
        name, _, rest = str(exc).partition(" ")
        raise UserError(f"--{name.replace('_', '-')} {rest}") from exc
    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be 0..65535 (got {args.port})")
    extra: dict[str, Any] = {}
    if args.model is not None:
        extra = _stand_in(args, settings)
    elif args.errors != "none":
        raise UserError("--errors goes with --model (the demo shop has --error-rate)")
    try:
        run_forever(
            settings, host=args.host, port=args.port, seed=args.seed, quiet=args.quiet, **extra
        )
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise UserError(
                f"port {args.port} on {args.host} is in use; pick another with --port "
                "(or --port 0 for any free port)"
            ) from exc
        raise UserError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    return 0


def _stand_in(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """`app` and `describe` for `run_forever`: the stand-in for the model file."""
    from loadtui.target.stand_in import banner, load_model, make_stand_in, notes

    model = load_model(args.model)
    try:
        app = make_stand_in(
            model, settings, errors=args.errors, name=Path(args.model).name, seed=args.seed
        )
    except ValueError as exc:
        raise UserError(f"{args.model}: {exc}") from exc
    for line in notes(model):
        print(f"loadtui target: {line}", file=sys.stderr, flush=True)
    return {"app": app, "describe": lambda url: banner(url, app)}
