"""Faust around the shared codec: a registered Avro codec, topics that dead-letter poison records, the app.

Nothing is created at import time: `create_app` builds the app from settings and lets each processor declare
its agents and tables on it.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import faust
from faust.serializers import codecs
from faust.types import Message as FaustMessage
from mode import CrashingSupervisor
from pydantic import BaseModel, ValidationError

from streams.admin import admin_client, group_lag
from streams.codec import AvroSerde
from streams.kafka_clients import Serdes
from streams.messages import DeadLetter, new_event_id, utc_now
from streams.settings import Settings
from streams.topics import BOARD_CELL_MAX_BYTES, TableSpec, TopicSpec, dead_letter_topic

log = logging.getLogger(__name__)
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
MAX_ERROR_CHARS = 2000


class FaustAvroCodec(codecs.Codec):
    """Faust's view of an `AvroSerde`, registered under `avro:<subject>`."""

    def __init__(self, serde: AvroSerde) -> None:
        super().__init__()
        self.serde = serde

    def _dumps(self, obj: Any) -> bytes:
        return self.serde.encode(obj)

    def _loads(self, s: bytes) -> Any:
        return self.serde.decode(s)


def register_codec(serde: AvroSerde) -> str:
    name = f"avro:{serde.subject}"
    codecs.register(name, FaustAvroCodec(serde))
    return name


def dead_letter_for(processor: str, message: FaustMessage, exc: BaseException) -> DeadLetter:
    """The dead letter for a record that failed decoding or validation: whole, with the reason (pure)."""
    reason = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return DeadLetter(
        event_id=new_event_id(),
        occurred_at=utc_now(),
        processor=processor,
        source_topic=message.topic,
        source_partition=message.partition,
        source_offset=message.offset,
        error_type=type(exc).__name__,
        error=reason[:MAX_ERROR_CHARS],
        key=message.key,
        value=message.value,
    )


