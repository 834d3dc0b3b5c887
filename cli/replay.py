"""`resumeflow replay PROCESSOR (--from TIME | --offsets SPEC) [--cell N | --user EMAIL] [--dry-run] [--follow]`:
reprocess a processor's input from a point, by moving its consumer group back.

A processor reads its input topics in one consumer group, `<app id>-<processor>` (`streams.faust_wiring`); a
cell is one partition number of those topics. Replay is Kafka's own way: the group's committed offsets are set
back (what `kafka-consumer-groups.sh --reset-offsets --to-datetime` does, through the AdminClient), and the
processor's workers, when they start, read everything from there again. It is safe because every effect is
idempotent by event id: outputs carry ids derived from their input, the sinks upsert by them, and submission's
ledger sends an application once.

- `--from TIME`: per partition, the first record at or after TIME (ISO 8601; `earliest` for the beginning).
- `--offsets SPEC`: exact offsets, comma-separated `TOPIC:PARTITION=OFFSET` (the topic's catalog name, with or
  without the deployment's prefix) or `PARTITION=OFFSET` (that partition of every input topic), e.g.
  `user.profiles:2=140,0=0`. Partitions not named are left as they are.
- `--cell N`: only partition N of every input topic. `--user EMAIL`: only the user's cell, and only the input
  topics keyed by user (a posting's or a board's records are in the posting's or the board's cell): the partition
  the producers' partitioner (murmur2 of the Avro-encoded key, as Java, Faust and librdkafka's
  `murmur2_random` compute it) puts that user's records in.
- `--dry-run`: per partition the committed offset, the target, the end, and how many records would be processed
  again; nothing changes.
- `--follow`: after the rewind (or alone, for the last replay of the processor), a progress bar with counts and
  rate until the group's committed offsets reach the ends captured at rewind time (kept in
  `<home>/replays/<group>.json`). Ctrl-C stops watching; the replay goes on in the workers.

A group can only be moved while it has no members: the processor's workers must be stopped (all of them, on
every machine) first; the command names the ones still running and changes nothing. A target is never ahead of
the committed offset: replay reprocesses, it never skips. `PROCESSOR` may be `all`.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from aiokafka.partitioner import DefaultPartitioner
from confluent_kafka import ConsumerGroupState, ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, OffsetSpec

from streams.admin import committed_offsets as admin_committed_offsets
from streams.errors import ResumeflowError, UserError
from streams.ids import user_id_for_email
from streams.processor import ProcessorSpec
from streams.settings import Settings, load_settings
from streams.topics import Scope, TopicSpec

TIMEOUT_S = 30.0
FOLLOW_POLL_S = 1.0
EARLIEST = "earliest"
RETRIES, RETRY_S = 5, 1.0
T = TypeVar("T")


@dataclass(frozen=True)
class OffsetTarget:
    """One item of `--offsets`: `topic` None means that partition of every input topic."""

    topic: str | None
    partition: int
    offset: int


@dataclass(frozen=True)
class PartitionPlan:
    """One partition of a replay. Offsets are Kafka offsets (the next record to read); `committed` is None when
    the group never committed there (its workers will read it from the start anyway)."""

    group: str
    topic: str
    partition: int
    low: int
    end: int
    committed: int | None
    target: int

    @property
    def reprocessed(self) -> int:
        """Records read again: those between the target and what the group had already processed."""
        return 0 if self.committed is None else max(self.committed - self.target, 0)

    @property
    def moves(self) -> bool:
        return self.committed is not None and self.target < self.committed


def parse_offsets(text: str) -> list[OffsetTarget]:
    """`TOPIC:PARTITION=OFFSET` or `PARTITION=OFFSET`, comma-separated, as `OffsetTarget`s. Raises UserError."""
    targets = []
    for item in (part.strip() for part in text.split(",")):
        place, sep, offset = item.partition("=")
        topic, colon, partition = place.rpartition(":")
        if not sep or not partition.isdigit() or not offset.isdigit() or (colon and not topic):
            raise UserError(f"{item!r} is not TOPIC:PARTITION=OFFSET or PARTITION=OFFSET, e.g. user.profiles:2=140")
        targets.append(OffsetTarget(topic or None, int(partition), int(offset)))
    if not targets:
        raise UserError("--offsets names no offset")
    return targets


def parse_from(text: str) -> datetime | None:
    """An ISO 8601 time (UTC if no zone), or None for `earliest`. Raises UserError."""
    if text.strip().lower() in (EARLIEST, "beginning"):
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UserError(f"{text!r} is not an ISO 8601 time (e.g. 2026-11-30T09:00:00Z) or 'earliest'") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def partition_for_key(key: bytes, partitions: int) -> int:
    """The partition a keyed record goes to: murmur2 of the key bytes, sign bit cleared, modulo the count — the
    Java client's and Faust's default partitioner, and librdkafka's `murmur2_random` for a non-empty key."""
    return int(DefaultPartitioner()(key, list(range(partitions)), []))


