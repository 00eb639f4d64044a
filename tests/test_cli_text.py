"""What loadtui tells the user names only commands that exist.

`--help` and the header of every generated plan once promised forecasts and `loadtui heal`,
which are planned but not built. The commands are read from the argparse sub-parsers, so a
command added later may be named as soon as it exists.
"""

from __future__ import annotations

import argparse
import re

import pytest

from loadtui.cli import build_parser
from loadtui.contracts import Stage, TestPlan
from loadtui.plan.yaml_io import dumps_plan

# planned in docs/ARCHITECTURE.md; not to be promised until they are sub-commands
PLANNED = ("heal", "forecast", "advise", "export", "import", "analyze", "validate", "patch")
MENTION = re.compile(r"\bloadtui ([a-z][a-z-]*)\b")


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("loadtui has no sub-commands")


def _texts() -> dict[str, str]:
    """Every help text: the top level and each sub-command."""
    parser = build_parser()
    texts = {"loadtui --help": parser.format_help()}
    for name, sub in _subparsers(parser).items():
        texts[f"loadtui {name} --help"] = sub.format_help()
    return texts


def _commands() -> set[str]:
    return set(_subparsers(build_parser()))


def _unknown_mentions(text: str) -> set[str]:
    """`loadtui WORD` where WORD is not a sub-command (flags and prose words excepted)."""
    prose = {"test", "reads", "or", "turns", "itself"}  # "loadtui test plan", "loadtui reads"
    return {w for w in MENTION.findall(text) if w not in _commands() | prose}


def _planned_words(text: str) -> set[str]:
    missing = [w for w in PLANNED if w not in _commands()]
    return {w for w in missing if re.search(rf"\b{w}(s|ed|ing)?\b", text, re.IGNORECASE)}


def test_demo_is_a_command() -> None:
    assert {"synth", "profile", "plan", "run", "target", "demo"} <= _commands()


@pytest.mark.parametrize("where", sorted(_texts()))
def test_help_names_only_commands_that_exist(where: str) -> None:
    text = _texts()[where]
    assert not _unknown_mentions(text), where
    assert not _planned_words(text), where


def test_a_generated_plan_header_names_only_commands_that_exist() -> None:
    plan = TestPlan(stages=[Stage(duration="1m", target=1.0)], source_model="model.json")
    text = dumps_plan(plan)
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    assert "loadtui run" in header  # the hint that is real stays
    assert not _unknown_mentions(header)
    assert not _planned_words(header)
