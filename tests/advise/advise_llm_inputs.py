"""An AdviceInput a performance engineer would recognise, and answers to it, for the LLM tests.

A 3-stage open plan (ramp 30 s to 20 sessions/s, hold 60 s, ramp down 10 s) with p(95)<500 and
rate<0.01, a run at p95 220 ms and five baseline runs at p95 198-215 ms.
"""

from __future__ import annotations

from typing import Any

from loadtui.advise.settings import LlmSettings
from loadtui.contracts import AdviceInput, RouteRunStats, RunStats, Stage, StageStats

KEY = "sk-test-Zq8uV3xK9pL2mN7bR4tY6wE1aS5dF0gH"
BASELINE_P95 = [200.0, 205.0, 210.0, 198.0, 215.0]


def run_stats(run_id: str, p95: float, routes: list[RouteRunStats] | None = None) -> RunStats:
    return RunStats(
        run_id=run_id,
        duration_s=100.0,
        requests=12000,
        rps=120.0,
        error_rate=0.002,
        errors_by_class={"http_5xx": 24},
        p50_ms=round(p95 * 0.4, 1),
        p95_ms=p95,
        p99_ms=round(p95 * 1.6, 1),
        window_p95_ms=[p95 - 6, p95 - 2, p95, p95 + 3, p95 + 5],
        stages=[
            StageStats(
                index=0,
                start_s=0,
                end_s=30,
                target_from=0,
                target_to=20,
                requests=1800,
                rps=60.0,
                error_rate=0.011,
                p95_ms=p95 * 1.3,
            ),
            StageStats(
                index=1,
                start_s=30,
                end_s=90,
                target_from=20,
                target_to=20,
                requests=9000,
                rps=150.0,
                error_rate=0.0,
                p95_ms=p95,
            ),
            StageStats(
                index=2,
                start_s=90,
                end_s=100,
                target_from=20,
                target_to=0,
                requests=1200,
                rps=120.0,
                error_rate=0.0,
                p95_ms=p95 * 0.8,
            ),
        ],
        routes=routes or [RouteRunStats(route="GET /products/{id}", requests=8000, p95_ms=p95)],
    )


def advice_input(routes: list[RouteRunStats] | None = None, note: str = "") -> AdviceInput:
    return AdviceInput(
        plan_name="shop",
        stages=[
            Stage(duration="30s", target=20, name="ramp"),
            Stage(duration="60s", target=20, name="hold"),
            Stage(duration="10s", target=0, name="down"),
        ],
        thresholds={"http_req_duration": ["p(95)<500"], "http_req_failed": ["rate<0.01"]},
        run=run_stats("run-7", 220.0, routes),
        baseline=[run_stats(f"base-{i}", p) for i, p in enumerate(BASELINE_P95)],
        note=note,
    )


def threshold(metric: str, new: str, evidence: float, old: str = "p(95)<500") -> dict[str, Any]:
    return {
        "kind": "threshold",
        "id": f"threshold:{metric}",
        "metric": metric,
        "old": [old],
        "new": [new],
        "reason": "set from the baseline's run-to-run spread plus a margin",
        "evidence": [{"name": "baseline p95, max of 5 runs", "value": evidence, "unit": "ms"}],
        "confidence": 0.8,
    }


def valid_answer() -> dict[str, Any]:
    """A sound answer: tighter p95 bound from the baseline, a longer first ramp."""
    return {
        "regression": False,
        "reason": "p95 220 ms sits inside the baseline's spread; the ramp carries the errors",
        "confidence": 0.75,
        "new_thresholds": [threshold("http_req_duration", "p(95)<260", 215.0)],
        "stage_adjustments": [
            {
                "kind": "stage",
                "id": "stage:0",
                "type": "lengthen_ramp",
                "stage": 0,
                "change": "ramp to 20 over 60s instead of 30s",
                "new_stages": [{"duration": "60s", "target": 20, "name": "ramp"}],
                "reason": "errors concentrate in the 30 s ramp",
                "evidence": [{"name": "stage 0 error rate", "value": 0.011, "unit": "ratio"}],
                "confidence": 0.7,
            }
        ],
        "remove": [],
        "findings": [],
    }


def settings_for(base_url: str, timeout_s: float = 10.0, key: str = KEY) -> LlmSettings:
    return LlmSettings.from_env(
        {
            "OPENAI_API_KEY": key,
            "OPENAI_BASE_URL": base_url,
            "LOADTUI_MODEL": "stub-model",
            "LOADTUI_LLM_TIMEOUT": str(timeout_s),
        }
    )