def offset_targets(targets: Sequence[OffsetTarget], topics: Sequence[str], prefix: str
                   ) -> dict[tuple[str, int], int]:
    """`--offsets` resolved to `(topic, partition) -> offset` over a processor's input `topics` (full names);
    a topic may be named without the deployment's `prefix`. Raises UserError for a topic it does not read."""
    resolved: dict[tuple[str, int], int] = {}
    for target in targets:
        if target.topic is None:
            for topic in topics:
                resolved[(topic, target.partition)] = target.offset
            continue
        full = target.topic if target.topic in topics else prefix + target.topic
        if full not in topics:
            raise UserError(f"{target.topic} is not an input of this processor (it reads {', '.join(topics)})")
        resolved[(full, target.partition)] = target.offset
    return resolved


def clamp(target: int, low: int, end: int, committed: int | None) -> int:
    """A target within what the partition holds (retention may have removed the start), and never ahead of the
    committed offset: replay reprocesses, it never skips a record."""
    target = min(max(target, low), end)
    return target if committed is None else min(target, committed)


def progress(plans: Iterable[PartitionPlan], committed: dict[tuple[str, str, int], int]) -> tuple[int, int]:
    """(records done, records to do) of a replay: from each target to the end captured at rewind time, done as
    far as the group has committed since (`committed` keyed by (group, topic, partition))."""
    done = total = 0
    for plan in plans:
        total += max(plan.end - plan.target, 0)
        now = committed.get((plan.group, plan.topic, plan.partition), plan.target)
        done += min(max(now - plan.target, 0), max(plan.end - plan.target, 0))
    return done, total


# --- the cluster ---------------------------------------------------------------------------------------------


def group_id(settings: Settings, processor: ProcessorSpec) -> str:
    """A processor's consumer group: its Faust app id (`streams.faust_wiring.new_app`)."""
    return f"{settings.app_id}-{processor.name}"


def input_topics(settings: Settings, processor: ProcessorSpec) -> list[TopicSpec]:
    return list({t.name: t for t in processor.input_topics(settings)}.values())


def running_members(admin: AdminClient, group: str) -> list[str]:
    """The members of `group` right now, each as `client id on host (its partitions)`; empty when none."""
    [future] = admin.describe_consumer_groups([group], request_timeout=TIMEOUT_S).values()
    description = _answer(f"describing {group}", future.result)
    if description.state in (ConsumerGroupState.EMPTY, ConsumerGroupState.DEAD) and not description.members:
        return []
    members = []
    for member in description.members:
        owned = member.assignment.topic_partitions if member.assignment else []
        cells = sorted({tp.partition for tp in owned})
        members.append(f"{member.client_id} on {member.host.lstrip('/')}" + (f" (cells {cells})" if cells else ""))
    return members or [f"(the group is {description.state.name.lower()})"]


