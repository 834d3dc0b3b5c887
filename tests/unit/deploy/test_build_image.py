"""deploy/build-image.sh stops when the base image cannot be pulled, unless a stand-in is asked for."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "deploy" / "build-image.sh"
# A buildah that finds no local image and reaches no registry; any other call is a fault of the test's premise.
BUILDAH = """#!/bin/sh
case "$1" in inspect|pull) exit 1;; *) echo "buildah $* was not expected" >&2; exit 9;; esac
"""


def build(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    tools = tmp_path / "bin"
    tools.mkdir(exist_ok=True)
    (tools / "buildah").write_text(BUILDAH)
    (tools / "buildah").chmod(0o755)
    (tools / "docker").write_text("#!/bin/sh\nexit 1\n")  # no engine answers
    (tools / "docker").chmod(0o755)
    return subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=60,
                          env={"PATH": f"{tools}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), **env})


def test_a_base_that_cannot_be_pulled_stops_the_build_and_names_the_stand_in(tmp_path: Path) -> None:
    # Review finding: a rate limit or a login needed (any failed pull) went on, silently, from the stand-in.
    result = build(tmp_path)
    assert result.returncode == 1, result.stderr
    assert "could not pull python:3.11-slim" in result.stderr and "STANDIN=1" in result.stderr


@pytest.mark.parametrize("base", ["python:3.12-slim", "python:3.11-alpine"])
def test_the_stand_in_stands_in_for_python_3_11_slim_only(tmp_path: Path, base: str) -> None:
    result = build(tmp_path, STANDIN="1", PYTHON_IMAGE=base)
    assert result.returncode == 1, result.stderr
    assert f"cannot stand in for {base}" in result.stderr
