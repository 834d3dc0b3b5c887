"""exit_after: a process asked to stop that does not ends anyway, with status 1, once its grace time is over."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_a_process_still_running_after_its_grace_time_exits_with_status_1() -> None:
    script = "import time\nfrom cli.worker import exit_after\nexit_after(0.5)\nexit_after(60)\ntime.sleep(60)\n"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1  # the first call's grace counts; a later call does not extend it
    assert "did not stop within 0.5s" in result.stderr
