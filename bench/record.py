"""One shape for every benchmark's JSON in bench/results/: what was measured, when, on which commit and machine,
with which settings."""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def git_commit() -> str:
    """HEAD's commit, with "-dirty" when the work tree has changes; "" outside a git checkout."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return f"{commit}-dirty" if dirty else commit


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def percentiles_ms(seconds: list[float]) -> dict[str, float]:
    """p50/p95/p99 in milliseconds of timings in seconds (nearest-rank on the sorted sample; {} when empty)."""
    if not seconds:
        return {}
    ms = sorted(s * 1000 for s in seconds)

    def rank(q: float) -> float:
        return ms[min(len(ms) - 1, max(0, math.ceil(q * len(ms)) - 1))]

    return {"p50_ms": round(statistics.median(ms), 3), "p95_ms": round(rank(0.95), 3),
            "p99_ms": round(rank(0.99), 3), "max_ms": round(ms[-1], 3)}


def write_result(name: str, settings: dict[str, Any], figures: dict[str, Any]) -> Path:
    """bench/results/<name>.json with the date, commit, machine, settings and figures; returns its path."""
    path = RESULTS_DIR / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "benchmark": name, "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "git_commit": git_commit(), "machine": machine(), "settings": settings, "figures": figures,
    }, indent=2, default=str) + "\n")
    return path
