"""Result files as they arrive in practice: cut short, gzipped, CRLF, N/A cells, other shapes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from loadtui.errors import UserError
from loadtui.store.importers import read_runs, write_run
from loadtui.store.importers.k6 import read_k6
from loadtui.store.runs import load_run


def _point(metric: str, t: str, value: float, **tags: str) -> str:
    data = {"time": t, "value": value, "tags": tags}
    return json.dumps({"metric": metric, "type": "Point", "data": data})


def _declare(name: str, kind: str, thresholds: list[str] | None = None) -> str:
    data = {"name": name, "type": kind, "contains": "default", "thresholds": thresholds or []}
    return json.dumps({"type": "Metric", "data": data, "metric": name})


def _ndjson() -> list[str]:
    """Three requests in two seconds, one a 503; p(95) threshold that fails."""
    lines = [
        _declare("http_reqs", "counter"),
        _declare("http_req_duration", "trend", ["p(95)<100"]),
        _declare("http_req_failed", "rate", ["rate<0.5"]),
    ]
    for t, ms, status in (
        ("2024-08-22T01:14:00.100000001-03:00", 40.0, "200"),
        ("2024-08-22T01:14:00.900000000-03:00", 80.0, "200"),
        ("2024-08-22T01:14:01.500000000-03:00", 400.0, "503"),
    ):
        tags = {"name": "/items", "method": "GET", "status": status, "url": "http://h:1/items"}
        lines.append(_point("http_reqs", t, 1, **tags))
        lines.append(_point("http_req_duration", t, ms, **tags))
        lines.append(_point("http_req_failed", t, 1 if status == "503" else 0, **tags))
    return lines


def test_truncated_gzipped_ndjson_keeps_every_whole_line(tmp_path: Path) -> None:
    lines = _ndjson()
    text = "\n".join(lines) + "\n" + lines[-1][: len(lines[-1]) // 2]  # k6 killed mid-line
    path = tmp_path / "out.json.gz"  # .gz sniffed by content
    path.write_bytes(gzip.compress(text.encode()))

    run = read_k6(path)

    assert run.metrics["http_reqs"]["count"] == 3
    assert run.metrics["http_req_failed"] == {"rate": 1 / 3, "passes": 1.0, "fails": 2.0}
    assert run.metrics["http_req_duration"]["p(95)"] == pytest.approx(400 - 0.05 * 2 * 320)
    assert any("1 unreadable line(s) skipped (the last one, cut short)" in n for n in run.notes)
    assert [w.requests for w in run.windows] == [2, 1]
    assert run.windows[1].errors_by_class == {"http_5xx": 1}
    assert run.windows[1].status_counts == {"503": 1}
    assert run.windows[0].by_route["GET /items"].requests == 2
    assert run.target == "http://h:1"
    verdicts = {v.expression: v.ok for v in run.thresholds}
    assert verdicts == {"p(95)<100": False, "rate<0.5": True}


def test_locust_csv_with_crlf_na_and_its_own_percentiles(tmp_path: Path) -> None:
    header = "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
    header += "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
    stats = [
        header + "50%,95%,99.9%",
        "GET,/idle,0,0,N/A,0.0,N/A,N/A,0.0,0.0,0.0,N/A,N/A,N/A",
        "GET,/a,10,2,12.0,15.5,3.0,90.0,100.0,2.5,0.5,12,88,90",
        ",Aggregated,10,2,12.0,15.5,3.0,90.0,100.0,2.5,0.5,12,88,90",
    ]
    (tmp_path / "x_stats.csv").write_bytes(("\r\n".join(stats) + "\r\n").encode())
    history = [
        "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,95%,99.9%,"
        "Total Request Count,Total Failure Count,Total Median Response Time,"
        "Total Average Response Time,Total Min Response Time,Total Max Response Time,"
        "Total Average Content Size",
        "1700000000,1,,Aggregated,0.0,0.0,N/A,N/A,N/A,0,0,0,0.0,0,0,0",
        "1700000001,2,,Aggregated,4.0,0.0,10,20,20,4,0,10,10.0,3,20,100",
        "1700000002,2,,Aggregated,3.0,1.0,12,88,90,10,2,12,15.5,3,90,100",
    ]
    (tmp_path / "x_stats_history.csv").write_bytes(("\r\n".join(history) + "\r\n").encode())

    (run,) = read_runs("locust", [tmp_path / "x_stats_history.csv", tmp_path / "x_stats.csv"])

    dur = run.metrics["http_req_duration"]
    assert {k: dur[k] for k in ("p(50)", "p(95)", "p(99.9)", "med", "count")} == {
        "p(50)": 12.0,
        "p(95)": 88.0,
        "p(99.9)": 90.0,
        "med": 12.0,
        "count": 10.0,
    }
    assert run.metrics["http_req_failed"]["rate"] == 0.2
    assert run.metrics["http_reqs"] == {"count": 10.0, "rate": 2.5}
    idle = run.metrics["http_req_duration{method:GET,name:/idle}"]
    assert "p(95)" not in idle and idle["count"] == 0  # N/A is missing, not 0 ms
    assert [(w.t, w.requests, w.errors, w.active) for w in run.windows] == [
        (1.0, 0, 0, 1),
        (2.0, 4, 0, 2),
        (3.0, 6, 2, 2),
    ]
    # the window's mean from the running means: (15.5 * 10 - 10 * 4) / 6
    assert run.windows[2].latency.mean == pytest.approx((155 - 40) / 6)
    assert run.duration_s == 3.0


def test_unknown_json_shape_names_the_shapes_accepted(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"stats": {"requests": 3}}))
    with pytest.raises(UserError) as caught:
        read_k6(path)
    message = str(caught.value)
    for shape in ("handleSummary", "legacy summary export", "machine-readable", "NDJSON"):
        assert shape in message


def test_legacy_export_thresholds_are_true_when_failed(tmp_path: Path) -> None:
    doc = {
        "metrics": {
            "http_reqs": {"count": 100, "rate": 10.0},
            "http_req_failed": {
                "passes": 5,
                "fails": 95,
                "value": 0.05,
                "thresholds": {"rate<0.01": True},
            },
            "http_req_duration": {
                "avg": 12.5,
                "p(95)": 30.25,
                "p(99.9)": 80.0,
                "thresholds": {"p(95)<500": False},
            },
        }
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(doc, indent=4))
    run = read_k6(path)
    assert run.metrics["http_req_failed"] == {"passes": 5.0, "fails": 95.0, "rate": 0.05}
    assert run.metrics["http_req_duration"] == {"avg": 12.5, "p(95)": 30.25, "p(99.9)": 80.0}
    assert {(v.expression, v.ok, v.value) for v in run.thresholds} == {
        ("rate<0.01", False, 0.05),
        ("p(95)<500", True, 30.25),
    }
    assert run.duration_s == 10.0  # count / rate


def test_machine_readable_summary(tmp_path: Path) -> None:
    doc = {
        "version": "1.0.0",
        "metadata": {"generatedAt": "2025-03-01T10:00:20+01:00", "k6Version": "1.0.0"},
        "config": {"duration": 20.0, "execution": "local", "script": "/x/checkout.js"},
        "results": {
            "metrics": [
                {
                    "name": "http_reqs",
                    "type": "counter",
                    "contains": "default",
                    "values": {"count": 400},
                },
                {
                    "name": "http_req_failed",
                    "type": "rate",
                    "contains": "default",
                    "values": {"matches": 8, "total": 400, "rate": 0.02},
                },
                {
                    "name": "http_req_duration",
                    "type": "trend",
                    "contains": "time",
                    "values": {"avg": 20.0, "med": 18.0, "p(90)": 30.0, "p(95)": 41.5},
                },
            ]
        },
    }
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(doc))
    run = read_k6(path)
    assert run.name == "checkout"
    assert run.metrics["http_reqs"] == {"count": 400.0, "rate": 20.0}
    assert run.metrics["http_req_failed"]["rate"] == 0.02
    assert run.metrics["http_req_failed"]["passes"] == 8
    assert run.metrics["http_req_duration"]["p(95)"] == 41.5
    assert run.started.isoformat() == "2025-03-01T09:00:00+00:00"

    record, run_dir = write_run(run, tmp_path / "runs")
    assert load_run(run_dir)[0] == record