class ResumeflowApp(faust.App):
    """A Faust app that knows the catalog's serdes, so topics and tables use the one codec."""

    def __init__(self, settings: Settings, serdes: Serdes, processor_label: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.serdes = serdes
        self.processor_label = processor_label

    def catalog_topic(self, spec: TopicSpec) -> DeadLetteringTopic:
        key = self.serdes.key(spec)
        return DeadLetteringTopic(
            self,
            topics=[spec.name],
            partitions=spec.partitions(self.settings),
            key_serializer=register_codec(key) if key is not None else "raw",
            value_serializer=register_codec(self.serdes.value(spec)),
            dead_letters=dead_letter_topic(spec) if spec.dlq else None,
        )

    def cell_table(self, spec: TableSpec, *, help: str) -> CellTable:
        """A RocksDB-backed table of cells, partitioned like the user topics, changelogged in Avro."""
        changelog = spec.changelog(self.settings)
        key_codec = register_codec(self.serdes.key(changelog))  # type: ignore[arg-type]
        value_codec = register_codec(self.serdes.value(changelog))
        table = CellTable(
            self,
            name=spec.name,
            key_codec=key_codec,
            value_codec=value_codec,
            partitions=self.settings.cell_partitions,
            changelog_topic=self.topic(
                changelog.name,
                partitions=self.settings.cell_partitions,
                compacting=True,
                deleting=False,
                key_serializer=key_codec,
                value_serializer=value_codec,
            ),
            help=help,
            beacon=self.tables.beacon,
        )
        return self.tables.add(table)  # type: ignore[return-value]

    async def valid_events(self, stream: Any, model: type[M], source: TopicSpec) -> AsyncIterator[tuple[M, Any]]:
        """The stream's records validated as `model`, with their events; a record that does not validate goes
        to `source`'s dead-letter topic and the stream goes on."""
        async for event in stream.events():
            try:
                value = model.model_validate(event.value)
            except ValidationError as exc:
                await self.dead_letter_event(source, event, exc)
                continue
            yield value, event

    async def dead_letter_event(self, source: TopicSpec, event: Any, exc: BaseException) -> None:
        """Send the record behind `event` (which did not validate) to `source`'s dead-letter topic."""
        letter = dead_letter_for(self.processor_label, event.message, exc)
        await self.send_dead_letter(dead_letter_topic(source), letter)

    async def send_dead_letter(self, dlq: TopicSpec, letter: DeadLetter) -> None:
        """Wait for the broker's ack: the poison record's offset is committed soon after, and must not be lost."""
        value = self.serdes.value(dlq).encode(letter)
        await self.producer.send_and_wait(dlq.name, key=letter.key, value=value, partition=letter.source_partition,
                                          timestamp=None, headers=None)
        log.warning("dead-lettered %s[%d]@%d to %s: %s", letter.source_topic, letter.source_partition,
                    letter.source_offset, dlq.name, letter.error_type)


class CellTable(faust.Table):
    """A table whose keys and values go through the Avro codec: Faust only derives a table's serializers from
    faust.Record types, so they are set here after construction, before the store is opened."""

    def __init__(self, app: faust.App, *, key_codec: str, value_codec: str, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.key_serializer = key_codec
        self.value_serializer = value_codec


class DeadLetteringTopic(faust.Topic):
    """A topic whose undecodable records go to its dead-letter topic instead of killing the agent."""

    def __init__(self, *args: Any, dead_letters: TopicSpec | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dead_letters = dead_letters

    def _clone_args(self) -> dict[str, Any]:
        return {**super()._clone_args(), "dead_letters": self.dead_letters}

    async def on_key_decode_error(self, exc: Exception, message: FaustMessage) -> None:
        await self._dead_letter(exc, message)

    async def on_value_decode_error(self, exc: Exception, message: FaustMessage) -> None:
        await self._dead_letter(exc, message)

    async def _dead_letter(self, exc: Exception, message: FaustMessage) -> None:
        app: ResumeflowApp = self.app  # type: ignore[assignment]
        if self.dead_letters is None:
            raise exc
        # Faust wraps our DecodeError in its own KeyDecodeError/ValueDecodeError; report the cause.
        cause = exc.__cause__ or exc
        await app.send_dead_letter(self.dead_letters, dead_letter_for(app.processor_label, message, cause))


@dataclass(frozen=True)
class Processor:
    """A stream processor: a name and a function that declares its agents and tables on the app."""

    name: str
    install: Callable[[ResumeflowApp], None]
    doc: str = ""
    consumes: tuple[TopicSpec, ...] = field(default_factory=tuple)


async def wait_until_consumed(app: ResumeflowApp, topics: list[str], *, settle_s: float = 1.0) -> None:
    """Until this app's consumer group has committed everything on `topics` (checked twice, `settle_s` apart,
    so records produced while catching up are waited for too)."""
    admin = admin_client(app.settings)
    clean_checks = 0
    while clean_checks < 2:
        await asyncio.sleep(settle_s)
        lag = await asyncio.to_thread(group_lag, admin, app.conf.id, topics)
        clean_checks = clean_checks + 1 if lag == 0 else 0


# A record can reach a user's cell before what it needs from another topic or partition (the user's profile, a
# posting's analysis); an agent waits this long for it, then fails loudly so the worker restarts and retries.
WAIT_FOR_INPUTS_S = 120.0


async def wait_for(read: Callable[[], Awaitable[T | None]], what: str) -> T:
    """The value once `read` has one; a TimeoutError after WAIT_FOR_INPUTS_S."""
    deadline = asyncio.get_running_loop().time() + WAIT_FOR_INPUTS_S
    while (value := await read()) is None:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"{what} did not arrive within {WAIT_FOR_INPUTS_S:.0f}s")
        await asyncio.sleep(0.5)
    return value


def worker_datadir(settings: Settings, app_id: str) -> Path:
    """One directory per app and worker: RocksDB locks its files, and a table's offsets belong to one changelog."""
    return settings.home / "workers" / app_id / settings.worker_id


def create_app(settings: Settings, serdes: Serdes, processors: Iterable[Processor]) -> ResumeflowApp:
    """One Faust app for a worker running `processors`; its consumer group is named after them, so workers
    running the same set share the work and failover between them."""
    chosen = sorted(processors, key=lambda p: p.name)
    label = "-".join(p.name for p in chosen)  # also names Faust's internal topics: no "+" allowed there
    app_id = f"{settings.app_id}-{label}"
    datadir = worker_datadir(settings, app_id)
    datadir.mkdir(parents=True, exist_ok=True)
    app = ResumeflowApp(
        settings,
        serdes,
        label,
        id=app_id,
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        store="rocksdb://",
        datadir=str(datadir),
        topic_partitions=settings.cell_partitions,
        topic_replication_factor=settings.replication_factor,
        table_standby_replicas=settings.table_standby_replicas,
        processing_guarantee="at_least_once",
        web_enabled=False,
        autodiscover=False,
        agent_supervisor=CrashingSupervisor,
        producer_max_request_size=BOARD_CELL_MAX_BYTES,  # a board cell with thousands of postings is one record
    )
    for processor in chosen:
        processor.install(app)
    return app