def _answer(what: str, ask: Callable[[], T]) -> T:
    """`ask()`, asked again while Kafka answers with a retriable error (a leader moving, a group coordinator
    loading); any other error is a ResumeflowError saying what was asked."""
    for attempt in range(RETRIES):
        try:
            return ask()
        except KafkaException as exc:
            error = exc.args[0]
            if attempt + 1 < RETRIES and getattr(error, "retriable", lambda: False)():
                time.sleep(RETRY_S)
                continue
            raise ResumeflowError(f"{what} failed: {error.str() if hasattr(error, 'str') else error}") from exc
    raise AssertionError("unreachable")


def _offsets(admin: AdminClient, partitions: list[TopicPartition], spec: OffsetSpec) -> dict[tuple[str, int], int]:
    if not partitions:
        return {}

    def ask() -> dict[tuple[str, int], int]:
        answers = admin.list_offsets({tp: spec for tp in partitions}, request_timeout=TIMEOUT_S)
        return {(tp.topic, tp.partition): future.result().offset for tp, future in answers.items()}

    return _answer("reading the partitions' offsets", ask)


def committed_offsets(admin: AdminClient, group: str, partitions: list[TopicPartition]
                      ) -> dict[tuple[str, int], int | None]:
    """`group`'s committed offset per partition; None where it never committed."""
    return _answer(f"reading {group}'s committed offsets", lambda: admin_committed_offsets(admin, group, partitions))


def _partitions(admin: AdminClient, topics: Sequence[TopicSpec]) -> list[TopicPartition]:
    metadata = _answer("reading the topics", lambda: admin.list_topics(timeout=TIMEOUT_S))
    found = []
    for topic in topics:
        live = metadata.topics.get(topic.name)
        if live is None or live.error is not None:
            raise UserError(f"{topic.name} does not exist (run `resumeflow topics apply`)")
        found += [TopicPartition(topic.name, p) for p in sorted(live.partitions)]
    return found


def user_cell(settings: Settings, topics: Sequence[TopicSpec], email: str, partitions: int) -> int:
    """The partition `email`'s user id lands in on the user-keyed `topics` (one number when they are
    co-partitioned, which `resumeflow worker` checks at start; ResumeflowError if they disagree)."""
    from streams.kafka_clients import Serdes, registry_client

    serdes = Serdes(registry_client(settings))
    user_id = user_id_for_email(email)
    cells = set()
    for topic in topics:
        key_serde = serdes.key(topic)
        if key_serde is not None:
            cells.add(partition_for_key(key_serde.encode(user_id), partitions))
    if len(cells) != 1:
        raise ResumeflowError(f"{email}'s records land in cells {sorted(cells)}: the user topics are not keyed alike")
    return cells.pop()


def plan(settings: Settings, admin: AdminClient, processor: ProcessorSpec, *, start: datetime | None,
         offsets: Sequence[OffsetTarget], cell: int | None, user: str | None) -> list[PartitionPlan]:
    """Every partition a replay of `processor` would move (or leave, when the target is where the group is)."""
    group = group_id(settings, processor)
    topics = input_topics(settings, processor)
    if user is not None:
        topics = [t for t in topics if t.scope is Scope.USER]
        if not topics:
            return []
        cell = user_cell(settings, topics, user, settings.cell_partitions)
    live = _partitions(admin, topics)
    partitions = [tp for tp in live if cell is None or tp.partition == cell]
    if cell is not None and not partitions:
        raise UserError(f"there is no cell {cell}: the input topics have {settings.cell_partitions} partitions")
    lows = _offsets(admin, partitions, OffsetSpec.earliest())
    ends = _offsets(admin, partitions, OffsetSpec.latest())
    committed = committed_offsets(admin, group, partitions)
    if offsets:
        wanted = offset_targets(offsets, [t.name for t in topics], settings.topic_prefix)
        missing = sorted(set(wanted) - {(tp.topic, tp.partition) for tp in live})
        if missing:
            raise UserError(f"no such partition: {', '.join(f'{t}[{p}]' for t, p in missing)}")
        partitions = [tp for tp in partitions if (tp.topic, tp.partition) in wanted]
        targets = dict(wanted)
    elif start is None:
        targets = dict(lows)
    else:
        ms = int(start.timestamp() * 1000)
        found = _offsets(admin, partitions, OffsetSpec.for_timestamp(ms))
        # No record at or after the time: the target is the end (nothing to read again there).
        targets = {key: offset if offset >= 0 else ends[key] for key, offset in found.items()}
    plans = []
    for tp in partitions:
        key = (tp.topic, tp.partition)
        plans.append(PartitionPlan(group, tp.topic, tp.partition, lows[key], ends[key], committed.get(key),
                                   clamp(targets[key], lows[key], ends[key], committed.get(key))))
    return plans


