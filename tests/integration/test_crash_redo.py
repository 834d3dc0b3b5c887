"""After a kill -9, a worker redoes at most about one commit interval of records (the drill's fault 6)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from streams.admin import admin_client, group_lag
from streams.cell_agent import BATCH_MAX, COMMIT_INTERVAL_S
from streams.ids import user_id_for_email
from streams.kafka_clients import RecordPublisher, Serdes, registry_client
from streams.messages import UserCommand, UserCommandKind, new_event_id, utc_now
from streams.settings import Settings
from streams.topic_reader import read_topic as read_records
from streams.topics import USER_COMMANDS, USER_PROFILES
from tests.integration.conftest import REPO_ROOT, run_cli

pytestmark = pytest.mark.integration
COMMANDS = 20_000
RUN_BEFORE_KILL_S = 3.0
STALL_S = 90.0
PROFILE = json.dumps({"basics": {"name": "Load Tester"}})


def answers(settings: Settings) -> list[Any]:
    """Every answer on the topic now, however many (a time-bounded read once returned part of 20,000 on a slow
    machine, and the test waited for the rest until its deadline)."""
    return read_records(settings, Serdes(registry_client(settings)), USER_PROFILES, timeout_s=300, to_end=True)


def wait_until_caught_up(settings: Settings, group: str, worker: subprocess.Popen[bytes], log: Path) -> None:
    """Until `group` committed every command; fails when the worker dies or its lag stops shrinking for
    `STALL_S` (a stall, not a slow machine)."""
    admin, topic = admin_client(settings), USER_COMMANDS.for_settings(settings).name
    lag, moved_at = group_lag(admin, group, [topic]), time.monotonic()
    while lag:
        assert worker.poll() is None, f"the worker exited {worker.returncode}:\n{log.read_text()[-3000:]}"
        assert time.monotonic() - moved_at < STALL_S, f"{lag} commands left, none done in {STALL_S} s:\n" + \
            log.read_text()[-3000:]
        time.sleep(1)
        now = group_lag(admin, group, [topic])
        if now < lag:
            moved_at = time.monotonic()
        lag = now


def start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "cli.main", "worker", "profiles"], cwd=REPO_ROOT,
                                stdout=out, stderr=subprocess.STDOUT, env=env)


def test_a_kill_9_redoes_about_one_commit_interval_of_records(stack: Settings, test_app_id: str,
                                                              tmp_path: Path) -> None:
    app_id, prefix = f"{test_app_id}-redo", f"{test_app_id}-redo."
    namespace = {"RESUMEFLOW_APP_ID": app_id, "RESUMEFLOW_TOPIC_PREFIX": prefix}
    run_cli("topics", "apply", env=namespace)
    settings = stack.model_copy(update={"topic_prefix": prefix})
    publisher = RecordPublisher(settings, Serdes(registry_client(settings)))
    tag = uuid.uuid4().hex[:8]
    for n in range(COMMANDS):
        email = f"redo-{tag}-{n}@example.org"
        publisher.publish(USER_COMMANDS, user_id_for_email(email), UserCommand(
            event_id=new_event_id(), user_id=user_id_for_email(email), occurred_at=utc_now(),
            kind=UserCommandKind.REGISTER_USER, email=email, profile_json=PROFILE))
    publisher.flush()

    env = {**os.environ, **namespace, "RESUMEFLOW_WORKER_ID": "redo"}
    log = tmp_path / "worker.log"
    worker = start(env, log)
    deadline = time.monotonic() + 120
    while "Worker ready" not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline and worker.poll() is None, log.read_text()[-3000:]
        time.sleep(0.1)
    time.sleep(RUN_BEFORE_KILL_S)
    killed_at_ms = time.time() * 1000
    worker.send_signal(signal.SIGKILL)  # mid-run, no goodbye
    worker.wait()
    before_kill = {r.value["event_id"]: r.timestamp_ms for r in answers(settings)}
    assert 0 < len(before_kill) < COMMANDS, "the kill must land mid-run: change COMMANDS or RUN_BEFORE_KILL_S"
    # What the worker did in the last commit interval before the kill, plus a second for the commit to land
    # (a commit is a broker round trip, slower on a loaded machine): at most this may be done again.
    window_ms = (COMMIT_INTERVAL_S + 1.0) * 1000
    recent = sum(1 for at in before_kill.values() if at >= killed_at_ms - window_ms)
    worker = start(env, log)
    try:
        wait_until_caught_up(settings, f"{app_id}-profiles", worker, log)
        records = answers(settings)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    counts = Counter(r.value["event_id"] for r in records)
    redone = sum(n - 1 for n in counts.values())
    bound = recent + BATCH_MAX  # and the batch in flight
    print(f"{len(before_kill)} records processed in {RUN_BEFORE_KILL_S:.0f} s, {recent} in the last "
          f"{window_ms / 1000:.0f} s; after the kill -9, {redone} of {COMMANDS} were processed again (bound {bound})")
    assert len(counts) == COMMANDS  # nothing lost
    assert redone <= bound
