"""Atomic writes with a backup, restore, and the diffs shown for each edit and for the patch."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from patch_scripts import SEEDS, SPREAD, adjust, remove, threshold

from loadtui.patch.apply import apply_edits
from loadtui.patch.diff import edit_diffs, unified
from loadtui.patch.errors import PatchError
from loadtui.patch.kind import detect_kind
from loadtui.patch.write import restore_backup, write_atomic


def test_write_keeps_a_backup_and_the_mode_and_restore_undoes(tmp_path: Path) -> None:
    script = tmp_path / "load.js"
    script.write_text(SEEDS)
    script.chmod(0o640)
    new = apply_edits("k6", SEEDS, [threshold("http_req_duration", "p(95)<800")])
    bak = write_atomic(script, new)
    assert bak == tmp_path / "load.js.bak"
    assert bak.read_text() == SEEDS and script.read_text() == new
    assert stat.S_IMODE(script.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["load.js", "load.js.bak"]  # no temp left
    restore_backup(script)
    assert script.read_text() == SEEDS


def test_write_refuses_a_missing_file_and_restore_without_backup(tmp_path: Path) -> None:
    with pytest.raises(PatchError, match="not found"):
        write_atomic(tmp_path / "nope.js", "x")
    (tmp_path / "a.yaml").write_text("x: 1\n")
    with pytest.raises(PatchError, match="no backup"):
        restore_backup(tmp_path / "a.yaml")
    assert not (tmp_path / "nope.js").exists()


def test_a_failed_write_leaves_the_file_alone(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    folder = tmp_path / "ro"
    folder.mkdir()
    script = folder / "load.js"
    script.write_text(SEEDS)
    folder.chmod(0o500)
    try:
        with pytest.raises(PatchError, match="cannot write"):
            write_atomic(script, "changed")
        assert script.read_text() == SEEDS
    finally:
        folder.chmod(0o700)


def test_one_diff_per_edit_each_alone() -> None:
    edits = [threshold("http_req_duration", "p(95)<800"), adjust(0, ("20s", 2000)), remove(9)]
    diffs = edit_diffs("k6", SEEDS, edits, "load.js")
    assert [d.edit_id for d in diffs] == ["threshold:http_req_duration", "stage:0", "remove:9"]
    first, second, third = diffs
    assert first.lines[:2] == ["--- a/load.js", "+++ b/load.js"]
    assert "-  thresholds: {http_req_duration: ['p(95)<500']}," in first.lines
    assert "+  thresholds: {http_req_duration: ['p(95)<800']}," in first.lines
    assert not any("20s" in line for line in first.lines)  # only its own change
    assert any("{duration:'20s', target: 2000}" in line for line in second.lines)
    assert third.lines == [] and third.error is not None and "no stage 9" in third.error
    assert first.title == "http_req_duration: (none) → p(95)<800"


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs the patch program")
def test_unified_patch_applies_with_patch(tmp_path: Path) -> None:
    new = apply_edits("k6", SPREAD, [threshold("checks", "rate>0.9"), remove(1)])
    text = unified(SPREAD, new, "load.js")
    (tmp_path / "load.js").write_text(SPREAD)
    done = subprocess.run(
        ["patch", "-p1", "-s"], input=text, text=True, cwd=tmp_path, capture_output=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "load.js").read_text() == new
    assert unified(SPREAD, SPREAD, "load.js") == ""
    assert unified("a", "b", "f").endswith("+b\n\\ No newline at end of file\n")


def test_kind_by_suffix_then_by_content() -> None:
    assert detect_kind(Path("x.js"), "") == "k6"
    assert detect_kind(Path("x.yml"), SEEDS) == "plan"
    assert detect_kind(Path("script"), SEEDS) == "k6"
    assert detect_kind(Path("plan"), "stages: []\n") == "plan"
