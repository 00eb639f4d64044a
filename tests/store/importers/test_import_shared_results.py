"""Every k6 and Locust result file in ../shared/data imports, and its totals (request count,
p95, failure rate) equal what the file itself states, read here independently with json/csv."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from loadtui.store.history import get_run, index_path
from loadtui.store.importers import read_runs, write_run
from loadtui.store.runs import load_run

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
K6_FILES = sorted(p for p in (SHARED / "k6").rglob("*") if p.is_file() and p.suffix != ".md")
LOCUST_STATS = sorted((SHARED / "locust").rglob("*_stats.csv"))


def _values(metric: dict[str, Any]) -> dict[str, Any]:
    return metric["values"] if isinstance(metric.get("values"), dict) else metric


def k6_expected(path: Path) -> tuple[float, float | None, float]:
    """(requests, p95 or None when the file has none, failure rate) as the file states them."""
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, dict) and "Point" not in str(doc.get("type")):
        if isinstance(doc.get("results"), dict):
            metrics = {m["name"]: m for m in doc["results"]["metrics"]}
        else:
            metrics = doc["metrics"]
        failed = _values(metrics["http_req_failed"])
        rate = failed["rate"] if "rate" in failed else failed["value"]
        return (
            _values(metrics["http_reqs"])["count"],
            _values(metrics["http_req_duration"]).get("p(95)"),
            rate,
        )
    # NDJSON: k6 itself would sum http_reqs, interpolate p(95) between ranks, and count
    # non-zero http_req_failed samples
    requests = 0.0
    durations: list[float] = []
    failed_samples: list[float] = []
    for line in text.splitlines():
        obj = json.loads(line)
        if obj["type"] != "Point":
            continue
        value = obj["data"]["value"]
        if obj["metric"] == "http_reqs":
            requests += value
        elif obj["metric"] == "http_req_duration":
            durations.append(value)
        elif obj["metric"] == "http_req_failed":
            failed_samples.append(value)
    return (
        requests,
        float(np.percentile(durations, 95)),
        sum(1 for v in failed_samples if v) / len(failed_samples),
    )


def locust_expected(stats: Path) -> tuple[float, float | None, float]:
    with stats.open(newline="", encoding="utf-8") as fh:
        total = next(r for r in csv.DictReader(fh) if r["Name"] == "Aggregated")
    requests = float(total["Request Count"])
    return requests, float(total["95%"]), float(total["Failure Count"]) / requests


CASES = [("k6", p) for p in K6_FILES] + [("locust", p) for p in LOCUST_STATS]


@pytest.mark.parametrize(
    ("tool", "path"), CASES, ids=[f"{t}:{p.parent.name}/{p.name}" for t, p in CASES]
)
def test_imported_totals_are_the_files_own(tool: str, path: Path, tmp_path: Path) -> None:
    (imported,) = read_runs(tool, [path])  # type: ignore[arg-type]
    written, run_dir = write_run(imported, tmp_path)

    record, windows = load_run(run_dir)
    assert record == written
    expected = k6_expected(path) if tool == "k6" else locust_expected(path)
    requests, p95, failure_rate = expected
    m = record.metrics
    assert record.source == tool and record.state == "complete"
    assert m["http_reqs"]["count"] == requests
    if p95 is None:  # e.g. a legacy export with summaryTrendStats p(99),p(99.9) only
        assert "p(95)" not in m["http_req_duration"]
    else:
        assert m["http_req_duration"]["p(95)"] == pytest.approx(p95, rel=1e-12)
    assert m["http_req_failed"]["rate"] == pytest.approx(failure_rate, rel=1e-12, abs=1e-15)
    if windows:  # time series: the windows hold every request of the totals
        assert sum(w.requests for w in windows) == requests
        assert sum(w.errors for w in windows) == round(failure_rate * requests)

    row = get_run(index_path(tmp_path), record.run_id)
    assert row is not None and row.source == tool and row.requests == int(requests)
    assert row.p95 == m["http_req_duration"].get("p(95)")


@pytest.mark.parametrize("path", K6_FILES, ids=[p.parent.name for p in K6_FILES])
def test_k6_trend_percentiles_and_verdicts_are_copied_as_printed(path: Path) -> None:
    """Every stat of http_req_duration the summary gives (p(99.9) too) and every threshold
    verdict come through unchanged; legacy thresholds are true when FAILED."""
    (imported,) = read_runs("k6", [path])
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        pytest.skip("NDJSON: no printed stats to copy (covered by the totals test)")
    metric = doc["metrics"]["http_req_duration"]
    stated = {k: float(v) for k, v in _values(metric).items() if isinstance(v, int | float)}
    assert imported.metrics["http_req_duration"] == stated
    verdicts = {(v.metric, v.expression): v.ok for v in imported.thresholds}
    for name, m in doc["metrics"].items():
        for expr, result in (m.get("thresholds") or {}).items():
            ok = result["ok"] if isinstance(result, dict) else not result
            assert verdicts[(name, expr)] is ok
