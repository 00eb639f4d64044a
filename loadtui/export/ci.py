"""The GitHub Actions workflow `loadtui ci init` writes: the three tiers performance teams run.

- smoke, on every pull request: a 30 s plan, its thresholds, then `loadtui analyze` against
  the committed baseline runs (exit 99 on a regression fails the check), then `loadtui heal`,
  whose suggested edits (a diff and a markdown summary) go to the job summary, never applied;
- load, nightly on a schedule: the plan at the expected peak;
- stress, weekly: beyond the peak, to see where it breaks.

Every step is a loadtui command (`run --headless` exits 99 when a threshold fails, which fails
the job) and every run folder is uploaded as an artifact, pass or fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from loadtui.export.escape import yaml_dump

WORKFLOW_PATH = ".github/workflows/loadtui.yml"


@dataclass(frozen=True)
class CiLayout:
    """Where the workflow finds what the repository commits."""

    folder: str = "loadtest"  # smoke.yaml, load.yaml, stress.yaml, baseline/<run>/
    python: str = "3.11"
    package: str = "loadtui"  # what `pip install` installs
    nightly_cron: str = "0 2 * * *"  # 02:00 UTC
    weekly_cron: str = "0 3 * * 6"  # Saturday 03:00 UTC

    @property
    def baseline(self) -> str:
        return f"{self.folder}/baseline"


def _setup(layout: CiLayout) -> list[dict[str, Any]]:
    return [
        {"uses": "actions/checkout@v4"},
        {"uses": "actions/setup-python@v5", "with": {"python-version": layout.python}},
        {"name": "Install loadtui", "run": f"python -m pip install {layout.package}"},
    ]


def _upload(name: str, path: str) -> dict[str, Any]:
    return {
        "name": "Upload the run folder",
        "if": "always()",
        "uses": "actions/upload-artifact@v4",
        "with": {"name": name, "path": path, "if-no-files-found": "warn"},
    }


def _job(name: str, condition: str, minutes: int, steps: list[dict[str, Any]]) -> CommentedMap:
    job = CommentedMap()
    job["name"] = name
    job["if"] = condition
    job["runs-on"] = "ubuntu-latest"
    job["timeout-minutes"] = minutes
    job["steps"] = CommentedSeq(steps)
    return job


def _run(layout: CiLayout, plan: str, out: str) -> dict[str, Any]:
    return {
        "name": f"loadtui run {plan} (exit 99 when a threshold fails)",
        "run": f'loadtui run {layout.folder}/{plan} --headless --target "$LOADTUI_TARGET" '
        f"--out {out}",
    }


def _heal(layout: CiLayout, plan: str) -> list[dict[str, Any]]:
    """`loadtui heal` after the run, even a failed one (stale thresholds fail runs too): the
    suggested edits to the plan as a diff and a markdown summary on the job's summary page.
    Exit 3 (edits proposed) does not fail the job, and nothing is applied in CI."""
    return [
        {
            "name": "Suggest threshold and stage edits (loadtui heal; proposes, never applies)",
            "if": "always()",
            "run": f"loadtui heal ci-runs/*/ --plan {layout.folder}/{plan} --baseline "
            f"{layout.baseline}/*/ --markdown ci-runs/heal.md || test $? -eq 3",
        },
        {
            "name": "Post the heal summary on the job summary page",
            "if": "always()",
            "run": "if [ -f ci-runs/heal.md ]; then "
            'cat ci-runs/heal.md >> "$GITHUB_STEP_SUMMARY"; fi',
        },
    ]


def workflow(layout: CiLayout | None = None) -> CommentedMap:
    layout = layout or CiLayout()
    on = CommentedMap()
    on["pull_request"] = None
    on["schedule"] = [{"cron": layout.nightly_cron}, {"cron": layout.weekly_cron}]
    on["workflow_dispatch"] = {
        "inputs": {
            "tier": {
                "description": "which tier to run by hand",
                "type": "choice",
                "options": ["smoke", "load", "stress"],
                "default": "smoke",
            }
        }
    }
    smoke = _job(
        "smoke (30 s, gated on the committed baseline)",
        "github.event_name == 'pull_request' || inputs.tier == 'smoke'",
        10,
        [
            *_setup(layout),
            _run(layout, "smoke.yaml", "ci-runs"),
            {
                "name": "Compare with the baseline runs (exit 99 on a regression)",
                "run": f"loadtui analyze ci-runs/*/ --baseline {layout.baseline}/*/ --out ci-runs",
            },
            *_heal(layout, "smoke.yaml"),
            _upload("loadtui-smoke", "ci-runs/"),
        ],
    )
    load = _job(
        "load (nightly, at the expected peak)",
        f"github.event.schedule == '{layout.nightly_cron}' || inputs.tier == 'load'",
        90,
        [
            *_setup(layout),
            _run(layout, "load.yaml", "ci-runs"),
            _upload("loadtui-load", "ci-runs/"),
        ],
    )
    stress = _job(
        "stress (weekly, beyond the peak)",
        f"github.event.schedule == '{layout.weekly_cron}' || inputs.tier == 'stress'",
        120,
        [
            *_setup(layout),
            _run(layout, "stress.yaml", "ci-runs"),
            _upload("loadtui-stress", "ci-runs/"),
        ],
    )
    doc = CommentedMap()
    doc["name"] = "loadtui"
    doc["on"] = on
    doc["concurrency"] = {"group": "loadtui-${{ github.ref }}", "cancel-in-progress": False}
    doc["env"] = {"LOADTUI_TARGET": "${{ vars.LOADTUI_TARGET }}"}
    jobs = CommentedMap()
    jobs["smoke"] = smoke
    jobs["load"] = load
    jobs["stress"] = stress
    doc["jobs"] = jobs
    doc.yaml_set_start_comment(
        "\n".join(
            [
                "Load tests with loadtui, in three tiers (written by `loadtui ci init`).",
                f"  smoke  every pull request: {layout.folder}/smoke.yaml (30 s), then "
                "`loadtui analyze` against",
                f"         the baseline runs committed in {layout.baseline}/ "
                "(make them: run smoke.yaml 3 times and",
                "         commit the run folders); exit 99 on a failed threshold or a "
                "regression fails the check;",
                "         then `loadtui heal` suggests threshold and stage edits to smoke.yaml "
                "on the job summary page",
                "         (exit 3 when it has any; apply them locally with --apply after review)",
                f"  load   nightly ({layout.nightly_cron} UTC): {layout.folder}/load.yaml",
                f"  stress weekly ({layout.weekly_cron} UTC): {layout.folder}/stress.yaml",
                "The system under test is the repository variable LOADTUI_TARGET "
                "(Settings > Variables), e.g. a",
                "staging URL. Every run folder is uploaded as an artifact, pass or fail.",
            ]
        )
    )
    return doc


def workflow_text(layout: CiLayout | None = None) -> str:
    return yaml_dump(workflow(layout))
