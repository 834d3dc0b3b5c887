"""Faust around the shared codec: a registered Avro codec, tables of cells in Avro, one app per processor.

Nothing is created at import time: `create_app` builds a processor's app from the settings and installs one
generic `CellAgent` per agent the processor declares (`streams.processor`).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import faust
from faust.serializers import codecs
from mode import CrashingSupervisor

from streams import metrics
from streams.admin import admin_client, group_lag
from streams.cell_agent import COMMIT_INTERVAL_S, CellAgent, CrashCounter, PortsHandle
from streams.codec import AvroSerde
from streams.kafka_clients import Serdes
from streams.processor import ProcessorSpec
from streams.settings import Settings
from streams.topics import BOARD_CELL_MAX_BYTES, TableSpec

log = logging.getLogger(__name__)


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


class ResumeflowApp(faust.App):
    """A Faust app that knows the catalog's serdes, so topics and tables use the one codec."""

    def __init__(self, settings: Settings, serdes: Serdes, processor_label: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.settings = settings
        self.serdes = serdes
        self.processor_label = processor_label
        # Per input partition of a cell agent, the offset after the unbroken run of records the agent acknowledged
        # since the partition was assigned (streams/contiguity.py): the only offsets this app commits for them.
        self.processed_to: dict[Any, int] = {}
        self.agent_topics: set[str] = set()
        # Work of the agents Faust does not track (the idle watch's reads from the broker), awaited when a
        # rebalance begins, before Faust waits for its streams and commits (`_consumer_wait_empty`).
        self.before_revoke: list[Callable[[], Awaitable[None]]] = []

    async def _consumer_wait_empty(self, consumer: Any, logger: Any) -> None:
        """Faust's last step before its commit at a rebalance: first the agents finish what they are doing that
        Faust does not know of, so that commit includes it (else the partition's next owner redoes it)."""
        for finish in self.before_revoke:
            await finish()
        await super()._consumer_wait_empty(consumer, logger)

    def _new_consumer(self) -> Any:
        """Faust's consumer, committing for a cell agent's partitions only what the agent processed.

        Faust commits the run of offsets *it* saw acknowledged, and it acknowledges records the agent never had:
        one skipped while a rebalance suspends the flow (`Stream._py_aiter` acks skipped values), one at the
        committed offset that its commit steps over (faust-streaming issue #606). Its own computation still runs,
        as it trims Faust's lists of acknowledged offsets."""
        consumer = super()._new_consumer()
        faust_new_offset = consumer._new_offset

        def new_offset(tp: Any) -> int | None:
            offset = faust_new_offset(tp)
            return self.processed_to.get(tp) if tp.topic in self.agent_topics else offset

        consumer._new_offset = new_offset  # type: ignore[method-assign]
        faust_pending = consumer._filter_tps_with_pending_acks

        def pending(topics: Any = None) -> Any:
            # Faust commits only partitions it holds acknowledgements for (emptied at every rebalance); one whose
            # records since the assignment all came from the broker (the idle watch) would never be committed.
            tps = set(faust_pending(topics))
            tps.update(tp for tp in self.processed_to
                       if topics is None or tp in topics or tp.topic in topics)
            return iter(tps)

        consumer._filter_tps_with_pending_acks = pending  # type: ignore[method-assign]
        return consumer

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


class CellTable(faust.Table):
    """A table whose keys and values go through the Avro codec: Faust only derives a table's serializers from
    faust.Record types, so they are set here after construction, before the store is opened."""

    def __init__(self, app: faust.App, *, key_codec: str, value_codec: str, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self.key_serializer = key_codec
        self.value_serializer = value_codec


async def wait_until_consumed(app: ResumeflowApp, topics: list[str], *, settle_s: float = 1.0) -> None:
    """Until this app's consumer group has committed everything on `topics` (checked twice, `settle_s` apart,
    so records produced while catching up are waited for too)."""
    admin = admin_client(app.settings)
    clean_checks = 0
    while clean_checks < 2:
        await asyncio.sleep(settle_s)
        lag = await asyncio.to_thread(group_lag, admin, app.conf.id, topics)
        clean_checks = clean_checks + 1 if lag == 0 else 0


def worker_datadir(settings: Settings, app_id: str) -> Path:
    """One directory per app and worker: RocksDB locks its files, and a table's offsets belong to one changelog."""
    return settings.home / "workers" / app_id / settings.worker_id


def new_app(settings: Settings, serdes: Serdes, label: str) -> ResumeflowApp:
    """A Faust app with the settings every processor runs with, and no agents yet (`create_app` adds them; the
    ceiling benchmark runs a bare Faust agent on the very same settings). Its id is `<app id>-<label>`."""
    app_id = f"{settings.app_id}-{label}"
    datadir = worker_datadir(settings, app_id)
    datadir.mkdir(parents=True, exist_ok=True)
    return ResumeflowApp(
        settings,
        serdes,
        label,
        id=app_id,
        broker=f"kafka://{settings.kafka_bootstrap_servers}",
        store="rocksdb://",
        datadir=str(datadir),
        topic_partitions=settings.cell_partitions,
        topic_replication_factor=settings.replication_factor,
        producer_acks=-1,  # all in-sync replicas (min.insync.replicas of them) have each record
        table_standby_replicas=settings.table_standby_replicas,
        broker_session_timeout=settings.broker_session_timeout_s,
        broker_heartbeat_interval=settings.broker_heartbeat_interval_s,
        broker_rebalance_timeout=settings.broker_rebalance_timeout_s,
        # The worker (id and process) in the client id, so the consumer group's description says which worker owns
        # which cells, and `resumeflow replay` which workers still run.
        broker_client_id=f"{app_id}-{settings.worker_id}.pid{os.getpid()}",
        processing_guarantee="at_least_once",
        broker_commit_interval=COMMIT_INTERVAL_S,
        web_enabled=False,
        autodiscover=False,
        agent_supervisor=CrashingSupervisor,
        producer_max_request_size=BOARD_CELL_MAX_BYTES,  # a board cell with thousands of postings is one record
    )


def create_app(settings: Settings, serdes: Serdes, processor: ProcessorSpec, *,
               agent_class: type[CellAgent] = CellAgent) -> ResumeflowApp:
    """The Faust app of one processor. Its consumer group is `<app id>-<processor>`, whichever other processors
    run beside it, so adding a machine that runs a processor only adds a worker to that processor's group.
    `agent_class` is for the ceiling benchmark, which times the generic agent from a subclass."""
    app = new_app(settings, serdes, processor.name)
    ports = PortsHandle(processor.open_ports, settings)
    crashes = CrashCounter(settings, app.conf.id)
    agents = [agent_class(app, spec, ports, crashes) for spec in processor.agents]
    for agent in agents:
        agent.install()
    inputs = {name for agent in agents for name in agent.inputs}
    metrics.CELLS.labels(processor.name).set(
        max((topic.partitions(settings) for agent in agents for _, topic in agent.inputs.values()), default=0))

    async def owned(sender: object, assigned: set[Any], **kwargs: object) -> None:
        # A rebalance hands over the whole new assignment: the cells are its partitions of the input topics.
        metrics.CELLS_OWNED.labels(processor.name).set(len({tp.partition for tp in assigned if tp.topic in inputs}))

    app.on_partitions_assigned.connect(owned)
    if processor.extra_wiring is not None:
        processor.extra_wiring(app, {agent.spec.table.name: agent.table for agent in agents})

    async def close(sender: object, **kwargs: object) -> None:
        await ports.close()
        await crashes.close()

    app.on_before_shutdown.connect(close)
    return app


def prepare_local_state(app: ResumeflowApp) -> list[str]:
    """Before the worker starts: drop a table partition whose local state (RocksDB on this disk) claims more of
    its changelog than the changelog holds — state from a wiped or replaced cluster. Faust would otherwise stop
    with a ConsistencyError (or, on an empty changelog, silently keep the stale cells); without the partition's
    files it rebuilds them from the changelog, which is the truth. Returns the partitions dropped."""
    import shutil

    import rocksdict
    from confluent_kafka import TopicPartition
    from confluent_kafka.admin import OffsetSpec

    tabledir = Path(app.conf.tabledir)
    if not tabledir.is_dir():
        return []
    admin = admin_client(app.settings)
    dropped = []
    for table in app.tables.values():
        changelog = table.changelog_topic.get_topic_name()
        local = {}
        for path in tabledir.glob(f"{table.name}-*.db"):
            suffix = path.name[len(table.name) + 1:-3]
            if not suffix.isdigit():
                continue
            db = rocksdict.Rdict(str(path), options=rocksdict.Options(raw_mode=True),
                                 access_type=rocksdict.AccessType.read_only())
            try:
                raw = db.get(OFFSET_KEY)
            finally:
                db.close()
            if raw is not None:
                local[int(suffix)] = (path, int(raw))
        if not local:
            continue
        requests = {TopicPartition(changelog, p): OffsetSpec.latest() for p in local}
        try:
            ends = {tp.partition: future.result().offset for tp, future in admin.list_offsets(requests).items()}
        except Exception:  # the changelog does not exist (yet): nothing in it can back the local state
            ends = dict.fromkeys(local, 0)
        for partition, (path, persisted) in sorted(local.items()):
            if persisted >= ends.get(partition, 0):
                log.warning("local state of %s partition %d is at changelog offset %d, but the changelog ends at "
                            "%d: dropping it to rebuild from the changelog", table.name, partition, persisted,
                            ends.get(partition, 0))
                shutil.rmtree(path)
                dropped.append(f"{table.name}-{partition}")
    return dropped


OFFSET_KEY = b"__faust\0offset__"  # where Faust's RocksDB store keeps a partition's applied changelog offset
