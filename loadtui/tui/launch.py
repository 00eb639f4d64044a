"""`loadtui` with no sub-command: check the arguments, open the TUI, clean up after it."""

from __future__ import annotations

import argparse
from pathlib import Path

from loadtui.errors import UserError
from loadtui.tui.workspace import Workspace

SAMPLE_LOG = Path("sample_data") / "shop_access.log"


def workspace_from_args(args: argparse.Namespace) -> Workspace:
    """What to open: --model, else --log, else the shipped sample log, else nothing (wizard)."""
    target = getattr(args, "target", None)
    if target is not None and not str(target).startswith(("http://", "https://")):
        raise UserError(f"--target {target!r} is not an http(s) URL; e.g. http://127.0.0.1:8080")
    ws = Workspace(target=target.rstrip("/") if target else None)
    model = getattr(args, "model", None)
    logs = getattr(args, "log", None)
    if model:
        from loadtui.profile.pipeline import load_model

        ws.model_path = Path(model)
        if not ws.model_path.is_file():
            raise UserError(f"model file not found: {model}; make one with `loadtui profile`")
        ws.model = load_model(ws.model_path)
    if logs:
        missing = [p for p in logs if not Path(p).is_file()]
        if missing:
            raise UserError(f"log file not found: {', '.join(missing)}; check the path")
        ws.log_paths = [Path(p) for p in logs]
    elif not model and SAMPLE_LOG.is_file():
        ws.log_paths = [SAMPLE_LOG]
    return ws


def check_theme(name: str | None) -> None:
    if name is None:
        return
    from loadtui.tui.themes import load_themes

    known = sorted(load_themes())
    if name not in known:
        raise UserError(f"unknown theme {name!r}; choose one of: {', '.join(known)}")


def launch(args: argparse.Namespace) -> int:
    theme = getattr(args, "theme", None)
    check_theme(theme)
    workspace = workspace_from_args(args)
    from loadtui.tui.app import LoadtuiApp

    app = LoadtuiApp(workspace, theme_name=theme)
    try:
        code = app.run()
    finally:
        app.run_cleanups()
    return int(code or 0)
