"""`loadtui plan`: turn a traffic model into a load-test plan (YAML, k6 vocabulary)."""

from __future__ import annotations

import argparse
from pathlib import Path

from loadtui.errors import UserError
from loadtui.safe_text import clean

EPILOG = """examples:
  loadtui plan model.json -o plan.yaml                         # load test at the observed peak
  loadtui plan model.json -o smoke.yaml --type smoke
  loadtui plan model.json -o stress.yaml --type stress --peak-rps 800 --duration 10m
  loadtui plan model.json -o sale.yaml --peak-factor 5          # flash sale: 5× the peak
  loadtui plan model.json -o day.yaml --type soak --replay-hours --duration 2h
  loadtui plan model.json -o closed.yaml --workload closed --peak-vus 50
  loadtui plan model.json -o bp.yaml --type breakpoint --peak-rps 300 --duration 10m
  loadtui plan model.json -o bp.yaml --type breakpoint --until "http_req_failed>0.02" \
      --until "p(99)>2000" --ramp steps

--peak-rps is peak *requests* per second; the open model turns it into session arrivals with
the persona mix's mean requests per session. Stage targets are sessions/s (open) or VUs (closed).
Default duration: smoke 1m, load 5m, stress 8m, spike 3m, soak 1h, breakpoint 10m. Bots are
left out unless --include-bots. An existing plan file keeps its comments when regenerated.

breakpoint: ramps the request rate from 0 to 10× --peak-rps over --duration (open model) and
stops as soon as one --until condition holds (k6 threshold syntax read the other way round;
default: http_req_failed>0.05 and p(95)>1000, in ms). Conditions are judged over the last 5s
of the run, not its totals, and must hold for 5s before the run stops (`breakpoint.window` and
`.hold` in the plan). The run records its breaking point (the highest request rate sustained
before a condition held, and the rate at which it broke) in summary.json. Finding it is the
test's result, not a failure: the run ends `complete` and exits 0 (k6's abortOnFail would exit
99). The plan has no pass/fail thresholds; add some to gate on them.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan",
        help="turn a traffic model into a load test plan (YAML)",
        description="Build a TestPlan from a traffic model: one scenario per persona (Markov "
        "flow, think times, observed parameter values), k6-style stages for the test type, and "
        "k6 thresholds derived from the model.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", help="traffic model JSON from `loadtui profile`")
    p.add_argument("-o", "--out", required=True, help="plan YAML to write")
    p.add_argument(
        "--type",
        default="load",
        choices=("smoke", "load", "stress", "spike", "soak", "breakpoint"),
    )
    p.add_argument("--workload", default="open", choices=("open", "closed"))
    peak = p.add_mutually_exclusive_group()
    peak.add_argument("--peak-rps", type=float, help="peak requests/s (default: observed peak)")
    peak.add_argument("--peak-vus", type=int, help="peak VUs (closed model)")
    p.add_argument("--duration", default=None, help="total duration, k6 style: 90s, 5m, 1h")
    p.add_argument("--target", default=None, help="base URL (default http://127.0.0.1:8080)")
    p.add_argument("--peak-factor", type=float, default=1.0, help="scale the peak (flash sale)")
    p.add_argument(
        "--replay-hours",
        action="store_true",
        help="replay the model's hour-of-day shape compressed into the duration (load, soak)",
    )
    p.add_argument("--include-bots", action="store_true", help="keep bot personas as scenarios")
    p.add_argument(
        "--until",
        action="append",
        metavar="CONDITION",
        help="breakpoint: stop when this holds, e.g. http_req_failed>0.05 or p(95)>1000 "
        "(repeatable; default: both of those)",
    )
    p.add_argument(
        "--ramp",
        default="linear",
        choices=("linear", "steps"),
        help="breakpoint: one linear ramp (k6's) or ten steps with holds",
    )
    p.add_argument("--name", default=None, help="plan name (default: TYPE-MODEL)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from loadtui.plan.build import build_plan, mean_session_seconds
    from loadtui.plan.stages import format_duration, parse_duration, total_seconds
    from loadtui.plan.yaml_io import save_plan
    from loadtui.profile.pipeline import load_model

    if args.target is not None and not args.target.startswith(("http://", "https://")):
        raise UserError(f"--target {args.target!r} must be an http(s) URL like http://host:8080")
    model = load_model(args.model)
    plan = build_plan(
        model,
        type=args.type,
        workload=args.workload,
        peak_rps=args.peak_rps,
        peak_vus=args.peak_vus,
        duration=args.duration,
        target=args.target,
        peak_factor=args.peak_factor,
        replay_hours=args.replay_hours,
        include_bots=args.include_bots,
        name=args.name,
        source_model=Path(args.model).name,
        until=args.until,
        ramp=args.ramp,
    )
    out = Path(args.out)
    if not out.parent.exists():
        raise UserError(f"folder {out.parent} does not exist; create it or pick another -o")
    save_plan(plan, out)
    unit = plan.workload.rate_unit
    per = plan.workload.mean_requests_per_session
    hold = next((s.target for s in plan.stages if s.name == "hold"), None)
    top = max((s.target for s in plan.stages), default=0.0)

    def level(x: float) -> str:
        return f"{x:.4g} {unit}" + (f" ≈ {x * per:.4g} req/s" if unit == "sessions/s" else "")

    load = (
        f"hold {level(hold)}, " if hold is not None and hold != top else ""
    ) + f"top {level(top)}"
    mix = ", ".join(f"{clean(s.name)} {s.weight:.0%}" for s in plan.scenarios)
    print(
        f"wrote {out}: {plan.type} test, {plan.workload.model} model, "
        f"{format_duration(total_seconds(plan.stages))} in {len(plan.stages)} stages, "
        f"{load}; {len(plan.scenarios)} scenarios ({mix}); "
        f"{per:.3g} requests/session"
    )
    if plan.breakpoint is not None:
        conditions = " or ".join(
            f"{key} {expr}" for key, exprs in plan.breakpoint.until.items() for expr in exprs
        )
        print(
            f"stops when {conditions} (over the last {plan.breakpoint.window}, for "
            f"{plan.breakpoint.hold}); the breaking point goes to summary.json"
        )
    session_s = mean_session_seconds(plan)
    longest = max((parse_duration(s.duration) for s in plan.stages), default=0.0)
    if plan.type == "breakpoint":  # its stages are slices of one ramp
        longest = total_seconds(plan.stages)
    if plan.workload.model == "open" and longest < session_s:
        top = max((s.target for s in plan.stages), default=0.0)
        print(
            f"note: sessions last ~{format_duration(session_s)} on average, longer than the "
            f"{'test' if plan.type == 'breakpoint' else 'longest stage'} "
            f"({format_duration(longest)}): the run keeps the sessions of each stage's rate "
            f"under way (up to ~{top * session_s:,.0f} at the top) so every stage gets its "
            "req/s from its first seconds"
        )
    return 0
