"""`resumeflow dlq list | show | requeue | purge`: the dead letters of every topic, read, sent back after a fix, or
removed.

A dead letter (`DeadLetter`, on `<topic>.dlq`) holds a record its processor could not take — undecodable, invalid,
or crashing the worker `MAX_CRASHES` times — whole (key and value bytes as they came), with the reason and the
record's place (`source_topic[source_partition]@source_offset`).

- `list`: for each dead-letter topic, how many letters it holds, how many were not requeued yet, and (for the
  non-empty ones) the letters by processor and error type, and the newest.
- `show TOPIC`: each letter readable: where it came from, when, the reason (the traceback with `--full`), and the
  payload — decoded with its source topic's schema when it decodes (resumes and mail elided unless `--full`),
  else its size and a printable preview of its first bytes. `--json` prints JSON lines instead.
- `requeue TOPIC`: sends letters' original key and value bytes, unchanged, back to their source topic and
  partition, with headers naming the letter (`resumeflow-dead-letter: <dlq>[<partition>]@<offset>` and
  `resumeflow-dead-letter-id`), each record once however many letters name it. Without `--offset` it sends
  every letter not requeued before: a consumer group of
  its own (`<app id>-dlq-requeue`) remembers how far requeueing went, so running it twice sends nothing twice.
  Requeueing is safe because processors are idempotent by event id; a letter that still fails is dead-lettered
  again (a new letter). `--dry-run` says what would go.
- `purge TOPIC --yes`: deletes letters (Kafka's DeleteRecords): all, or those older than `--before`.
"""

from __future__ import annotations

import argparse
import json
import string
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from pydantic import ValidationError

from streams.errors import DecodeError, ResumeflowError, UserError
from streams.kafka_clients import Serdes, producer_config, registry_client
from streams.messages import DeadLetter
from streams.settings import Settings, load_settings
from streams.topic_reader import shown
from streams.topics import Scope, TopicSpec, by_name, catalog

HEADER_LETTER = "resumeflow-dead-letter"
HEADER_LETTER_ID = "resumeflow-dead-letter-id"
PREVIEW_BYTES = 160
TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Letter:
    """One record of a dead-letter topic: its own place, and the `DeadLetter` (or why it does not decode)."""

    topic: str
    partition: int
    offset: int
    letter: DeadLetter | None
    unreadable: str = ""

    @property
    def place(self) -> str:
        return f"{self.topic}[{self.partition}]@{self.offset}"


def parse_offset(text: str) -> tuple[int, int]:
    """`PARTITION:OFFSET` (both non-negative integers) as a pair. Raises UserError otherwise."""
    partition, sep, offset = text.partition(":")
    if not sep or not partition.isdigit() or not offset.isdigit():
        raise UserError(f"{text!r} is not PARTITION:OFFSET, e.g. 0:12")
    return int(partition), int(offset)


def preview(data: bytes | None, limit: int = PREVIEW_BYTES) -> str:
    """A payload that does not decode, shown safely: its size and its first `limit` bytes with anything not
    printable ASCII as an escape (so control characters and invalid UTF-8 cannot reach the terminal)."""
    if data is None:
        return "no value"
    printable = set(string.printable) - set("\t\n\r\x0b\x0c")
    head = "".join(chr(b) if chr(b) in printable else f"\\x{b:02x}" for b in data[:limit])
    more = f" ... ({len(data) - limit} more)" if len(data) > limit else ""
    return f"{len(data)} bytes: {head}{more}"


def summary(letters: Sequence[Letter]) -> dict[str, Any]:
    """Letters by processor and error type, the newest letter's time, and how many do not decode themselves."""
    readable = [item.letter for item in letters if item.letter is not None]
    return {
        "by_processor": dict(Counter(letter.processor for letter in readable).most_common()),
        "by_error": dict(Counter(letter.error_type for letter in readable).most_common()),
        "newest": max((letter.occurred_at for letter in readable), default=None),
        "unreadable": len(letters) - len(readable),
    }


def _requeue_group(settings: Settings) -> str:
    return f"{settings.app_id}-dlq-requeue"


def _dead_letter_topics(settings: Settings) -> list[TopicSpec]:
    return [t for t in catalog(settings) if t.scope is Scope.DEAD_LETTER]


