"""Plans for the exporter tests and a way to load an exported k6 script under node.

The sample-log model is profiled once per test session (about 2 s). k6 itself is not
installed; node loads the script as an ES module with k6's modules stubbed
(tests/export/k6_stub), so the options object is read exactly as k6 would evaluate it and
each persona's function can be run to see the requests it sends.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from loadtui.contracts import TestPlan, TrafficModel

HERE = Path(__file__).resolve().parent
NODE = shutil.which("node")


@functools.lru_cache(maxsize=1)
def sample_model() -> TrafficModel:
    from loadtui.profile.pipeline import build_model
    from loadtui.resources import sample_log

    return build_model([sample_log()])[0]


def sample_plan(**kwargs: Any) -> TestPlan:
    from loadtui.plan.build import build_plan

    return build_plan(sample_model(), **kwargs)


def node_check(script: Path) -> None:
    """`node --check` on a `.mjs` copy: the script parses as an ES module."""
    assert NODE is not None
    mjs = script.with_suffix(".mjs")
    if mjs != script:
        shutil.copyfile(script, mjs)
    done = subprocess.run([NODE, "--check", str(mjs)], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def load_k6(script: Path, iterations: int = 0, *, expire_once: bool = False) -> dict[str, Any]:
    """{options, requests}: the script's options and what each persona sends in `iterations`."""
    assert NODE is not None
    node_check(script)
    modules = script.parent / "node_modules"
    if not modules.exists():
        modules.symlink_to(HERE / "k6_stub" / "node_modules", target_is_directory=True)
    done = subprocess.run(
        [
            NODE,
            str(HERE / "k6_harness.mjs"),
            str(script.with_suffix(".mjs")),
            str(iterations),
            "expire" if expire_once else "",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    out: dict[str, Any] = json.loads(done.stdout)
    return out
