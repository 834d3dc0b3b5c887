"""A failed publish says what failed once per cause, with counts, however many records it was."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from streams.errors import ResumeflowError
from streams.kafka_clients import RecordPublisher
from streams.settings import Settings


def test_twenty_thousand_failures_of_one_cause_make_one_line() -> None:
    # No broker is needed: the producer connects lazily, and delivery reports are handed in as librdkafka would.
    publisher = RecordPublisher(Settings(kafka_bootstrap_servers="127.0.0.1:9"), serdes=None)  # type: ignore[arg-type]
    message = SimpleNamespace(topic=lambda: "x.user.commands")
    for _ in range(20_000):
        publisher._delivered("Broker: Unknown topic or partition", message)
    publisher._delivered("Broker: Message size too large", message)
    with pytest.raises(ResumeflowError) as failure:
        publisher.flush(timeout_s=1)
    assert str(failure.value) == (
        "publishing failed for 20001 records: x.user.commands: Broker: Unknown topic or partition (20000×); "
        "x.user.commands: Broker: Message size too large")
    publisher.flush(timeout_s=1)  # reported once, then forgotten