def _dlq(settings: Settings, name: str) -> TopicSpec:
    try:
        topic = by_name(settings, name)
    except KeyError as exc:
        raise UserError(f"{name} is not in the topic catalog (`resumeflow dlq list` names the dead-letter topics)"
                        ) from exc
    if topic.scope is not Scope.DEAD_LETTER:
        if topic.dlq is None:
            raise UserError(f"{name} has no dead-letter topic")
        topic = by_name(settings, topic.dlq)
    return topic


def _consumer(settings: Settings, group: str | None = None) -> Consumer:
    return Consumer({
        "bootstrap.servers": settings.kafka_bootstrap_servers,
        "group.id": group or f"{settings.app_id}-dlq-reader",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "log_level": 4,
    })


def _partitions(consumer: Consumer, topic: str) -> list[int]:
    metadata = consumer.list_topics(topic, timeout=TIMEOUT_S).topics.get(topic)
    if metadata is None or metadata.error is not None:
        return []
    return sorted(metadata.partitions)


def _watermarks(consumer: Consumer, topic: str) -> dict[int, tuple[int, int]]:
    return {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT_S)
            for p in _partitions(consumer, topic)}


def _committed(consumer: Consumer, topic: str, partitions: Sequence[int]) -> dict[int, int]:
    found = consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=TIMEOUT_S)
    return {tp.partition: max(tp.offset, 0) for tp in found}


def _read(consumer: Consumer, serde: Any, topic: str, starts: dict[int, int], ends: dict[int, int]
          ) -> Iterator[Letter]:
    """The letters of `topic` from `starts` up to (not including) `ends`, per partition, in partition order."""
    wanted = {p: (s, ends[p]) for p, s in starts.items() if s < ends[p]}
    if not wanted:
        return
    consumer.assign([TopicPartition(topic, p, s) for p, (s, _) in wanted.items()])
    pending = dict(wanted)
    try:
        while pending:
            message = consumer.poll(TIMEOUT_S)
            if message is None:
                raise ResumeflowError(f"reading {topic} stalled (partitions {sorted(pending)} not read to the end)")
            if message.error() is not None:
                continue
            partition, offset = message.partition(), message.offset()
            if partition not in pending or offset >= pending[partition][1]:
                continue
            try:
                yield Letter(topic, partition, offset, DeadLetter.model_validate(serde.decode(message.value())))
            except (DecodeError, ValidationError) as exc:
                yield Letter(topic, partition, offset, None, unreadable=f"{type(exc).__name__}: {exc}"[:300])
            if offset + 1 >= pending[partition][1]:
                del pending[partition]
    finally:
        consumer.unassign()


def _payload(settings: Settings, serdes: Serdes, letter: DeadLetter, *, full: bool) -> tuple[str, Any]:
    """("decoded", value) when the payload still decodes with its source topic's schema, else ("raw", preview)."""
    try:
        source = by_name(settings, letter.source_topic)
        return "decoded", shown(serdes.value(source).decode(letter.value), full=full)
    except (KeyError, DecodeError) as exc:
        why = "its topic is not in the catalog" if isinstance(exc, KeyError) else str(exc)[:200]
        return "raw", f"{preview(letter.value)} (does not decode: {why})"


# --- the commands ---------------------------------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    settings = load_settings()
    serdes = Serdes(registry_client(settings))
    reader, requeue = _consumer(settings), _consumer(settings, _requeue_group(settings))
    rows = []
    try:
        for topic in _dead_letter_topics(settings):
            marks = _watermarks(reader, topic.name)
            held = sum(high - low for low, high in marks.values())
            if not held and not args.all:
                continue
            committed = _committed(requeue, topic.name, list(marks))
            waiting = sum(high - max(low, committed.get(p, 0)) for p, (low, high) in marks.items())
            letters = list(_read(reader, serdes.value(topic), topic.name, {p: lo for p, (lo, _) in marks.items()},
                                 {p: hi for p, (_, hi) in marks.items()})) if held else []
            rows.append({"topic": topic.name, "letters": held, "not_requeued": waiting, **summary(letters)})
    finally:
        reader.close()
        requeue.close()
    if args.json:
        for row in rows:
            print(json.dumps(row, default=str))
        return 0
    if not rows:
        print("no dead letters")
        return 0
    print(f"{'dead-letter topic':44} {'letters':>7} {'not requeued':>12}  newest / by error type")
    for row in rows:
        errors = ", ".join(f"{kind} {n}" for kind, n in row["by_error"].items())
        newest = row["newest"].isoformat(timespec="seconds") if row["newest"] else "-"
        print(f"{row['topic']:44} {row['letters']:>7} {row['not_requeued']:>12}  {newest} {errors}")
    return 0


