"""A worker asked to stop ends within its grace time whatever its Kafka client does (the chaos drill once saw one
wait forever for a consumer thread that died while the broker was down)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from streams.settings import Settings
from tests.integration.conftest import Worker

pytestmark = pytest.mark.integration


def test_sigterm_starts_the_grace_time_and_its_end_ends_the_worker(stack: Settings, worker_env: dict[str, str],
                                                                   tmp_path: Path) -> None:
    # A grace shorter than any clean stop, so the last resort is what ends the worker: proof it is armed by SIGTERM.
    env = {**worker_env, "RESUMEFLOW_WORKER_ID": "stop-grace", "RESUMEFLOW_WORKER_STOP_GRACE_S": "0.2"}
    worker = Worker(["learning"], env, tmp_path / "worker.log").start()
    assert worker.process is not None
    asked = time.monotonic()
    worker.process.send_signal(signal.SIGTERM)
    code = worker.process.wait(timeout=30)
    assert code == 1 and time.monotonic() - asked < 10
    assert "did not stop within 0.2s of being asked to" in worker.log()
