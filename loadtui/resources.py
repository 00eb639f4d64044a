"""Where the files loadtui ships beside its code are: the themes and the sample data.

They live at the top of the repo (`themes/`, `sample_data/`), where people edit them. A wheel
has no repo around it, so the build copies them into the package as `loadtui/_data/` (hatch
`force-include` in pyproject.toml). Lookups try that packaged copy first and fall back to the
source tree, so an installed wheel, an editable install and a plain checkout all find them.
Plain paths rather than `importlib.resources`: themes are loaded with
`spec_from_file_location` and logs are opened by path, and loadtui is never run from a zip.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGED_DATA = PACKAGE_DIR / "_data"  # only in an installed wheel
SOURCE_TREE = PACKAGE_DIR.parent  # the repo root, in a checkout or editable install

SAMPLE_LOG_NAME = "shop_access.log"


def data_dir(name: str) -> Path:
    """The shipped folder `name`: the packaged copy if there is one, else the repo's."""
    packaged = PACKAGED_DATA / name
    return packaged if packaged.is_dir() else SOURCE_TREE / name


def themes_dir() -> Path:
    """The project's theme files (`dark.py`, `light.py`, `high_contrast.py`)."""
    return data_dir("themes")


def sample_data_dir() -> Path:
    """The sample logs and their README (what they are, where they come from, licences)."""
    return data_dir("sample_data")


def sample_log() -> Path:
    """The demo shop's generated access log; may not exist in a checkout without it."""
    return sample_data_dir() / SAMPLE_LOG_NAME