def _selected(consumer: Consumer, serdes: Serdes, topic: TopicSpec, offsets: list[str],
              *, start: dict[int, int] | None = None, last: int | None = None) -> list[Letter]:
    marks = _watermarks(consumer, topic.name)
    ends = {p: high for p, (_, high) in marks.items()}
    serde = serdes.value(topic)
    if offsets:
        chosen = []
        for text in offsets:
            partition, offset = parse_offset(text)
            low, high = marks.get(partition, (0, 0))
            if not low <= offset < high:
                raise UserError(f"{topic.name} holds no letter at {text} (partition {partition} holds "
                                f"{low}..{high - 1})" if high > low else f"{topic.name}[{partition}] is empty")
            chosen.extend(_read(consumer, serde, topic.name, {partition: offset}, {partition: offset + 1}))
        return chosen
    starts = {p: max(low, (start or {}).get(p, 0)) for p, (low, _) in marks.items()}
    if last is not None:
        starts = {p: max(s, ends[p] - last) for p, s in starts.items()}
    letters = list(_read(consumer, serde, topic.name, starts, ends))
    return letters[-last:] if last is not None else letters


def _show(args: argparse.Namespace) -> int:
    settings = load_settings()
    serdes = Serdes(registry_client(settings))
    topic = _dlq(settings, args.topic)
    consumer = _consumer(settings)
    try:
        letters = _selected(consumer, serdes, topic, args.offset, last=args.max)
    finally:
        consumer.close()
    for item in letters:
        letter = item.letter
        if letter is None:
            row: dict[str, Any] = {"dead_letter": item.place, "unreadable": item.unreadable}
        else:
            kind, payload = _payload(settings, serdes, letter, full=args.full)
            reason = letter.error if args.full else letter.error.splitlines()[0][:300] if letter.error else ""
            row = {"dead_letter": item.place, "event_id": letter.event_id,
                   "occurred_at": letter.occurred_at.isoformat(timespec="seconds"), "processor": letter.processor,
                   "source": f"{letter.source_topic}[{letter.source_partition}]@{letter.source_offset}",
                   "error_type": letter.error_type, "reason": reason, "key": preview(letter.key, 80),
                   "payload_" + kind: payload}
        if args.json:
            print(json.dumps(row, default=str, ensure_ascii=False))
            continue
        print(row.pop("dead_letter"))
        for name, value in row.items():
            text = json.dumps(value, default=str, ensure_ascii=False) if not isinstance(value, str) else value
            print(f"  {name}: {text}")
    if not letters:
        print(f"{topic.name}: no dead letters")
    return 0


def _requeue(args: argparse.Namespace) -> int:
    settings = load_settings()
    serdes = Serdes(registry_client(settings))
    topic = _dlq(settings, args.topic)
    group = _consumer(settings, _requeue_group(settings))
    try:
        start = None if args.offset else _committed(group, topic.name, _partitions(group, topic.name))
        letters = _selected(group, serdes, topic, args.offset, start=start)
        sendable = [item for item in letters if item.letter is not None and item.letter.value is not None]
        for item in letters:
            if item not in sendable:
                print(f"{item.place}: not requeued ({item.unreadable or 'the letter holds no value'})")
        for item in sendable:
            assert item.letter is not None
            try:
                by_name(settings, item.letter.source_topic)
            except KeyError as exc:
                raise UserError(f"{item.place} came from {item.letter.source_topic}, which is not a topic of this "
                                "deployment (check RESUMEFLOW_TOPIC_PREFIX)") from exc
        # One record's letters (the same letter written again by a batch redone after a crash, or one per
        # processor reading its topic) send it back once: every processor of the topic reads it again anyway.
        first: dict[tuple[str, int, int], Letter] = {}
        for item in list(sendable):
            assert item.letter is not None
            source = (item.letter.source_topic, item.letter.source_partition, item.letter.source_offset)
            if source in first:
                sendable.remove(item)
                print(f"{item.place}: not requeued (the same record as {first[source].place})")
            else:
                first[source] = item
        verb = "would requeue" if args.dry_run else "requeued"
        if not args.dry_run and sendable:
            _send(settings, sendable)
        for item in sendable:
            assert item.letter is not None
            print(f"{verb} {item.place} -> {item.letter.source_topic}[{item.letter.source_partition}] "
                  f"({item.letter.error_type})")
        if not args.dry_run and not args.offset and letters:
            # Remember how far requeueing went (unreadable letters too: requeueing them again cannot help).
            ends: dict[int, int] = {}
            for item in letters:
                ends[item.partition] = max(ends.get(item.partition, 0), item.offset + 1)
            group.commit(offsets=[TopicPartition(topic.name, p, o) for p, o in ends.items()], asynchronous=False)
    finally:
        group.close()
    print(f"{len(sendable)} {'letters would be' if args.dry_run else 'letters'} requeued from {topic.name}")
    return 0


