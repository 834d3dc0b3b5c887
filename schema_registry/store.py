"""The Kafka side of the registry: the compacted ``_schemas`` topic as an append-only log.

Every call here blocks (confluent-kafka is synchronous); the registry runs them in a worker thread.
"""

from __future__ import annotations

import logging
import time
import uuid
from typing import Protocol

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    Producer,
    TopicPartition,
)
from confluent_kafka.admin import AdminClient, NewTopic

from schema_registry.exceptions import StoreError, StoreTimeout

logger = logging.getLogger(__name__)

RawRecord = tuple[bytes | None, bytes | None]
_LEADER_PENDING = frozenset({
    KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE, KafkaError.UNKNOWN_TOPIC_OR_PART,
    KafkaError._UNKNOWN_PARTITION, KafkaError._UNKNOWN_TOPIC,
})


class SchemaLog(Protocol):
    """What the registry needs from its storage: the seam between the use cases and ``KafkaSchemaLog``."""

    def ensure_topic(self) -> None: ...

    def read_all(self) -> list[RawRecord]: ...

    def append(self, key: bytes, value: bytes | None) -> None: ...

    def close(self) -> None: ...


class KafkaSchemaLog:
    def __init__(
        self, bootstrap_servers: str, topic: str, *, replication_factor: int, timeout_s: float
    ) -> None:
        self._bootstrap_servers = bootstrap_servers
        self._topic = topic
        self._replication_factor = replication_factor
        self._timeout_s = timeout_s
        self._producer: Producer | None = None

    def ensure_topic(self) -> None:
        """Create the topic (one partition, compacted) unless it exists; refuse one with several partitions.

        A single partition is what makes the log totally ordered, which id allocation relies on.
        """
        admin = AdminClient({"bootstrap.servers": self._bootstrap_servers})
        try:
            metadata = admin.list_topics(topic=self._topic, timeout=self._timeout_s)
        except KafkaException as exc:
            raise StoreError(f"cannot reach Kafka at {self._bootstrap_servers}: {exc}") from exc
        topic_meta = metadata.topics.get(self._topic)
        if topic_meta is not None and topic_meta.error is None:
            if len(topic_meta.partitions) != 1:
                raise StoreError(
                    f"topic {self._topic} has {len(topic_meta.partitions)} partitions, expected 1"
                )
            return
        new_topic = NewTopic(
            self._topic,
            num_partitions=1,
            replication_factor=self._replication_factor,
            config={"cleanup.policy": "compact"},
        )
        future = admin.create_topics([new_topic], operation_timeout=self._timeout_s)[self._topic]
        try:
            future.result(timeout=self._timeout_s)
            logger.info("created topic %s", self._topic)
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise StoreError(f"cannot create topic {self._topic}: {exc}") from exc

    def read_all(self) -> list[RawRecord]:
        """Read the topic from offset 0 up to the high watermark seen at the start of the call."""
        consumer = Consumer(
            {
                "bootstrap.servers": self._bootstrap_servers,
                # Required by librdkafka even though we only assign(): nothing is ever committed to it.
                "group.id": f"schema-registry-replay-{uuid.uuid4()}",
                "enable.auto.commit": False,
                "enable.partition.eof": False,
            }
        )
        try:
            return self._read_until_high_watermark(consumer)
        finally:
            consumer.close()

    def _read_until_high_watermark(self, consumer: Consumer) -> list[RawRecord]:
        partition = TopicPartition(self._topic, 0)
        deadline = time.monotonic() + self._timeout_s
        while True:
            try:
                _low, high = consumer.get_watermark_offsets(partition, timeout=self._timeout_s)
                break
            except KafkaException as exc:
                # Right after the topic is created, or the broker (re)started, the partition may have no leader
                # yet: that passes. (librdkafka does not always flag these as retriable here.)
                error = exc.args[0]
                passing = error.retriable() or error.code() in _LEADER_PENDING
                if not passing or time.monotonic() > deadline:
                    raise StoreError(f"cannot read offsets of {self._topic}: {exc}") from exc
                time.sleep(0.5)
        records: list[RawRecord] = []
        if high <= 0:
            return records
        consumer.assign([TopicPartition(self._topic, 0, OFFSET_BEGINNING)])
        deadline = time.monotonic() + self._timeout_s
        next_offset = 0
        # Compaction leaves gaps in offsets, so stop on the offset reached rather than on a record count.
        while next_offset < high:
            if time.monotonic() > deadline:
                raise StoreTimeout(f"timed out replaying {self._topic} at offset {next_offset} of {high}")
            message: Message | None = consumer.poll(timeout=1.0)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                raise StoreError(f"error replaying {self._topic}: {error}")
            records.append((message.key(), message.value()))
            next_offset = (message.offset() or 0) + 1
        logger.info("replayed %d records from %s (high watermark %d)", len(records), self._topic, high)
        return records

    def append(self, key: bytes, value: bytes | None) -> None:
        """Produce one record and return only once the broker has acknowledged it."""
        producer = self._get_producer()
        outcome: list[KafkaError | None] = []

        def on_delivery(error: KafkaError | None, _message: Message) -> None:
            outcome.append(error)

        try:
            producer.produce(self._topic, key=key, value=value, partition=0, on_delivery=on_delivery)
        except (KafkaException, BufferError) as exc:
            raise StoreError(f"cannot produce to {self._topic}: {exc}") from exc
        remaining = producer.flush(self._timeout_s + 5.0)
        if remaining or not outcome:
            raise StoreTimeout(f"no acknowledgement from {self._topic} within {self._timeout_s}s")
        if outcome[0] is not None:
            raise StoreError(f"write to {self._topic} failed: {outcome[0]}")

    def _get_producer(self) -> Producer:
        if self._producer is None:
            self._producer = Producer(
                {
                    "bootstrap.servers": self._bootstrap_servers,
                    "acks": "all",
                    "enable.idempotence": True,
                    "linger.ms": 0,
                    # Give up on a record before flush() stops waiting, so every append ends with a verdict.
                    "message.timeout.ms": int(self._timeout_s * 1000),
                }
            )
        return self._producer

    def close(self) -> None:
        if self._producer is not None:
            self._producer.flush(self._timeout_s)
            self._producer = None
