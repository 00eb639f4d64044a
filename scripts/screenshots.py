"""Draw the README's screenshots: every pane at 80×24 as SVG in docs/screens/.

    .venv/bin/python scripts/screenshots.py [--theme dark] [--out docs/screens]   (make screenshots)

The panes are the snapshot tests' scenes (tests/tui/tui_scenes.py): pinned, hand-made data in a
temporary folder, TZ=UTC, the real app driven by Textual's pilot, `App.save_screenshot` at the
end. The same input gives the same files, so a changed SVG in a diff is a changed screen.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "tui"))  # the scenes and their fixtures live there


async def draw(name: str, theme: str, out: Path) -> Path:
    from tui_scenes import SCENES, TOO_SMALL

    scene = TOO_SMALL if name == TOO_SMALL.name else SCENES[name]
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="loadtui-shot-") as folder:
        os.chdir(folder)  # paths on screen are relative to the scene's folder
        try:
            app, run_before = scene.prepared(Path(folder), theme)
            async with app.run_test(size=scene.size) as pilot:
                await run_before(pilot)
                await pilot.pause()
                path = app.save_screenshot(filename=f"{name}.svg", path=str(out))
        finally:
            os.chdir(here)
    return Path(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theme", default="dark", help="dark, light or high-contrast")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screens")
    parser.add_argument("names", nargs="*", help="scenes to draw (default: all)")
    args = parser.parse_args()
    os.environ["TZ"] = "UTC"
    os.environ.pop("NO_COLOR", None)
    time.tzset()
    from tui_scenes import SCENES, TOO_SMALL

    names = args.names or [*SCENES, TOO_SMALL.name]
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        started = time.monotonic()
        path = asyncio.run(draw(name, args.theme, out))
        print(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
            f"  ({time.monotonic() - started:.1f} s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