def _send(settings: Settings, letters: Sequence[Letter]) -> None:
    producer = Producer(producer_config(settings))
    errors: list[str] = []

    def delivered(err: Any, msg: Any) -> None:
        if err is not None:
            errors.append(str(err))

    for item in letters:
        letter = item.letter
        assert letter is not None
        producer.produce(letter.source_topic, key=letter.key, value=letter.value, partition=letter.source_partition,
                         headers=[(HEADER_LETTER, item.place.encode()), (HEADER_LETTER_ID, letter.event_id.encode())],
                         on_delivery=delivered)
        producer.poll(0)
    remaining = producer.flush(TIMEOUT_S)
    if remaining or errors:
        raise ResumeflowError(f"requeueing failed ({remaining} not acknowledged): {'; '.join(errors[:3])}")


def _purge(args: argparse.Namespace) -> int:
    from streams.admin import admin_client

    if not args.yes:
        raise UserError("purge deletes dead letters for good: add --yes (see `resumeflow dlq show` first)")
    settings = load_settings()
    topic = _dlq(settings, args.topic)
    consumer = _consumer(settings)
    try:
        marks = _watermarks(consumer, topic.name)
        ends = {p: high for p, (_, high) in marks.items()}
        if args.before is not None:
            ms = int(args.before.timestamp() * 1000)
            found = consumer.offsets_for_times([TopicPartition(topic.name, p, ms) for p in marks], timeout=TIMEOUT_S)
            ends = {tp.partition: (tp.offset if tp.offset >= 0 else ends[tp.partition]) for tp in found}
    finally:
        consumer.close()
    targets = [TopicPartition(topic.name, p, o) for p, o in ends.items() if o > marks[p][0]]
    if targets:
        admin = admin_client(settings)  # kept referenced until the answers are in: a collected client never answers
        try:
            for future in admin.delete_records(targets).values():
                future.result(timeout=TIMEOUT_S)
        except KafkaException as exc:
            raise ResumeflowError(f"deleting dead letters failed: {exc}") from exc
    removed = sum(tp.offset - marks[tp.partition][0] for tp in targets)
    print(f"purged {removed} dead letters from {topic.name}")
    return 0


def _timestamp(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time, e.g. 2026-11-30T09:00:00Z") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def add_parsers(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    dlq = commands.add_parser("dlq", help="dead letters: list, show, requeue after a fix, purge")
    actions = dlq.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="each dead-letter topic's letters, by processor and error type")
    listing.add_argument("--all", action="store_true", help="also the empty dead-letter topics")
    listing.add_argument("--json", action="store_true", help="JSON lines")
    listing.set_defaults(run=_list)
    show = actions.add_parser("show", help="dead letters, readable: place, reason, payload")
    show.add_argument("topic", help="a dead-letter topic, or the topic whose dead letters to show")
    show.add_argument("--offset", action="append", default=[], metavar="PARTITION:OFFSET",
                      help="only this letter (repeatable)")
    show.add_argument("--max", type=int, default=20, help="the last N letters (default 20)")
    show.add_argument("--full", action="store_true", help="whole tracebacks and personal data (resumes, mail)")
    show.add_argument("--json", action="store_true", help="JSON lines")
    show.set_defaults(run=_show)
    requeue = actions.add_parser("requeue", help="send letters back to their source topic (after a fix)")
    requeue.add_argument("topic", help="a dead-letter topic, or the topic whose dead letters to requeue")
    requeue.add_argument("--offset", action="append", default=[], metavar="PARTITION:OFFSET",
                         help="only this letter (repeatable; else every letter not requeued before)")
    requeue.add_argument("--dry-run", action="store_true", help="say what would be requeued, send nothing")
    requeue.set_defaults(run=_requeue)
    purge = actions.add_parser("purge", help="delete dead letters for good")
    purge.add_argument("topic", help="a dead-letter topic, or the topic whose dead letters to purge")
    purge.add_argument("--before", type=_timestamp, help="only letters older than this ISO 8601 time")
    purge.add_argument("--yes", action="store_true", help="really delete")
    purge.set_defaults(run=_purge)
