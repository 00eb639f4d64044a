"""k6's end-of-test summary JSON, in the three shapes k6 has written over the years.

- `handleSummary(data)` object: `metrics.NAME = {type, contains, values{..}, thresholds{expr:
  {ok}}}` and `state.testRunDurationMs`.
- legacy `--summary-export`: each metric flattened to its values; a rate's rate is `value`;
  `thresholds` maps an expression to **true when it failed**; no test duration (k6's counter
  rate is count / duration, so the duration is read back from `http_reqs`).
- machine-readable v1 (`"version": "1.0.0"`): `results.metrics` is a list of `{name, type,
  contains, values}`, rates as `matches/total/rate`, counters without a rate,
  `config.duration` in seconds and `metadata.generatedAt`.

Totals are copied exactly as k6 printed them; nothing is recomputed from rounded values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from loadtui.contracts import ThresholdVerdict
from loadtui.errors import UserError
from loadtui.plan.thresholds import parse_threshold
from loadtui.store.importers.imported import ImportedRun
from loadtui.store.importers.text_files import modified_at

HANDLE_SUMMARY = "k6 handleSummary JSON"
LEGACY_EXPORT = "k6 legacy summary export JSON"
MACHINE_READABLE = "k6 machine-readable summary JSON (version 1.0.0)"
NDJSON = "k6 NDJSON (k6 run --out json=FILE, .gz too)"
K6_SHAPES = f"{HANDLE_SUMMARY}, {LEGACY_EXPORT}, {MACHINE_READABLE} or {NDJSON}"


def summary_shape(data: Any) -> str | None:
    """Which summary shape `data` is, or None when it is none of them."""
    if not isinstance(data, Mapping):
        return None
    results = data.get("results")
    if isinstance(results, Mapping) and isinstance(results.get("metrics"), list):
        return MACHINE_READABLE
    metrics = data.get("metrics")
    if not isinstance(metrics, Mapping) or not metrics:
        return None
    if not all(isinstance(m, Mapping) for m in metrics.values()):
        return None
    if any(isinstance(m.get("values"), Mapping) for m in metrics.values()):
        return HANDLE_SUMMARY
    if any(_numbers(m) for m in metrics.values()):
        return LEGACY_EXPORT
    return None


def read_summary(data: Any, path: Path) -> ImportedRun:
    shape = summary_shape(data)
    if shape == HANDLE_SUMMARY:
        return _handle_summary(data, path)
    if shape == LEGACY_EXPORT:
        return _legacy_export(data, path)
    if shape == MACHINE_READABLE:
        return _machine_readable(data, path)
    raise UserError(f"{path}: not a k6 result file this importer knows; it reads {K6_SHAPES}")


def _numbers(values: Any) -> dict[str, float]:
    """The numeric entries of a values object (booleans and nested objects left out)."""
    if not isinstance(values, Mapping):
        return {}
    out: dict[str, float] = {}
    for key, value in values.items():
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and math.isfinite(float(value)):
            out[str(key)] = float(value)
    return out


def _verdict(
    metric: str, expression: str, ok: bool, stats: Mapping[str, float]
) -> ThresholdVerdict:
    """A threshold as k6 judged it, with the value it judged when the summary holds it."""
    value: float | None = None
    try:
        stat = parse_threshold(expression).stat
        value = stats.get(stat)
        if value is None and stat == "p(50)":
            value = stats.get("med")
    except ValueError:
        pass  # k6 judged it; our parser not knowing the form does not change the verdict
    return ThresholdVerdict(metric=metric, expression=expression, ok=ok, value=value)


def _start_and_end(
    path: Path, duration_s: float, ended: datetime | None
) -> tuple[datetime, datetime, list[str]]:
    notes: list[str] = []
    if ended is None:
        ended = modified_at(path)
        notes.append(
            "the summary has no clock time: the run is dated by the file's modification time"
        )
    ended = ended.astimezone(UTC)
    return ended - timedelta(seconds=duration_s), ended, notes


def _handle_summary(data: Mapping[str, Any], path: Path) -> ImportedRun:
    metrics: dict[str, dict[str, float]] = {}
    verdicts: list[ThresholdVerdict] = []
    plan_thresholds: dict[str, list[str]] = {}
    for name, metric in data["metrics"].items():
        values = _numbers(metric.get("values"))
        metrics[name] = values
        for expr, result in (metric.get("thresholds") or {}).items():
            ok = bool(result.get("ok")) if isinstance(result, Mapping) else bool(result)
            verdicts.append(_verdict(name, str(expr), ok, values))
            plan_thresholds.setdefault(name, []).append(str(expr))
    raw_state = data.get("state")
    state: Mapping[str, Any] = raw_state if isinstance(raw_state, Mapping) else {}
    duration_ms = _numbers(state).get("testRunDurationMs")
    notes: list[str] = []
    if duration_ms is None:
        duration_s = _duration_from_rate(metrics)
        notes.append("the summary has no state.testRunDurationMs: duration is count / rate")
    else:
        duration_s = duration_ms / 1000.0
    started, ended, more = _start_and_end(path, duration_s, None)
    return ImportedRun(
        source="k6",
        name=path.stem,
        files=[path],
        started=started,
        ended=ended,
        duration_s=duration_s,
        metrics=metrics,
        thresholds=verdicts,
        plan_thresholds=plan_thresholds,
        notes=notes + more,
        shape=HANDLE_SUMMARY,
    )


def _duration_from_rate(metrics: Mapping[str, Mapping[str, float]]) -> float:
    """k6's counter rate is count / test duration, so any counter gives the duration back."""
    for name in ("http_reqs", "iterations", "data_received", "data_sent"):
        m = metrics.get(name, {})
        if m.get("count") and m.get("rate"):
            return m["count"] / m["rate"]
    return 0.0


