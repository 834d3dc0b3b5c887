"""What becomes of records that break things, on the real stack (the drill's faults 1-3, each as a kind).

1. A record that crashes the worker is retried (its offset is not committed past it), and the third crash in a
   row dead-letters it with its traceback; the records after it are processed.
2. Input that makes Python raise while reading it (JSON nested 50,000 deep) is refused or dead-lettered; the
   worker keeps going and the next user is served.
3. A posting too large for a record is cut to fit (the cut recorded) and flows on to the user's match.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import TopicPartition

from streams.admin import admin_client, committed_offsets
from streams.cell_agent import MAX_CRASHES
from streams.ids import user_id_for_email
from streams.kafka_clients import RecordPublisher, Serdes, registry_client
from streams.messages import Preferences, UserCommand, UserCommandKind, UserProfile, new_event_id, utc_now
from streams.settings import Settings
from streams.topics import USER_COMMANDS, USER_PROFILES
from tests.conftest import FIXTURES
from tests.integration.conftest import REPO_ROOT, Worker, run_cli

pytestmark = pytest.mark.integration
Reader = Callable[..., list[Any]]


def command(email: str, user_id: str) -> UserCommand:
    return UserCommand(event_id=new_event_id(), user_id=user_id, occurred_at=utc_now(),
                       kind=UserCommandKind.REGISTER_USER, email=email, profile_json="{}")


def committed(settings: Settings, group: str, partition: int) -> int:
    admin = admin_client(settings)  # kept referenced until the answer is in: a collected client never answers
    [offset] = committed_offsets(admin, group, [TopicPartition(USER_COMMANDS.for_settings(settings).name,
                                                               partition)]).values()
    return offset or 0


def one_users_commands(stack: Settings, read_topic: Reader, app_id: str, kinds: tuple[str, ...]
                       ) -> tuple[Settings, dict[str, str], str, list[UserCommand], list[Any]]:
    """A deployment of its own (app id and topics, so only the test's processor reads them) holding one user's
    commands, one per kind (`<kind>-<tag>@example.org`), published in order to one partition: its settings, the
    environment naming it, the user, the commands and their records on `user.commands`."""
    prefix = f"{app_id}."
    namespace = {"RESUMEFLOW_APP_ID": app_id, "RESUMEFLOW_TOPIC_PREFIX": prefix}
    run_cli("topics", "apply", env=namespace)
    settings = stack.model_copy(update={"topic_prefix": prefix})
    tag = uuid.uuid4().hex[:8]
    user_id = user_id_for_email(f"{tag}@example.org")
    records = [command(f"{kind}-{tag}@example.org", user_id) for kind in kinds]
    publisher = RecordPublisher(settings, Serdes(registry_client(settings)))
    for record in records:
        publisher.publish(USER_COMMANDS, user_id, record)
    publisher.flush()
    ids = {r.event_id for r in records}
    published = read_topic("user.commands", lambda ms: ids <= {m.value()["event_id"] for m in ms}, prefix=prefix)
    by_id = {m.value()["event_id"]: m for m in published if m.value()["event_id"] in ids}
    return settings, namespace, user_id, records, [by_id[r.event_id] for r in records]


def test_a_record_that_crashes_the_worker_is_retried_then_dead_lettered_never_skipped(
        stack: Settings, read_topic: Reader, test_app_id: str, tmp_path: Path) -> None:
    app_id = f"{test_app_id}-crash"
    stack, namespace, user_id, (before, crash, after), (_, crashing, _) = one_users_commands(
        stack, read_topic, app_id, ("before", "crash", "after"))
    prefix = stack.topic_prefix

    def answered(ms: list[Any]) -> bool:
        return any(m.value()["command_id"] == after.event_id for m in ms)

    env = {**os.environ, **namespace, "RESUMEFLOW_WORKER_ID": "crash"}
    exits = []
    for run in range(MAX_CRASHES):
        with (tmp_path / f"run{run}.log").open("wb") as log:
            worker = subprocess.Popen([sys.executable, "-m", "tests.support.crashing_processor"], cwd=REPO_ROOT,
                                      stdout=log, stderr=subprocess.STDOUT, env=env)
        try:
            exits.append(worker.wait(timeout=120))
        except subprocess.TimeoutExpired:  # still running: the record was dead-lettered and it went on
            assert answered(read_topic("profile.rejected", answered, timeout_s=60, prefix=prefix))
            worker.terminate()
            worker.wait(timeout=60)
            exits.append(None)
            break
        # It crashed on the record, and left it uncommitted: a restart sees it again.
        assert committed(stack, f"{app_id}-crashing", crashing.partition()) <= crashing.offset()

    assert exits[:MAX_CRASHES - 1] == [1] * (MAX_CRASHES - 1) and exits[-1] is None, exits

    def dead(ms: list[Any]) -> bool:
        return any(m.value()["source_offset"] == crashing.offset() and m.value()["processor"] == "crashing.commands"
                   and m.value()["source_partition"] == crashing.partition() for m in ms)

    [letter] = [m.value() for m in read_topic("user.commands.dlq", dead, avro_key=False, prefix=prefix)
                if m.value()["source_offset"] == crashing.offset() and m.value()["processor"] == "crashing.commands"
                and m.value()["source_partition"] == crashing.partition()]
    assert letter["error_type"] == "RuntimeError" and f"failed {MAX_CRASHES} times" in letter["error"]
    assert "Traceback" in letter["error"] and "cannot handle crash-" in letter["error"]
    assert crash.event_id.encode() in letter["value"]  # the record, whole: its Avro bytes
    seen = {m.value()["command_id"] for m in read_topic("profile.rejected", answered, prefix=prefix)
            if m.key() == user_id}
    assert {before.event_id, after.event_id} <= seen and crash.event_id not in seen


def test_a_record_faust_never_hands_to_the_agent_is_read_again_not_committed_past(
        stack: Settings, read_topic: Reader, test_app_id: str, tmp_path: Path) -> None:
    # bench.failover's loss, as a kind: the worker's consumer marks one record read without delivering it (what
    # Faust's fetch loop does to a record around a rebalance); the records after it arrive.
    app_id = f"{test_app_id}-drop"
    stack, namespace, _, records, (_, dropped, _, _) = one_users_commands(
        stack, read_topic, app_id, ("before", "drop", "after1", "after2"))
    prefix = stack.topic_prefix
    wanted = {r.event_id for r in records}

    def all_answered(ms: list[Any]) -> bool:
        return wanted <= {m.value()["command_id"] for m in ms}

    log_path = tmp_path / "worker.log"
    env = {**os.environ, **namespace, "RESUMEFLOW_WORKER_ID": "drop"}
    with log_path.open("wb") as log:
        worker = subprocess.Popen([sys.executable, "-m", "tests.support.dropping_processor"], cwd=REPO_ROOT,
                                  stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        answers = read_topic("profile.rejected", all_answered, timeout_s=90, prefix=prefix)
        assert wanted <= {m.value()["command_id"] for m in answers}, "a command was never answered"
        worker.terminate()
        assert worker.wait(timeout=60) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    text = log_path.read_text(errors="replace")
    assert f"user.commands[{dropped.partition()}]@{dropped.offset()}..{dropped.offset()} never reached the agent" \
        in text, text[-3000:]
    assert committed(stack, f"{app_id}-crashing", dropped.partition()) > dropped.offset() + 2  # and all after it


def deep(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_input_nested_too_deep_is_refused_and_the_next_user_is_served(
        profiles_worker: Worker, discovery_worker: Worker, analysis_worker: Worker, read_topic: Reader,
        stack: Settings, tmp_path: Path) -> None:
    # The CLI refuses such a file itself...
    hostile = tmp_path / "deep.json"
    hostile.write_text('{"basics": {"name": "Deep"}, "x": ' + deep(50_000) + "}")  # 100 KB, in the size limit
    email = f"deep-{uuid.uuid4().hex[:8]}@example.org"
    refusal = run_cli("user", "create", "--email", email, "--profile", str(hostile), check=False)
    assert refusal.returncode == 2 and "nested 50001 levels deep" in refusal.stderr
    # ...but anyone who can write the command topic can send it: the profiles processor answers with the reason.
    deep_user = user_id_for_email(email)
    serdes = Serdes(registry_client(stack))
    publisher = RecordPublisher(stack, serdes)
    publisher.publish(USER_COMMANDS, deep_user, UserCommand(
        event_id=new_event_id(), user_id=deep_user, occurred_at=utc_now(), kind=UserCommandKind.REGISTER_USER,
        email=email, profile_json=hostile.read_text()))
    publisher.flush()

    def refused(ms: list[Any]) -> bool:
        return any(m.key() == deep_user for m in ms)

    [answer] = [m.value() for m in read_topic("profile.rejected", refused) if m.key() == deep_user]
    assert any("nested" in reason and "deep" in reason for reason in answer["reasons"]), answer["reasons"]

    # A profile that skipped the profiles processor: every later stage dead-letters it when decoding, instead of
    # crashing on it.
    forged = UserProfile.model_construct(event_id=new_event_id(), user_id=deep_user, occurred_at=utc_now(),
                                         email=email, profile_version=1, profile_json=deep(50_000),
                                         preferences=Preferences())
    publisher.publish(USER_PROFILES, deep_user, forged)
    publisher.flush()

    def letters(ms: list[Any]) -> set[str]:
        return {m.value()["processor"] for m in ms if m.key() == deep_user.encode() or
                (m.value()["value"] and forged.event_id.encode() in m.value()["value"])}

    found = read_topic("user.profiles.dlq", lambda ms: {"discovery.follow", "analysis.users"} <= letters(ms),
                       avro_key=False)
    assert {"discovery.follow", "analysis.users"} <= letters(found)

    # The workers are alive: a normal user registered afterwards is accepted, and discovers postings.
    normal = f"after-deep-{uuid.uuid4().hex[:8]}@example.org"
    run_cli("user", "create", "--email", normal, "--profile", str(FIXTURES / "profile_ada.json"),
            "--prefs", str(FIXTURES / "preferences_ada.json"))
    user_id = user_id_for_email(normal)
    assert read_topic("job.discovered", lambda ms: any(m.key() == user_id for m in ms), timeout_s=90)
    for worker in (profiles_worker, discovery_worker, analysis_worker):
        assert worker.process is not None and worker.process.poll() is None


def test_a_posting_too_large_for_a_record_is_cut_to_fit_and_reaches_the_users_match(
        discovery_worker: Worker, analysis_worker: Worker, read_topic: Reader, stack: Settings,
        tmp_path: Path) -> None:
    board = f"huge-{uuid.uuid4().hex[:8]}.jsonl"
    description = ("We build Kafka stream processors in Python. " * 120_000)[:5_000_000]
    posting = {"source_job_id": "big-1", "title": "Python Kafka Engineer", "company": "Hugecorp",
               "locations": ["Remote"], "workplace": "REMOTE", "url": "https://hugecorp.example/jobs/1",
               "description": description}
    source = tmp_path / board
    source.write_text(json.dumps(posting) + "\n")
    run_cli("discover", "import", str(source))
    prefs = {"saved_searches": [{"name": "big", "keywords": ["python"], "boards": [{"source": "FILE",
                                                                                      "token": board}]}]}
    prefs_file = tmp_path / "prefs.json"
    prefs_file.write_text(json.dumps(prefs))
    email = f"big-{uuid.uuid4().hex[:8]}@example.org"
    run_cli("user", "create", "--email", email, "--profile", str(FIXTURES / "profile_ada.json"),
            "--prefs", str(prefs_file))
    user_id = user_id_for_email(email)
    job = f"file:{board}:big-1"

    [record] = [m.value() for m in read_topic("job.catalog", lambda ms: any(m.key() == job for m in ms),
                                              timeout_s=120) if m.key() == job]
    assert record["description_original_chars"] == 5_000_000
    assert 150_000 < len(record["description_text"].encode()) <= 200_000
    assert read_topic("job.discovered", lambda ms: any(m.key() == user_id for m in ms), timeout_s=60)
    analyzed = [m.value() for m in read_topic("job.analyzed", lambda ms: any(
        m.key() == user_id and m.value()["canonical_job_id"] == job for m in ms), timeout_s=120)
        if m.key() == user_id and m.value()["canonical_job_id"] == job]
    assert analyzed, "the oversized posting never reached the user's match"
