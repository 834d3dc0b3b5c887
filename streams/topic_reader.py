"""Reads a catalog topic from the beginning with the shared codec: for `resumeflow topics tail`, `dlq` and the demo."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer

from streams.errors import DecodeError
from streams.kafka_clients import Serdes
from streams.settings import Settings
from streams.topics import TopicSpec

# Personal data a record may carry: shown whole only when asked for (`--full`).
PERSONAL_FIELDS = ("profile_json", "body_text")


def shown(value: Any, *, full: bool = False) -> Any:
    """A decoded record for a terminal: each personal field (`PERSONAL_FIELDS`, at any depth) replaced by its
    length unless `full`."""
    if full:
        return value
    if isinstance(value, dict):
        return {k: f"<{len(v)} characters; --full shows them>" if k in PERSONAL_FIELDS and isinstance(v, str)
                else shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shown(v) for v in value]
    return value


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: Any
    value: Any  # the decoded record, or the DecodeError when it does not decode
    timestamp_ms: int = 0  # the record's timestamp (the producer's clock when it was sent)


def read_topic(
    settings: Settings,
    serdes: Serdes,
    topic: TopicSpec,
    *,
    until: Callable[[list[Record]], bool] = lambda records: False,
    timeout_s: float = 10.0,
    idle_s: float = 2.0,
) -> list[Record]:
    """Records from offset 0 until `until` holds, nothing new came for `idle_s`, or `timeout_s` passed."""
    topic = topic.for_settings(settings)
    consumer = Consumer({
        "bootstrap.servers": settings.kafka_bootstrap_servers,
        "group.id": f"resumeflow-reader-{uuid.uuid4().hex}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    key_serde, value_serde = serdes.key(topic), serdes.value(topic)
    records: list[Record] = []
    consumer.subscribe([topic.name])
    deadline = time.monotonic() + timeout_s
    last_seen = time.monotonic()
    try:
        while time.monotonic() < deadline and not until(records):
            message = consumer.poll(0.25)
            if message is None or message.error() is not None:
                if records and time.monotonic() - last_seen > idle_s:
                    break
                continue
            last_seen = time.monotonic()
            try:
                key = key_serde.decode(message.key()) if key_serde is not None else message.key()
                value = value_serde.decode(message.value())
            except DecodeError as exc:
                key, value = message.key(), exc
            records.append(Record(message.topic(), message.partition(), message.offset(), key, value,
                                  message.timestamp()[1]))
    finally:
        consumer.close()
    return records