def _legacy_export(data: Mapping[str, Any], path: Path) -> ImportedRun:
    metrics: dict[str, dict[str, float]] = {}
    verdicts: list[ThresholdVerdict] = []
    plan_thresholds: dict[str, list[str]] = {}
    for name, flat in data["metrics"].items():
        values = _numbers(flat)
        if "value" in values and ("passes" in values or "fails" in values):
            values["rate"] = values.pop("value")  # a rate metric: k6 wrote its rate as `value`
        metrics[name] = values
        for expr, failed in (flat.get("thresholds") or {}).items():
            # legacy export: true means the threshold FAILED
            verdicts.append(_verdict(name, str(expr), not bool(failed), values))
            plan_thresholds.setdefault(name, []).append(str(expr))
    duration_s = _duration_from_rate(metrics)
    started, ended, notes = _start_and_end(path, duration_s, None)
    notes.insert(0, "the legacy summary export has no test duration: duration is count / rate")
    return ImportedRun(
        source="k6",
        name=path.stem,
        files=[path],
        started=started,
        ended=ended,
        duration_s=duration_s,
        metrics=metrics,
        thresholds=verdicts,
        plan_thresholds=plan_thresholds,
        notes=notes,
        shape=LEGACY_EXPORT,
    )


def _machine_readable(data: Mapping[str, Any], path: Path) -> ImportedRun:
    raw_config = data.get("config")
    config: Mapping[str, Any] = raw_config if isinstance(raw_config, Mapping) else {}
    duration_s = _numbers(config).get("duration", 0.0)
    metrics: dict[str, dict[str, float]] = {}
    for metric in data["results"]["metrics"]:
        if not isinstance(metric, Mapping) or not isinstance(metric.get("name"), str):
            continue
        values = _numbers(metric.get("values"))
        kind = metric.get("type")
        if kind == "rate" and "matches" in values and "total" in values:
            # k6's own names for a rate elsewhere: passes are the true (non-zero) samples
            values["passes"] = values["matches"]
            values["fails"] = values["total"] - values["matches"]
        if kind == "counter" and "rate" not in values and "count" in values and duration_s:
            values["rate"] = values["count"] / duration_s
        metrics[metric["name"]] = values
    ended: datetime | None = None
    metadata = data.get("metadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("generatedAt"), str):
        try:
            ended = datetime.fromisoformat(metadata["generatedAt"].replace("Z", "+00:00"))
        except ValueError:
            ended = None
    started, end, notes = _start_and_end(path, duration_s, ended)
    script = config.get("script")
    name = Path(script).stem if isinstance(script, str) and script else path.stem
    return ImportedRun(
        source="k6",
        name=name,
        files=[path],
        started=started,
        ended=end,
        duration_s=duration_s,
        metrics=metrics,
        notes=notes,
        shape=MACHINE_READABLE,
    )
