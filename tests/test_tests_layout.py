"""The test tree's import rules, so that any subset of test files collects on its own.

Test folders have no `__init__.py`: pytest (import mode `prepend`) puts each folder on
`sys.path` and imports its modules by their bare names. Every folder's `conftest.py` is then a
module named `conftest`, so `from conftest import x` reads whichever conftest was loaded last
(`pytest tests/tui tests/engine/test_histogram.py` failed to collect that way). Shared helpers
live in modules named after their folder (`tui_plans.py`, `engine_servers.py`, ...), and those
names must not repeat anywhere under tests/.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SKIP = {"__snapshots__", "fixtures"}


def _modules() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if not SKIP & set(p.relative_to(TESTS).parts))


def test_no_module_imports_from_a_conftest() -> None:
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            if any(name.split(".")[-1] == "conftest" for name in names):
                offenders.append(f"{path.relative_to(TESTS)}:{node.lineno}")
    assert not offenders, (
        "import helpers from a uniquely named module (e.g. tests/tui/tui_plans.py), not from a "
        f"conftest: {offenders}"
    )


def test_helper_and_test_module_names_are_unique_across_the_tree() -> None:
    where: defaultdict[str, list[str]] = defaultdict(list)
    for path in _modules():
        if path.name != "conftest.py":
            where[path.stem].append(str(path.relative_to(TESTS)))
    clashes = {name: paths for name, paths in where.items() if len(paths) > 1}
    assert not clashes, f"modules under tests/ share a name (one would shadow the other): {clashes}"
