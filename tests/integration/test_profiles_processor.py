"""The profiles processor on the real stack: commands in through the CLI, results read as an analyst would."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer

from processors.profiles.step import user_id_for_email
from streams.kafka_clients import Serdes, producer_config, registry_client
from streams.messages import UserCommand, UserCommandKind, new_event_id, utc_now
from streams.settings import Settings
from streams.topics import USER_COMMANDS
from tests.conftest import FIXTURES
from tests.integration.conftest import Worker, run_cli

pytestmark = pytest.mark.integration

Reader = Callable[..., list[Any]]


def fresh_email() -> str:
    return f"ada-{uuid.uuid4().hex[:10]}@example.org"


def for_user(user_id: str) -> Callable[[list[Any]], bool]:
    return lambda messages: any(m.key() == user_id for m in messages)


def of_user(messages: list[Any], user_id: str) -> list[Any]:
    return [m for m in messages if m.key() == user_id]


def test_a_registered_user_is_published_to_the_compacted_profile_topic_in_the_users_cell(
    profiles_worker: Worker, read_topic: Reader
) -> None:
    email = fresh_email()
    out = run_cli("user", "create", "--email", email, "--profile", str(FIXTURES / "profile_ada.json"),
                  "--prefs", str(FIXTURES / "preferences_ada.json")).stdout
    user_id = user_id_for_email(email)
    assert f"user_id={user_id}" in out

    [profile] = of_user(read_topic("user.profiles", for_user(user_id)), user_id)
    value = profile.value()
    assert value["email"] == email and value["profile_version"] == 1
    assert json.loads(value["profile_json"])["basics"]["name"] == "Ada Park"
    assert value["preferences"]["saved_searches"][0]["boards"][0] == {"source": "GREENHOUSE", "token": "examplecorp"}

    # The CLI (confluent-kafka) and the worker (Faust/aiokafka) put the user in the same partition: one cell.
    # (values stay raw: the poison test below writes records no deserializer can read)
    [command] = of_user(read_topic("user.commands", for_user(user_id), avro_value=False), user_id)
    assert command.partition() == profile.partition()


def test_an_invalid_profile_is_rejected_with_its_reasons(
    profiles_worker: Worker, read_topic: Reader, tmp_path: Path
) -> None:
    email = fresh_email()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"basics": {"name": "Ada", "email": "not-an-email"}, "work": [{"startDate": "soon"}]}))
    run_cli("user", "create", "--email", email, "--profile", str(bad))
    user_id = user_id_for_email(email)

    [rejection] = of_user(read_topic("profile.rejected", for_user(user_id)), user_id)
    reasons = rejection.value()["reasons"]
    assert any(r.startswith("/basics/email") for r in reasons)
    assert any(r.startswith("/work/0/startDate") for r in reasons)


def test_an_update_bumps_the_version_kept_in_the_cell(profiles_worker: Worker, read_topic: Reader) -> None:
    email = fresh_email()
    user_id = user_id_for_email(email)
    run_cli("user", "create", "--email", email, "--profile", str(FIXTURES / "profile_ada.json"))
    read_topic("user.profiles", for_user(user_id))
    run_cli("user", "update", "--email", email, "--prefs", str(FIXTURES / "preferences_ada.json"))

    def has_version_2(messages: list[Any]) -> bool:
        return any(m.value()["profile_version"] == 2 for m in of_user(messages, user_id))

    versions = [m.value() for m in of_user(read_topic("user.profiles", has_version_2), user_id)]
    assert [v["profile_version"] for v in versions] == [1, 2]
    assert versions[1]["preferences"]["daily_cap"] == 5 and versions[1]["profile_json"] == versions[0]["profile_json"]


def test_poison_records_go_to_the_dead_letter_topic_and_the_pipeline_keeps_going(
    stack: Settings, profiles_worker: Worker, read_topic: Reader
) -> None:
    serdes = Serdes(registry_client(stack))
    key_serde = serdes.key(USER_COMMANDS)
    assert key_serde is not None
    victim = user_id_for_email(fresh_email())
    producer = Producer(producer_config(stack))
    # 1. bytes that are not Avro at all; 2. a valid command whose user_id is not its key (wrong cell).
    producer.produce(USER_COMMANDS.for_settings(stack).name, key=key_serde.encode(victim),
                     value=b"<script>alert(1)</script>")
    stray = UserCommand(event_id=new_event_id(), user_id="someone-else", occurred_at=utc_now(),
                        kind=UserCommandKind.UPDATE_PREFERENCES)
    producer.produce(USER_COMMANDS.for_settings(stack).name, key=key_serde.encode(victim),
                     value=serdes.value(USER_COMMANDS).encode(stray))
    producer.flush(30)

    def both_dead(messages: list[Any]) -> bool:
        return sum(1 for m in messages if m.key() == key_serde.encode(victim)) >= 2

    letters = [m for m in read_topic("user.commands.dlq", both_dead, avro_key=False)
               if m.key() == key_serde.encode(victim)]
    garbage, stray_letter = (m.value() for m in letters)
    assert garbage["value"] == b"<script>alert(1)</script>"
    assert garbage["error_type"] == "DecodeError" and "magic byte" in garbage["error"]
    assert garbage["source_topic"] == stack.topic_prefix + "user.commands" and garbage["source_offset"] >= 0
    assert stray_letter["error_type"] == "ValueError" and "another cell" in stray_letter["error"]
    assert letters[0].partition() == garbage["source_partition"]

    # The worker is still alive and still serves the same cell.
    email = fresh_email()
    run_cli("user", "create", "--email", email, "--profile", str(FIXTURES / "profile_ada.json"))
    assert of_user(read_topic("user.profiles", for_user(user_id_for_email(email))), user_id_for_email(email))
    assert profiles_worker.process is not None and profiles_worker.process.poll() is None
