"""Suite-wide: which tests measure load precisely and so run alone (`make test` runs the rest
on three pytest workers first, then these one at a time: on 2 cores, a parallel neighbour moved
a route mix by 20 % and latency verdicts by more than their margins). The twin's knee tests
left this list once the demo target kept its slots in virtual time and the runs read its busy
time: their estimates no longer depend on how busy the box is. The validation acceptance left it
too: it judges counts (route mix 0.07-0.08 of TVD beside a busy TUI test, against 0.15)."""

from __future__ import annotations

import pytest

SERIAL_FILES = (
    "tests/advise/test_advise_vs_target.py",
    "tests/analyze/test_regression_vs_target.py",
    "tests/distributed/test_locust_engine.py",
    "tests/e2e/test_live_stress.py",
    "tests/engine/test_engine_vs_target.py",
    "tests/engine/test_rate_true.py",
    "tests/export/test_export_locust_runs.py",
    "tests/target/test_target_stand_in_acceptance.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.split("::", 1)[0] in SERIAL_FILES:
            item.add_marker(pytest.mark.serial)
