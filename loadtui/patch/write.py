"""Writing a patched file safely: the old bytes to `FILE.bak` first, then the new text to a temp
file in the same folder and `os.replace` onto the original, so a crash leaves either the old
file or the new one, never half of each, and `restore_backup` can always undo the last write."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from loadtui.patch.errors import PatchError


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + ".bak")


def _replace_bytes(path: Path, data: bytes, mode: int | None) -> None:
    """`data` into `path` atomically (temp file beside it, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise PatchError(f"cannot write {path}: {exc.strerror or exc}") from exc


def write_atomic(path: Path, text: str) -> Path:
    """Back up `path` to `path.bak`, then replace it by `text` (UTF-8); returns the backup's
    path. The file keeps its permission bits."""
    path = Path(path)
    try:
        old = path.read_bytes()
        mode = path.stat().st_mode & 0o7777
    except FileNotFoundError as exc:
        raise PatchError(f"{path} not found: heal patches an existing plan or script") from exc
    except OSError as exc:
        raise PatchError(f"cannot read {path}: {exc.strerror or exc}") from exc
    bak = backup_path(path)
    _replace_bytes(bak, old, mode)
    _replace_bytes(path, text.encode("utf-8"), mode)
    return bak


def restore_backup(path: Path) -> None:
    """Put `path.bak` back in place of `path` (the undo of `write_atomic`); the backup stays."""
    path = Path(path)
    bak = backup_path(path)
    try:
        data = bak.read_bytes()
        mode = bak.stat().st_mode & 0o7777
    except FileNotFoundError as exc:
        raise PatchError(f"no backup {bak} to restore: nothing was applied to {path}") from exc
    except OSError as exc:
        raise PatchError(f"cannot read {bak}: {exc.strerror or exc}") from exc
    _replace_bytes(path, data, mode)
