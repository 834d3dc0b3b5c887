"""Every `resumeflow` command and subcommand answers `--help`."""

import argparse

import pytest

from cli.main import build_parser


def _command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                paths += _command_paths(sub, (*prefix, name))
    return paths


PATHS = _command_paths(build_parser())


def test_the_expected_commands_exist() -> None:
    assert {("stack", "up"), ("stack", "down"), ("stack", "status"), ("topics", "apply"), ("topics", "list"),
            ("worker",), ("user", "create"), ("user", "update"), ("demo",)} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "resumeflow")
def test_help_works(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*path, "--help"])
    assert exit_info.value.code == 0
    assert "usage: resumeflow" in capsys.readouterr().out