def rewind(admin: AdminClient, group: str, plans: Sequence[PartitionPlan]) -> None:
    """Set `group`'s committed offsets to the plans' targets. Raises UserError if the group has members."""
    moving = [TopicPartition(p.topic, p.partition, p.target) for p in plans if p.moves]
    if not moving:
        return
    [future] = admin.alter_consumer_group_offsets([ConsumerGroupTopicPartitions(group, moving)],
                                                  request_timeout=TIMEOUT_S).values()
    try:
        future.result()
    except KafkaException as exc:
        # A worker that joined between the check and the change: the broker refuses (UNKNOWN_MEMBER_ID).
        raise UserError(f"{group} refused the new offsets ({exc.args[0].str()}): are its workers stopped?") from exc


def _record_path(settings: Settings, group: str) -> Path:
    return settings.home / "replays" / f"{group}.json"


def save_record(settings: Settings, group: str, plans: Sequence[PartitionPlan]) -> None:
    path = _record_path(settings, group)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"rewound_at": datetime.now(UTC).isoformat(), "partitions": [asdict(p) for p in plans]}))


def load_record(settings: Settings, group: str) -> list[PartitionPlan]:
    path = _record_path(settings, group)
    if not path.exists():
        return []
    return [PartitionPlan(**row) for row in json.loads(path.read_text())["partitions"]]


# --- the command ---------------------------------------------------------------------------------------------


def _processors(names: list[str]) -> list[ProcessorSpec]:
    from cli.processors import PROCESSORS, resolve

    try:
        return resolve(names)
    except KeyError as exc:
        raise UserError(f"unknown processor {exc.args[0]}; choose from: all, {', '.join(PROCESSORS)}") from exc


def _print_plans(plans: Sequence[PartitionPlan], *, dry_run: bool) -> None:
    group_w = max([len("group"), *(len(p.group) for p in plans)])
    topic_w = max([len("topic"), *(len(p.topic) for p in plans)])
    print(f"{'group':{group_w}} {'topic':{topic_w}} {'part':>4} {'committed':>9} {'target':>9} {'end':>9} "
          f"{'reprocess':>9} {'lag now':>7}")
    for p in plans:
        committed = "-" if p.committed is None else str(p.committed)
        lag = p.end - (p.committed if p.committed is not None else p.low)
        print(f"{p.group:{group_w}} {p.topic:{topic_w}} {p.partition:>4} {committed:>9} {p.target:>9} {p.end:>9} "
              f"{p.reprocessed:>9} {lag:>7}")
    total = sum(p.reprocessed for p in plans)
    moved = sum(1 for p in plans if p.moves)
    verb = "would be" if dry_run else "will be"
    print(f"{total} records {verb} processed again, in {moved} of {len(plans)} partitions"
          + (" (dry run: nothing changed)" if dry_run else ""))


