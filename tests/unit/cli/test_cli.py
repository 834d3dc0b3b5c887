"""Every `resumeflow` command and subcommand answers `--help`."""

import argparse
from pathlib import Path

import pytest

from cli.main import build_parser
from streams.errors import UserError


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
            ("worker",), ("user", "create"), ("user", "update"), ("demo",), ("learning", "report"),
            ("learning", "simulate")} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "resumeflow")
def test_help_works(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([*path, "--help"])
    assert exit_info.value.code == 0
    assert "usage: resumeflow" in capsys.readouterr().out


def test_importing_a_file_checks_it_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """A CSV discovery would refuse is refused at once, saying what was seen; a readable one is imported with
    the lines it skips listed."""
    monkeypatch.setenv("RESUMEFLOW_IMPORT_DIR", str(tmp_path / "imports"))
    refused = tmp_path / "jobs.csv"
    refused.write_text("name;link\nBaker;https://crumb.test/1\n")
    args = build_parser().parse_args(["discover", "import", str(refused)])
    with pytest.raises(UserError, match=r"no title column .* \['name', 'link'\].*; nothing imported"):
        args.run(args)
    assert not (tmp_path / "imports" / "jobs.csv").exists()

    readable = tmp_path / "ok.csv"
    readable.write_text("title;url\nBaker;https://crumb.test/1\n;https://crumb.test/2\n")
    args = build_parser().parse_args(["discover", "import", str(readable)])
    assert args.run(args) == 0
    out = capsys.readouterr().out
    assert "1 posting, 1 line skipped" in out and "line 3: missing title" in out
    assert (tmp_path / "imports" / "ok.csv").read_text() == readable.read_text()
