"""`resumeflow dlq` on the real stack: dead letters listed, shown readable (personal data elided), requeued to their
source once (after a fix the record is processed; poison is dead-lettered again), purged."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition

from cli.dlq import HEADER_LETTER
from streams.dead_letters import dead_letter
from streams.ids import user_id_for_email
from streams.kafka_clients import RecordPublisher, Serdes, registry_client
from streams.messages import UserCommand, UserCommandKind, new_event_id, utc_now
from streams.settings import Settings
from streams.topics import USER_COMMANDS, USER_PROFILES, dead_letter_topic
from tests.conftest import FIXTURES
from tests.integration.conftest import Worker, run_cli

pytestmark = pytest.mark.integration
Reader = Callable[..., list[Any]]


def dlq_rows(env: dict[str, str]) -> dict[str, dict[str, Any]]:
    out = run_cli("dlq", "list", "--json", env=env).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return {row["topic"]: row for row in rows}


def test_dead_letters_are_listed_shown_requeued_once_and_purged(
        stack: Settings, read_topic: Reader, test_app_id: str, tmp_path: Path) -> None:
    # A deployment of its own, so the letters counted are this test's only.
    app_id, prefix = f"{test_app_id}-dlq", f"{test_app_id}-dlq."
    env = {"RESUMEFLOW_APP_ID": app_id, "RESUMEFLOW_TOPIC_PREFIX": prefix, "RESUMEFLOW_WORKER_ID": "w0"}
    run_cli("topics", "apply", env=env)
    settings = stack.model_copy(update={"topic_prefix": prefix, "app_id": app_id})
    commands = USER_COMMANDS.for_settings(settings)
    dlq = dead_letter_topic(commands).name

    # A valid registration that an earlier, since fixed, bug dead-lettered: its bytes exactly as they came.
    email = f"dlq-{uuid.uuid4().hex[:8]}@example.org"
    registration = UserCommand(event_id=new_event_id(), user_id=user_id_for_email(email), occurred_at=utc_now(),
                               kind=UserCommandKind.REGISTER_USER, email=email,
                               profile_json=(FIXTURES / "profile_ada.json").read_text())
    serdes = Serdes(registry_client(settings))
    letter = dead_letter("profiles.commands", topic=commands.name, partition=1, offset=0,
                         key=serdes.key(commands).encode(registration.user_id),  # type: ignore[union-attr]
                         value=serdes.value(commands).encode(registration), exc=RuntimeError("a bug, since fixed"))
    publisher = RecordPublisher(settings, serdes)
    publisher.publish(dead_letter_topic(commands), None, letter)
    # The same letter again, as a batch redone after a kill writes it: the record must still go back once.
    publisher.publish(dead_letter_topic(commands), None, letter)
    publisher.flush()
    # And poison: not Confluent wire format at all, with a terminal escape in it.
    producer = Producer({"bootstrap.servers": settings.kafka_bootstrap_servers})
    producer.produce(commands.name, key=b"poison", value=b"not avro \x1b[31m at all", partition=0)
    producer.flush(30)

    worker = Worker(["profiles"], env, tmp_path / "worker.log").start()
    try:
        read_topic(dlq, lambda records: len(records) >= 3, avro_key=False, prefix=prefix)
    finally:
        worker.stop()  # so that nothing is dead-lettered while requeueing is counted
    rows = dlq_rows(env)
    assert rows[dlq]["letters"] == 3 and rows[dlq]["not_requeued"] == 3
    assert rows[dlq]["by_error"] == {"DecodeError": 1, "RuntimeError": 2}

    shown = run_cli("dlq", "show", commands.name, env=env).stdout
    assert "a bug, since fixed" in shown and "unknown magic byte" in shown
    assert "payload_decoded" in shown and "payload_raw" in shown
    assert "Tidewater Analytics" not in shown and "characters; --full shows them" in shown  # the resume is elided
    assert "\x1b" not in shown and "\\x1b[31m" in shown  # the poison's escape is shown, not obeyed
    assert "Tidewater Analytics" in run_cli("dlq", "show", commands.name, "--full", env=env).stdout

    dry = run_cli("dlq", "requeue", commands.name, "--dry-run", env=env).stdout
    assert "2 letters would be requeued" in dry and ": not requeued (the same record as " in dry, dry
    assert "2 letters requeued" in run_cli("dlq", "requeue", commands.name, env=env).stdout
    assert "0 letters requeued" in run_cli("dlq", "requeue", commands.name, env=env).stdout  # never twice

    # After the fix the registration is processed; the poison fails again and is a new letter, not yet requeued.
    worker.start()
    try:
        profiles = read_topic(USER_PROFILES.name, lambda records: any(
            r.key() == registration.user_id for r in records), prefix=prefix)
        assert any(r.key() == registration.user_id for r in profiles)
        read_topic(dlq, lambda records: len(records) >= 4, avro_key=False, prefix=prefix)
    finally:
        worker.stop()
    rows = dlq_rows(env)
    assert rows[dlq]["letters"] == 4 and rows[dlq]["not_requeued"] == 1

    # The requeued records name their letter.
    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap_servers, "group.id": uuid.uuid4().hex,
                         "enable.auto.commit": False})
    requeued = []
    try:
        for partition in range(settings.cell_partitions):
            consumer.assign([TopicPartition(commands.name, partition, 0)])
            while (message := consumer.poll(3)) is not None:
                requeued += [v.decode() for k, v in message.headers() or [] if k == HEADER_LETTER]
    finally:
        consumer.close()
    assert len(requeued) == 2 and all(place.startswith(f"{dlq}[") for place in requeued)

    assert "purged 4 dead letters" in run_cli("dlq", "purge", commands.name, "--yes", env=env).stdout
    assert dlq not in dlq_rows(env)
