"""How the query API writes: a user's decision or an ATS notification becomes a record on its command topic,
acknowledged by the broker before the API answers (a 202 means the command is durable). The API never writes
pipeline state to the database: the processors decide and the views follow."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from streams.kafka_clients import RecordPublisher, Serdes, registry_client
from streams.messages import Message
from streams.settings import Settings
from streams.topics import TopicSpec

Publish = Callable[[TopicSpec, str, Message], Awaitable[None]]
ACK_TIMEOUT_S = 10.0


def kafka_publisher(settings: Settings) -> Publish:
    """`publish(topic, key, message)`: Avro on the deployment's topic, keyed by `key` (a user id), awaited until
    the broker acknowledged it; raises ResumeflowError after `ACK_TIMEOUT_S` without. The producer is made on
    first use (in a thread: the Kafka client blocks), so an API that never writes never connects to Kafka."""
    publisher: RecordPublisher | None = None

    def send(topic: TopicSpec, key: str, message: Message) -> None:
        nonlocal publisher
        publisher = publisher or RecordPublisher(settings, Serdes(registry_client(settings)))
        publisher.publish(topic, key, message)
        publisher.flush(ACK_TIMEOUT_S)

    async def publish(topic: TopicSpec, key: str, message: Message) -> None:
        await asyncio.to_thread(send, topic, key, message)

    return publish
