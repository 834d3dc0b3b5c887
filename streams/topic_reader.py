"""Reads a catalog topic from the beginning with the shared codec: for `resumeflow topics tail`, `dlq` and the demo."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from streams.errors import DecodeError, ResumeflowError
from streams.kafka_clients import Serdes
from streams.settings import Settings
from streams.topics import TopicSpec

# Personal data a record may carry: shown whole only when asked for (`--full`).
PERSONAL_FIELDS = ("profile_json", "body_text")
READ_TIMEOUT_S = 10.0  # one metadata or watermark request


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
    to_end: bool = False,
) -> list[Record]:
    """Records from offset 0 until `until` holds, nothing new came for `idle_s`, or `timeout_s` passed.

    With `to_end`, reading stops instead once every partition is read up to the end it had when the read began:
    a whole topic of any size, without waiting `idle_s` after it. Either way `timeout_s` bounds it, and a read cut
    short by `timeout_s` with `to_end` raises `TimeoutError` rather than returning part of the topic unnoticed.
    """
    topic = topic.for_settings(settings)
    consumer = Consumer({
        "bootstrap.servers": settings.kafka_bootstrap_servers,
        "group.id": f"resumeflow-reader-{uuid.uuid4().hex}",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
    })
    key_serde, value_serde = serdes.key(topic), serdes.value(topic)
    records: list[Record] = []
    ends: dict[int, int] = {}
    if to_end:
        ends = _end_offsets(consumer, topic.name)
        consumer.assign([TopicPartition(topic.name, p, OFFSET_BEGINNING) for p in ends])
    else:
        consumer.subscribe([topic.name])
    deadline = time.monotonic() + timeout_s
    last_seen = time.monotonic()
    try:
        while not until(records):
            if to_end and _read_to(consumer, topic.name, ends):
                break
            if time.monotonic() >= deadline:
                if to_end:
                    raise TimeoutError(f"{topic.name}: {len(records)} records read in {timeout_s:.0f} s, "
                                       "not yet to the end")
                break
            # A batch per call: one message per poll made a large topic take many times longer to read.
            messages = [m for m in consumer.consume(num_messages=500, timeout=0.25) if m.error() is None]
            if not messages:
                if records and not to_end and time.monotonic() - last_seen > idle_s:
                    break
                continue
            last_seen = time.monotonic()
            for message in messages:
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


def _end_offsets(consumer: Consumer, topic: str) -> dict[int, int]:
    """partition -> its end offset now, for the partitions holding records."""
    metadata = consumer.list_topics(topic, timeout=READ_TIMEOUT_S).topics[topic]
    if metadata.error is not None:
        raise ResumeflowError(f"{topic}: {metadata.error}")
    ends = {}
    for partition in metadata.partitions:
        low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=READ_TIMEOUT_S)
        if high > low:
            ends[partition] = high
    return ends


def _read_to(consumer: Consumer, topic: str, ends: dict[int, int]) -> bool:
    """Whether the consumer's position reached `ends` in every partition (positions, not the last offsets seen,
    so a partition ending in records that are never delivered, like transaction markers, still counts as read)."""
    if not ends:
        return True
    positions = consumer.position([TopicPartition(topic, p) for p in ends])
    return all(tp.offset >= ends[tp.partition] for tp in positions)
