"""confluent-kafka clients built from the settings: the registry client, serdes per topic, a producer.

The producer uses the murmur2 partitioner, the Java client's and Faust's (aiokafka's) default, so a user's
records land in the same partition — the same cell — whichever client wrote them.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from confluent_kafka import KafkaException, Producer
from confluent_kafka.schema_registry import SchemaRegistryClient

from streams.codec import AvroSerde
from streams.errors import ResumeflowError
from streams.messages import Message
from streams.settings import Settings
from streams.topics import TopicSpec


def registry_client(settings: Settings) -> SchemaRegistryClient:
    return SchemaRegistryClient({"url": settings.schema_registry_url})


class Serdes:
    """One `AvroSerde` per subject, created on first use and shared."""

    def __init__(self, registry: SchemaRegistryClient) -> None:
        self.registry = registry
        self._by_subject: dict[str, AvroSerde] = {}

    def _get(self, subject: str, schema_name: str) -> AvroSerde:
        serde = self._by_subject.get(subject)
        if serde is None:
            serde = self._by_subject[subject] = AvroSerde(self.registry, subject, schema_name)
        return serde

    def key(self, topic: TopicSpec) -> AvroSerde | None:
        return None if topic.key_schema is None else self._get(topic.key_subject, topic.key_schema)

    def value(self, topic: TopicSpec) -> AvroSerde:
        return self._get(topic.value_subject, topic.value_schema)


def producer_config(settings: Settings) -> dict[str, Any]:
    return {
        "bootstrap.servers": settings.kafka_bootstrap_servers,
        "partitioner": "murmur2_random",
        # Written means on `min.insync.replicas` brokers; a send retried after a leader change is written once.
        "acks": "all",
        "enable.idempotence": True,
        "linger.ms": 5,
        "log_level": 4,  # warnings and worse; librdkafka's info lines on close are noise in a CLI
    }


class RecordPublisher:
    """Publishes catalog records with the shared codec; `flush` waits until the broker acknowledged all."""

    def __init__(self, settings: Settings, serdes: Serdes) -> None:
        self._settings = settings
        self._producer = Producer(producer_config(settings))
        self._serdes = serdes
        self._errors: Counter[str] = Counter()

    def publish(self, topic: TopicSpec, key: str | bytes | None, value: Message) -> None:
        topic = topic.for_settings(self._settings)
        key_serde = self._serdes.key(topic)
        key_bytes = key_serde.encode(key) if key_serde is not None and isinstance(key, str) else key
        self._producer.produce(
            topic.name, key=key_bytes, value=self._serdes.value(topic).encode(value), on_delivery=self._delivered
        )
        self._producer.poll(0)

    def _delivered(self, err: Any, msg: Any) -> None:
        if err is not None:
            self._errors[f"{msg.topic()}: {err}"] += 1

    def flush(self, timeout_s: float = 30.0) -> None:
        try:
            remaining = self._producer.flush(timeout_s)
        except KafkaException as exc:
            raise ResumeflowError(f"publishing failed: {exc}") from exc
        if remaining:
            raise ResumeflowError(f"{remaining} records not acknowledged after {timeout_s}s")
        if self._errors:
            # Each distinct error once with its count: one cause failing 20,000 records made a 2 MB message.
            errors, self._errors = self._errors, Counter()
            raise ResumeflowError(f"publishing failed for {errors.total()} records: " + "; ".join(
                f"{error} ({count}×)" if count > 1 else error for error, count in errors.most_common()))
