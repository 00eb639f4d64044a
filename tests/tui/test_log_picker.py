"""What the collect step lists: the sample logs first, then log-like files in the folder."""

from __future__ import annotations

from pathlib import Path

from loadtui.resources import sample_log
from loadtui.tui.log_picker import candidates, looks_like_log, shown_name, walk_logs


def test_sample_log_first_then_the_folders_logs_filtered_by_typing(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "access.log.1").write_text("x")
    (tmp_path / "nginx.log.gz").write_bytes(b"x")
    (tmp_path / "notes.md").write_text("x")
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "windows.ndjson").write_text("x")  # a run folder: never offered
    (tmp_path / ".hidden.log").write_text("x")
    found = candidates(tmp_path)
    names = [shown_name(p, tmp_path) for p in found]
    if sample_log().is_file():
        assert names[0] == "sample_data/shop_access.log"
    assert "nginx.log.gz" in names and "logs/access.log.1" in names
    assert not any(n.endswith(("notes.md", "windows.ndjson", ".hidden.log")) for n in names)
    assert [shown_name(p, tmp_path) for p in candidates(tmp_path, "nginx")] == ["nginx.log.gz"]
    assert [shown_name(p, tmp_path) for p in candidates(tmp_path, "logs")] == [
        "logs/access.log.1"
    ]  # a folder typed: its logs


def test_walk_is_bounded(tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"a{i:02d}.log").write_text("x")
    assert len(walk_logs(tmp_path, limit=10)) == 10
    assert looks_like_log(Path("access_log")) and not looks_like_log(Path("README.md"))
