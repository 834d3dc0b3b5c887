"""Creates and checks the catalog's topics and subjects on a live cluster (`resumeflow topics apply|list`)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from confluent_kafka import ConsumerGroupTopicPartitions, KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewTopic,
    OffsetSpec,
)

from streams.errors import CoPartitioningError, ResumeflowError
from streams.kafka_clients import Serdes
from streams.settings import Settings
from streams.topics import Scope, TopicSpec, catalog

log = logging.getLogger(__name__)
TIMEOUT_S = 30.0
# How long `topics apply` waits for the partitions it created to be served. A broker that also serves other
# clients takes its time: a CI run here, beside other stacks and disk-heavy work, had a session's ~700 new
# partitions unserved after 30 s, and every test of that session failed at set-up.
SERVE_TIMEOUT_S = 180.0
# Kafka's default group.min.session.timeout.ms (broker configs, "group.min.session.timeout.ms": 6000), in seconds.
KAFKA_DEFAULT_MIN_SESSION_S = 6.0


@dataclass(frozen=True)
class TopicState:
    spec: TopicSpec
    partitions: int | None  # None: the topic does not exist


def admin_client(settings: Settings) -> AdminClient:
    return AdminClient({"bootstrap.servers": settings.kafka_bootstrap_servers})


def existing_partitions(admin: AdminClient) -> dict[str, int]:
    metadata = admin.list_topics(timeout=TIMEOUT_S)
    return {name: len(topic.partitions) for name, topic in metadata.topics.items() if topic.error is None}


def topic_states(settings: Settings, admin: AdminClient) -> list[TopicState]:
    existing = existing_partitions(admin)
    return [TopicState(spec, existing.get(spec.name)) for spec in catalog(settings)]


def apply_topics(settings: Settings, admin: AdminClient) -> list[str]:
    """Create missing topics, bring configs in line, register every subject. Safe to run again.

    A partition count that differs is refused rather than changed: adding partitions to a user topic would move
    users to other cells while their state stays behind.
    """
    changes: list[str] = []
    states = topic_states(settings, admin)
    wrong = [s for s in states if s.partitions is not None and s.partitions != s.spec.partitions(settings)]
    if wrong:
        detail = ", ".join(f"{s.spec.name} has {s.partitions}" for s in wrong)
        raise CoPartitioningError(
            f"expected {settings.cell_partitions} partitions: {detail}. Changing the cell count needs a "
            "repartitioning migration (replay into new topics), not an in-place change."
        )
    missing = [
        NewTopic(s.spec.name, s.spec.partitions(settings), settings.replication_factor, config=s.spec.config(settings))
        for s in states
        if s.partitions is None
    ]
    if missing:
        for name, future in admin.create_topics(missing, request_timeout=TIMEOUT_S).items():
            try:
                future.result()
                changes.append(f"created {name}")
            except KafkaException as exc:
                if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":  # another worker won the race
                    raise ResumeflowError(f"cannot create topic {name}: {exc}") from exc
        wait_until_served(admin, [t.topic for t in missing])
    resources = [
        ConfigResource(
            ConfigResource.Type.TOPIC,
            s.spec.name,
            incremental_configs=[
                ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET)
                for k, v in s.spec.config(settings).items()
            ],
        )
        for s in states
        if s.partitions is not None
    ]
    if resources:
        for _resource, future in admin.incremental_alter_configs(resources).items():
            future.result()
    return changes


def wait_until_served(admin: AdminClient, names: list[str], timeout_s: float = SERVE_TIMEOUT_S) -> None:
    """Until every partition of the topics `names` answers an offset request from its leader.

    A created topic reaches the brokers a moment after the controller answers, first their metadata and then
    the leaders themselves; a producer or reader started in that moment was told the topic does not exist, or
    that the broker is not its leader. Raises `ResumeflowError` after `timeout_s`."""
    started = time.monotonic()
    said = False
    pending = set(names)
    while True:
        pending = _not_served(admin, pending)
        if not pending:
            return
        waited = time.monotonic() - started
        if waited >= timeout_s:
            raise ResumeflowError(f"created but not served after {timeout_s:.0f} s: {', '.join(sorted(pending)[:5])}")
        if waited >= 10 and not said:  # a slow broker: say what the command is waiting for
            log.info("%d new topic(s) not served by their leaders yet; waiting up to %.0f s", len(pending), timeout_s)
            said = True
        time.sleep(0.2)


def _not_served(admin: AdminClient, names: set[str]) -> set[str]:
    topics = admin.list_topics(timeout=TIMEOUT_S).topics
    pending = {n for n in names if n not in topics or topics[n].error is not None
               or any(p.leader < 0 for p in topics[n].partitions.values())}
    partitions = [TopicPartition(n, p) for n in names - pending for p in topics[n].partitions]
    if partitions:
        for tp, future in admin.list_offsets({tp: OffsetSpec.latest() for tp in partitions}).items():
            try:
                future.result()
            except KafkaException:
                pending.add(tp.topic)
    return pending


def register_subjects(settings: Settings, serdes: Serdes) -> list[str]:
    """Register each key and value schema under TopicNameStrategy subjects; returns `subject=id` lines."""
    lines = []
    for spec in catalog(settings):
        key = serdes.key(spec)
        for serde in (key, serdes.value(spec)) if key is not None else (serdes.value(spec),):
            lines.append(f"{serde.subject}={serde.bind()}")
    return lines


def check_copartitioning(settings: Settings, admin: AdminClient) -> None:
    """Fail start-up when keyed topics disagree on partitions: a user's (or a board's) records and state must
    all be in one partition number, which a table can only guarantee when the counts agree."""
    problems = []
    for state in topic_states(settings, admin):
        if state.spec.scope not in (Scope.USER, Scope.BOARD, Scope.JOB, Scope.SEGMENT):
            continue
        if state.partitions is None:
            problems.append(f"{state.spec.name} is missing")
        elif state.partitions != state.spec.partitions(settings):
            problems.append(f"{state.spec.name} has {state.partitions}")
    if problems:
        raise CoPartitioningError(
            f"user and board topics must all have {settings.cell_partitions} partitions "
            "(run `resumeflow topics apply`): " + "; ".join(problems)
        )


def broker_min_session_timeout_s(admin: AdminClient) -> float | None:
    """The cluster's smallest allowed consumer session (`group.min.session.timeout.ms` of one broker, in seconds),
    or None when it cannot be read (a managed cluster may refuse DescribeConfigs, a broker may not answer)."""
    try:
        brokers = admin.list_topics(timeout=TIMEOUT_S).brokers
        resource = ConfigResource(ConfigResource.Type.BROKER, str(min(brokers)))
        [future] = admin.describe_configs([resource], request_timeout=TIMEOUT_S).values()
        entry = future.result(timeout=TIMEOUT_S).get("group.min.session.timeout.ms")
        return int(entry.value) / 1000 if entry is not None and entry.value is not None else None
    except (KafkaException, ValueError, TimeoutError) as exc:
        log.warning("could not read the brokers' group.min.session.timeout.ms (%s)", exc)
        return None


def session_the_broker_allows(settings: Settings, admin: AdminClient) -> Settings:
    """`settings`, with the consumer session raised to the brokers' floor when it is below it (a broker refuses
    to let a consumer join with a shorter one: INVALID_SESSION_TIMEOUT). The default 3 s needs
    `group.min.session.timeout.ms` <= 3000, which the local stack, kafka-compose.yml and the Strimzi `Kafka` set;
    a cluster left at Kafka's 6000 gets 6 s sessions and a warning, not workers that cannot join. When the floor
    cannot be read, Kafka's default floor (`KAFKA_DEFAULT_MIN_SESSION_S`) is assumed: a session below it would be
    refused by every cluster that kept the default, and aiokafka takes that refusal as fatal."""
    floor_s = broker_min_session_timeout_s(admin)
    if floor_s is None:
        floor_s = KAFKA_DEFAULT_MIN_SESSION_S
        log.warning("assuming Kafka's default group.min.session.timeout.ms (%g s)", floor_s)
    if settings.broker_session_timeout_s >= floor_s:
        return settings
    log.warning("RESUMEFLOW_BROKER_SESSION_TIMEOUT_S=%g is below the brokers' group.min.session.timeout.ms "
                "(%g s): using %g s; a dead worker's cells move that much later", settings.broker_session_timeout_s,
                floor_s, floor_s)
    return settings.model_copy(update={"broker_session_timeout_s": floor_s})


def committed_offsets(admin: AdminClient, group_id: str, partitions: list[TopicPartition]
                      ) -> dict[tuple[str, int], int | None]:
    """(topic, partition) -> the offset consumer group `group_id` committed there; None where it never did."""
    [future] = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group_id, partitions)]).values()
    return {(tp.topic, tp.partition): (tp.offset if tp.offset >= 0 else None)
            for tp in future.result(timeout=TIMEOUT_S).topic_partitions}


def group_lag(admin: AdminClient, group_id: str, topics: list[str]) -> int:
    """Records on `topics` that consumer group `group_id` has not committed yet (all partitions)."""
    metadata = admin.list_topics(timeout=TIMEOUT_S)
    partitions = [TopicPartition(t, p) for t in topics for p in metadata.topics[t].partitions]
    ends = {
        (tp.topic, tp.partition): result.result().offset
        for tp, result in admin.list_offsets({tp: OffsetSpec.latest() for tp in partitions}).items()
    }
    committed = committed_offsets(admin, group_id, partitions)
    return sum(max(end - (committed.get(key) or 0), 0) for key, end in ends.items())


def delete_namespace(admin: AdminClient, prefix: str) -> list[str]:
    """Delete every topic whose name starts with `prefix` (a deployment's topics, changelogs and internal topics
    when it is the app id or topic prefix): a test session or a drill leaves nothing behind. Returns them."""
    if not prefix:
        raise ValueError("refusing to delete every topic: give a prefix")
    names = [name for name in admin.list_topics(timeout=TIMEOUT_S).topics if name.startswith(prefix)]
    if names:
        for _name, future in admin.delete_topics(names, operation_timeout=TIMEOUT_S).items():
            try:
                future.result()
            except KafkaException as exc:  # listed while its deletion (an earlier one's) was still under way
                if exc.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART:
                    raise
    return names


@dataclass(frozen=True)
class PartitionReplicas:
    topic: str
    partition: int
    leader: int  # broker id; -1: none (every replica is down)
    replicas: tuple[int, ...]
    isr: tuple[int, ...]  # in-sync replicas: those a write with acks=all waits for


def partition_replicas(admin: AdminClient, prefix: str = "", timeout_s: float = TIMEOUT_S) -> list[PartitionReplicas]:
    """Leader, replicas and in-sync replicas of every partition of the topics whose name starts with `prefix`
    (what `kafka-topics --describe` prints), sorted by topic and partition. KafkaException after `timeout_s`
    (a request sent to a broker that just died waits for the whole of it)."""
    metadata = admin.list_topics(timeout=timeout_s)
    return sorted(
        (PartitionReplicas(name, p.id, p.leader, tuple(p.replicas), tuple(p.isrs))
         for name, topic in metadata.topics.items() if name.startswith(prefix) and topic.error is None
         for p in topic.partitions.values()),
        key=lambda r: (r.topic, r.partition),
    )
