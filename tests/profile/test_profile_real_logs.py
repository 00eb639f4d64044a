"""Every shared third-party access log yields a sensible model, and `source` tells the truth."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest

from loadtui.profile.pipeline import build_model

LOGS = Path("/work/shared/data/access_logs")

# name → (lines, first day, last day, has response times, expected response p50 ms)
EXPECTED = {
    "elastic_apache_logs_combined.log": (10_000, date(2015, 5, 17), date(2015, 5, 20), None),
    "netnea_tutorial5_apache_extended.log": (10_000, date(2016, 9, 2), date(2016, 9, 29), 2.4),
    "otus_nginx_request_time_sample.log": (49, date(2017, 6, 29), date(2017, 6, 30), 136.0),
    "nasa_aug95_first100_clf.log": (100, date(1995, 8, 1), date(1995, 8, 1), None),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shared_access_log_yields_a_model(name: str) -> None:
    path = LOGS / name
    if not path.exists():
        pytest.skip(f"{path} not present on this machine")
    lines, first, last, rt_p50 = EXPECTED[name]
    model, assignments = build_model([path])
    src = model.source
    assert src.lines_total == lines
    assert 0 <= src.lines_bad <= 2, src.bad_examples
    assert src.requests == src.lines_total - src.lines_bad
    assert src.start is not None and src.end is not None
    # local times with offsets may shift the UTC day by one at either end
    assert abs((src.start.date() - first).days) <= 1, src.start
    assert abs((src.end.date() - last).days) <= 1, src.end
    if rt_p50 is None:
        assert src.response_ms_p50 is None
    else:
        assert src.response_ms_p50 == pytest.approx(rt_p50, rel=0.1)

    assert model.personas, "no personas"
    assert sum(p.sessions for p in model.personas) == src.sessions == assignments.height
    assert sum(p.requests for p in model.personas) == src.requests
    assert sum(p.share for p in model.personas) == pytest.approx(1.0)
    assert src.bot_sessions == int(assignments["is_bot"].sum())
    assert 1 <= model.clustering.k <= min(8, max(1, src.sessions))
    names = [p.name for p in model.personas]
    assert len(set(names)) == len(names)
    for p in model.personas:
        chain = p.transitions
        assert sum(chain.entry) == pytest.approx(1.0)
        rows = np.asarray(chain.matrix).sum(axis=1) + np.asarray(chain.exit)
        np.testing.assert_allclose(rows, 1.0, atol=1e-9)
        assert p.top_paths
        assert p.think_time_s.n >= 0
    assert model.arrivals.mean_sessions_per_s > 0
    assert model.arrivals.peak_factor >= 1.0