def _replay(args: argparse.Namespace) -> int:
    from streams.admin import admin_client

    processors = _processors(args.processor)
    settings = load_settings()
    admin = admin_client(settings)
    if args.start is None and args.offsets is None:
        if not args.follow:
            raise UserError("say where to replay from: --from TIME (or earliest) or --offsets SPEC")
        return follow(admin, [plan for p in processors for plan in load_record(settings, group_id(settings, p))])
    offsets = parse_offsets(args.offsets) if args.offsets is not None else []
    start = parse_from(args.start) if args.start is not None else None
    by_group = {group_id(settings, p): plan(settings, admin, p, start=start, offsets=offsets, cell=args.cell,
                                            user=args.user) for p in processors}
    if args.user is not None:
        cells = {p.partition for plans in by_group.values() for p in plans}
        print(f"{args.user} is in cell {', '.join(map(str, sorted(cells))) or '- (no input keyed by user)'}")
    every = [p for plans in by_group.values() for p in plans]
    running = {} if args.dry_run else {g: members for g in by_group if (members := running_members(admin, g))}
    if not running:
        _print_plans(every, dry_run=args.dry_run)
    if args.dry_run:
        return 0
    if running:
        lines = [f"  {group}: {', '.join(members)}" for group, members in running.items()]
        raise UserError("a consumer group can only be moved while none of its workers runs; still running:\n"
                        + "\n".join(lines) + "\nstop them (SIGTERM each `resumeflow worker` of "
                        f"{', '.join(g.removeprefix(settings.app_id + '-') for g in running)}, on every machine; a "
                        "worker killed with -9 stays a member until its session times out), then run this again")
    for group, plans in by_group.items():
        rewind(admin, group, plans)
        save_record(settings, group, plans)
    print(f"rewound {', '.join(by_group)}: start the workers (`resumeflow worker "
          f"{' '.join(p.name for p in processors)}`)" + ("" if args.follow else "; watch with --follow"))
    return follow(admin, every) if args.follow else 0


def follow(admin: AdminClient, plans: Sequence[PartitionPlan]) -> int:
    """A progress bar (tqdm: records, rate, time left) until every group committed up to the ends captured at
    rewind time. Ctrl-C stops watching only. The rate printed at the end counts only what was seen being done."""
    from tqdm import tqdm

    if not plans:
        raise UserError("no replay to follow: run it with --from or --offsets first")
    groups = sorted({p.group for p in plans})
    first: int | None = None
    started = time.monotonic()
    done, total = progress(plans, {})
    with tqdm(total=total, unit="rec", desc="replay", dynamic_ncols=True) as bar:
        try:
            while True:
                committed: dict[tuple[str, str, int], int] = {}
                for group in groups:
                    mine = [TopicPartition(p.topic, p.partition) for p in plans if p.group == group]
                    for (topic, partition), offset in committed_offsets(admin, group, mine).items():
                        if offset is not None:
                            committed[(group, topic, partition)] = offset
                done, total = progress(plans, committed)
                if first is None:
                    first, started = done, time.monotonic()
                bar.update(done - bar.n)
                if done >= total:
                    break
                time.sleep(FOLLOW_POLL_S)
        except KeyboardInterrupt:
            bar.close()
            print(f"stopped watching at {done}/{total}; the replay goes on in the workers "
                  "(`resumeflow replay PROCESSOR --follow` watches it again)")
            return 0
    elapsed = time.monotonic() - started
    seen = done - (first or 0)
    if not seen:
        print(f"caught up: all {total} records were processed before watching began")
    else:
        print(f"caught up: {total} records; {seen} processed in {elapsed:.1f}s while watched "
              f"({seen / elapsed if elapsed else 0:.1f}/s)")
    return 0


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    replay = commands.add_parser("replay", help="reprocess a processor's input from a time or offsets (its "
                                                "workers stopped)")
    replay.add_argument("processor", nargs="+", help="a processor, several, or all")
    where = replay.add_mutually_exclusive_group()
    where.add_argument("--from", dest="start", metavar="TIME",
                       help="ISO 8601 time (UTC if no zone), or 'earliest' for the beginning")
    where.add_argument("--offsets", metavar="SPEC",
                       help="comma-separated TOPIC:PARTITION=OFFSET or PARTITION=OFFSET (every input topic)")
    which = replay.add_mutually_exclusive_group()
    which.add_argument("--cell", type=int, metavar="N", help="only partition N of the input topics")
    which.add_argument("--user", metavar="EMAIL", help="only this user's cell, on the topics keyed by user")
    replay.add_argument("--dry-run", action="store_true", help="show per partition what would be reprocessed")
    replay.add_argument("--follow", action="store_true",
                        help="after the rewind (or alone: the last replay) show progress until caught up")
    replay.set_defaults(run=_replay)
