"""`resumeflow sink`: consume the view topics, upsert the read model, then commit the offsets.

At-least-once: offsets are committed only after the batch's rows are committed in PostgreSQL (and its dead
letters acknowledged by the broker); the upserts are idempotent, so a batch written twice after a crash changes
nothing. Records that do not decode or validate go to `<topic>.dlq` and the loop continues; anything else
(PostgreSQL down, a fatal Kafka error) is logged and raised, so the process fails loudly and restarts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import asyncpg
from confluent_kafka import Consumer, KafkaError, KafkaException, Producer
from pydantic import ValidationError

from sinks.postgres import VIEWS, PostgresViewSink, View
from sinks.views import create_views
from streams import metrics
from streams.admin import TIMEOUT_S, admin_client
from streams.dead_letters import dead_letter
from streams.errors import DecodeError, ResumeflowError, UserError
from streams.kafka_clients import Serdes, producer_config, registry_client
from streams.log_control import record_context
from streams.messages import ApplicationUpdated, Message
from streams.settings import Settings
from streams.topics import TopicSpec, dead_letter_topic

log = logging.getLogger(__name__)

PROCESSOR = "sink.views"
CONSUME_MAX = 500
CONSUME_TIMEOUT_S = 0.5


def consumer_config(settings: Settings) -> dict[str, Any]:
    return {
        "bootstrap.servers": settings.kafka_bootstrap_servers,
        "group.id": f"{settings.app_id}-views",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "log_level": 4,
    }


def decode(serdes: Serdes, view: View, value: bytes | None, topic: TopicSpec | None = None) -> Message:
    """The record's message; DecodeError or ValidationError when it is poison."""
    return view.model.model_validate(serdes.value(topic or view.topic).decode(value))


class _DeadLetters:
    """Sends poison records to their topic's DLQ (same partition, raw key); `flush` waits for the acks."""

    def __init__(self, settings: Settings, serdes: Serdes) -> None:
        self._producer = Producer(producer_config(settings))
        self._serdes = serdes
        self._errors: list[str] = []
        self.unflushed = 0

    def send(self, topic: TopicSpec, record: Any, exc: BaseException) -> None:
        letter = dead_letter(PROCESSOR, topic=record.topic(), partition=record.partition(), offset=record.offset(),
                             key=record.key(), value=record.value(), exc=exc)
        dlq = dead_letter_topic(topic)
        log.warning("dead-lettering %s[%d]@%d to %s: %s", letter.source_topic, letter.source_partition,
                    letter.source_offset, dlq.name, letter.error)
        self._producer.produce(dlq.name, key=letter.key, value=self._serdes.value(dlq).encode(letter),
                               partition=letter.source_partition, on_delivery=self._delivered)
        self._producer.poll(0)
        self.unflushed += 1

    def _delivered(self, err: Any, msg: Any) -> None:
        if err is not None:
            self._errors.append(f"{msg.topic()}: {err}")

    def flush(self, timeout_s: float = 30.0) -> None:
        if not self.unflushed:
            return
        remaining = self._producer.flush(timeout_s)
        errors, self._errors, self.unflushed = self._errors, [], 0
        if remaining or errors:
            raise ResumeflowError(f"dead letters not acknowledged ({remaining} pending): {'; '.join(errors)}")


async def run_sink(settings: Settings, *, stop: asyncio.Event | None = None, idle_exit_s: float | None = None,
                   max_rows: int = 500, max_delay_ms: int = 1000) -> None:
    """Keep the views until `stop` is set, or (`idle_exit_s`) until no record arrived for that long while
    partitions were assigned — how tests and one-off catch-ups end."""
    stop = stop or asyncio.Event()
    serdes = Serdes(registry_client(settings))
    # The view topics of this deployment (behind its topic prefix), by name; a topic may feed several tables.
    views: dict[str, tuple[list[View], TopicSpec]] = {}
    for view in VIEWS:
        topic = view.topic.for_settings(settings)
        views.setdefault(topic.name, ([], topic))[0].append(view)
    await asyncio.to_thread(_require_topics, settings, list(views))
    for _views, topic in views.values():  # fail at start, not on the first record, when the registry is unreachable
        await asyncio.to_thread(serdes.value(topic).bind)
    connection = await asyncpg.connect(settings.database_url)
    consumer = Consumer(consumer_config(settings))
    dead_letters = _DeadLetters(settings, serdes)
    sink = PostgresViewSink(max_rows=max_rows, max_delay_ms=max_delay_ms)
    try:
        await create_views(connection)
        consumer.subscribe(list(views))
        log.info("sink %s-views keeping %s", settings.app_id, ", ".join(v.table for v in VIEWS))
        last_record_at = time.monotonic()
        while not stop.is_set():
            records = await asyncio.to_thread(consumer.consume, CONSUME_MAX, CONSUME_TIMEOUT_S)
            for record in records:
                with record_context(record.topic(), record.partition(), record.offset()):
                    _absorb(record, views, serdes, sink, dead_letters)
            if records:
                last_record_at = time.monotonic()
            if sink.due():
                await _commit_batch(connection, consumer, sink, dead_letters)
            if idle_exit_s is not None:
                if not consumer.assignment():
                    last_record_at = time.monotonic()  # still joining the group: not idle yet
                elif time.monotonic() - last_record_at >= idle_exit_s:
                    log.info("sink idle for %.1fs: stopping", idle_exit_s)
                    break
        if sink.pending:
            await _commit_batch(connection, consumer, sink, dead_letters)
    finally:
        await asyncio.to_thread(consumer.close)
        await connection.close()


def _require_topics(settings: Settings, names: list[str]) -> None:
    """Fail at start when a view topic is missing: subscribed, the sink would otherwise wait for it forever with
    a warning per poll (and `idle_exit_s` would never come, since nothing gets assigned)."""
    metadata = admin_client(settings).list_topics(timeout=TIMEOUT_S)
    missing = sorted(name for name in names if name not in metadata.topics or metadata.topics[name].error)
    if missing:
        raise UserError(f"the sink's topics are missing on {settings.kafka_bootstrap_servers}: {', '.join(missing)} "
                        "(run `resumeflow topics apply`)")


def _absorb(record: Any, views: dict[str, tuple[list[View], TopicSpec]], serdes: Serdes, sink: PostgresViewSink,
            dead_letters: _DeadLetters) -> None:
    error = record.error()
    if error is not None:
        if error.fatal():
            raise ResumeflowError(f"consumer failed: {error}")
        log.warning("consumer: %s", error)
        return
    topic_views, topic = views[record.topic()]
    try:
        message = decode(serdes, topic_views[0], record.value(), topic)
    except (DecodeError, ValidationError) as exc:
        dead_letters.send(topic, record, exc)
        sink.skip()
        return
    try:
        for view in topic_views:
            sink.add_message(view, message)
    except Exception:
        log.exception("unexpected failure on %s[%d]@%d", record.topic(), record.partition(), record.offset())
        raise
    if isinstance(message, ApplicationUpdated):
        metrics.APPLICATIONS.labels(message.channel or "none", message.status.value).inc()


async def _commit_batch(connection: asyncpg.Connection, consumer: Consumer, sink: PostgresViewSink,
                        dead_letters: _DeadLetters) -> None:
    """Rows first, dead letters acknowledged, then the offsets: nothing is committed that is not kept."""
    records = sink.pending
    written = await sink.flush(connection)
    await asyncio.to_thread(dead_letters.flush)
    try:
        await asyncio.to_thread(consumer.commit, asynchronous=False)
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError._NO_OFFSET:
            raise
    log.debug("committed %d records (%d rows)", records, written)
