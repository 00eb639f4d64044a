"""A wheel built from the repo, installed into a fresh venv, has its themes and sample data.

The data lives at the top of the repo (`themes/`, `sample_data/`), not in the package, so
nothing but a real build + install shows that a user who did `pip install loadtui` gets it.
The fresh venv borrows the project venv's dependencies through a `.pth` file (no download);
the project's own editable loadtui is not on that path (`.pth` files in a directory added by a
`.pth` line are not processed), and the test checks the import really comes from the wheel.
Everything runs from a temporary directory, never the repo, so no relative path can help.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_SAMPLE_FILES = {
    "README.md",
    "shop_access.log",
    "shop_truth.csv",
    "elastic_apache_sample.log",
}

# Run inside the fresh venv: where loadtui, its themes and its sample data come from.
PROBE = """
import json, loadtui
from loadtui.resources import sample_data_dir, sample_log
from loadtui.tui.launch import SAMPLE_LOG, check_theme
from loadtui.tui.themes import load_themes
check_theme("light")
print(json.dumps({
    "package": loadtui.__file__,
    "themes": sorted(load_themes()),
    "sample_log": str(sample_log()),
    "launch_sample_log": str(SAMPLE_LOG),
    "sample_files": sorted(p.name for p in sample_data_dir().iterdir()),
}))
"""


def _run(cmd: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=90)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    """(venv dir, a working directory outside the repo, environment) with the wheel installed."""
    pytest.importorskip("hatchling", reason="hatchling is in the dev extra: pip install -e .[dev]")
    base = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["XDG_CONFIG_HOME"] = str(base / "config")  # no user themes to count as shipped ones
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    dist = base / "dist"
    pip = [sys.executable, "-m", "pip"]
    built = _run(
        [*pip, "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q", "-w", str(dist)],
        cwd=base,
        env=env,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = dist.glob("loadtui-*.whl")

    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base, env=env)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    # the project venv's pip installs into the new venv: no pip (or network) needed there
    done = _run(
        [*pip, "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
        cwd=base,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    purelib = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=base,
        env=env,
    ).stdout.strip()
    deps = sysconfig.get_paths()["purelib"]  # the project venv's site-packages
    (Path(purelib) / "_loadtui_test_deps.pth").write_text(deps + "\n")
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    return venv, elsewhere, env


def test_installed_wheel_has_themes_and_sample_data(
    installed: tuple[Path, Path, dict[str, str]],
) -> None:
    venv, elsewhere, env = installed
    probe = _run([str(venv / "bin" / "python"), "-c", PROBE], cwd=elsewhere, env=env)
    assert probe.returncode == 0, probe.stderr
    found = json.loads(probe.stdout)

    package = Path(found["package"]).parent
    assert package.is_relative_to(venv), f"loadtui imported from {package}, not the wheel"
    assert {"dark", "light", "high-contrast"} <= set(found["themes"])
    sample_log = Path(found["sample_log"])
    assert sample_log.is_file() and sample_log.is_relative_to(package)
    assert found["launch_sample_log"] == found["sample_log"]
    assert set(found["sample_files"]) >= SHIPPED_SAMPLE_FILES  # the README carries attribution


def test_installed_cli_accepts_light_and_lists_the_shipped_themes(
    installed: tuple[Path, Path, dict[str, str]],
) -> None:
    venv, elsewhere, env = installed
    loadtui = str(venv / "bin" / "loadtui")
    assert _run([loadtui, "--theme", "light", "--help"], cwd=elsewhere, env=env).returncode == 0
    helped = _run([loadtui, "demo", "--help"], cwd=elsewhere, env=env)
    assert helped.returncode == 0 and "loadtui demo --port" in helped.stdout
    # an unknown theme is refused before the TUI opens, naming every theme that was found
    refused = _run([loadtui, "--theme", "nope"], cwd=elsewhere, env=env)
    assert refused.returncode == 2
    assert "choose one of: dark, high-contrast, light" in refused.stderr
