"""`read_topic(..., to_end=True)` reads a whole topic, however large, and says so when it cannot."""

from __future__ import annotations

import time
import uuid

import pytest

from streams.ids import user_id_for_email
from streams.kafka_clients import RecordPublisher, Serdes, registry_client
from streams.messages import UserCommand, UserCommandKind, new_event_id, utc_now
from streams.settings import Settings
from streams.topic_reader import read_topic
from streams.topics import USER_COMMANDS
from tests.integration.conftest import run_cli

pytestmark = pytest.mark.integration
RECORDS = 3_000


def test_to_end_reads_every_record_there_was_when_it_began_and_no_more(stack: Settings, test_app_id: str) -> None:
    prefix = f"{test_app_id}-reader{uuid.uuid4().hex[:4]}."
    run_cli("topics", "apply", env={"RESUMEFLOW_APP_ID": prefix[:-1], "RESUMEFLOW_TOPIC_PREFIX": prefix})
    settings = stack.model_copy(update={"topic_prefix": prefix})
    serdes = Serdes(registry_client(settings))
    assert read_topic(settings, serdes, USER_COMMANDS, to_end=True) == []
    publisher = RecordPublisher(settings, serdes)
    sent = []
    for n in range(RECORDS):
        user_id = user_id_for_email(f"reader-{n}@example.org")
        command = UserCommand(event_id=new_event_id(), user_id=user_id, occurred_at=utc_now(),
                              kind=UserCommandKind.REGISTER_USER, email=f"reader-{n}@example.org")
        publisher.publish(USER_COMMANDS, user_id, command)
        sent.append(command.event_id)
    publisher.flush()

    started = time.monotonic()
    records = read_topic(settings, serdes, USER_COMMANDS, to_end=True, idle_s=60)
    assert sorted(r.value["event_id"] for r in records) == sorted(sent)
    assert time.monotonic() - started < 60  # it stopped at the end, not after `idle_s` of silence
    with pytest.raises(TimeoutError, match="not yet to the end"):
        read_topic(settings, serdes, USER_COMMANDS, to_end=True, timeout_s=0)
