"""Every sub-command and every option of ``bilan-bot`` says what it is for in ``--help``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from bot.cli import build_parser


def walk(
    parser: argparse.ArgumentParser, path: str = "bilan-bot"
) -> Iterator[tuple[str, str | None]]:
    """(where, help) for every option and sub-command, down the whole tree."""
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield f"{path} {name}", helps.get(name)
                yield from walk(sub, f"{path} {name}")
            continue
        yield f"{path} {'/'.join(action.option_strings) or action.dest}", action.help


def test_every_option_and_subcommand_has_help() -> None:
    found = list(walk(build_parser()))
    assert len(found) > 20  # the walk did reach the tree
    missing = [where for where, text in found if not text or text == argparse.SUPPRESS]
    assert missing == []


def test_help_runs_for_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    """``--help`` at each level prints and exits 0 (a broken help text raises instead)."""
    wheres = [where.split()[1:] for where, _ in walk(build_parser())]
    paths = [path for path in wheres if not path[-1].startswith("-")]
    assert ["counsellor", "add"] in paths
    for path in [[], *paths]:
        with pytest.raises(SystemExit) as stop:
            build_parser().parse_args([*path, "--help"])
        assert stop.value.code == 0, path
        assert "usage: bilan-bot" in capsys.readouterr().out
