"""This checkout's `resumeflow` commands run as child processes of a benchmark, stopped when it is done."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class CliProcess:
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def log_tail(self, lines: int = 3) -> list[str]:
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode(errors="replace").strip().splitlines()[-lines:]

    def cpu_s(self) -> float:
        """User + system CPU seconds used so far, from /proc (0.0 where there is none)."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def cli_process(args: list[str], env: dict[str, str]) -> Iterator[CliProcess]:
    """`python -m cli.main ARGS` from this checkout with `env` added; SIGTERM (then kill after 30 s) on exit.
    Its log goes to a temporary file: a pipe nobody reads while the benchmark runs would fill and block it."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([sys.executable, "-m", "cli.main", *args], cwd=ROOT,
                                   env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                                   stdout=subprocess.DEVNULL, stderr=log)
        try:
            yield CliProcess(process, log)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
