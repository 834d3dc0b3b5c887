"""Every input record reaches `step`: a hole in a partition's offsets is read from the broker, never stepped over.

Faust can fail to hand records to the agent and then commit past them. `bench.failover` found
`job.analyzed[11]@10` never processed by the worker that kept partition 11 through a rebalance, while the group's
offset moved on; `test_crash_redo.py` showed a restarted worker's stream beginning about 30 records past each
partition's committed offset (records its killed predecessor had processed, so nothing visible was lost). The
commit half is faust-streaming issue #606 (open; PR #707): `Consumer._new_offset` commits over an unacknowledged
record at the committed offset.

So the cell agent checks, with `Contiguity`, that each partition's records reach it in an unbroken run from the
group's committed offset. A record past the expected offset reveals a hole: the agent reads the hole's records
itself (`read_range`, a plain consumer assigned to the partition, no group) and processes them first, in order.
The records a compacted input no longer has are simply not there. The app commits only that run
(`streams.faust_wiring.ResumeflowApp.processed_to`), never what Faust counted as acknowledged. Seeking Faust's
consumer back was tried first: its queues kept delivering the records after the hole, and the partition stalled.
"""

from __future__ import annotations

from collections.abc import Hashable

from confluent_kafka import Consumer, KafkaError, KafkaException, TopicPartition

from streams.settings import Settings


class Contiguity:
    """Expected next offset per partition (any hashable key, e.g. Faust's `TP`; offsets are Kafka offsets, >= 0).

    The agent calls `start(tp, committed)` at a partition's first record after `reset` (every new assignment), with
    the group's committed offset (Kafka's meaning: the next offset to read), or with the log's first offset when
    the group has committed nothing there (it then reads from the earliest record)."""

    def __init__(self) -> None:
        self._next: dict[Hashable, int] = {}

    def reset(self) -> None:
        """A new assignment: every partition starts again from its committed offset."""
        self._next.clear()

    def knows(self, tp: Hashable) -> bool:
        return tp in self._next

    def start(self, tp: Hashable, committed: int) -> None:
        self._next[tp] = committed

    def expected(self, tp: Hashable) -> int:
        """The next offset `tp`'s run expects (KeyError for a partition never `start`ed since the last `reset`)."""
        return self._next[tp]

    def forget(self, tp: Hashable) -> None:
        """Start `tp`'s run again from the committed offset at its next record (what was counted may be undone)."""
        self._next.pop(tp, None)

    def check(self, tp: Hashable, offset: int) -> int | None:
        """None when the record at `offset` is the next one (or a redelivery of one processed before, which `step`
        finds done); else the first offset of the hole before it, whose records must be processed first. Either way
        the record is then taken as processed in order. A partition never `start`ed starts at its first record."""
        expected = self._next.get(tp)
        self._next[tp] = offset + 1 if expected is None else max(expected, offset + 1)
        return expected if expected is not None and offset > expected else None


def read_range(settings: Settings, topic: str, partition: int, start: int, end: int, *,
               timeout_s: float = 30.0) -> list[object]:
    """The records of `topic[partition]` at offsets `start` <= offset < `end` that the log has (a compacted topic
    may have dropped some), in offset order, as confluent-kafka `Message`s (raw key and value bytes).

    Raises `TimeoutError` when they are not all read within `timeout_s`, `KafkaException` on a broker error."""
    import time

    consumer = Consumer({"bootstrap.servers": settings.kafka_bootstrap_servers, "group.id": "resumeflow-unused",
                         "enable.auto.commit": False, "enable.partition.eof": True, "log_level": 4,
                         # a start the log no longer has (retention) reads from its first record, not its end
                         "auto.offset.reset": "earliest"})
    try:
        consumer.assign([TopicPartition(topic, partition, start)])
        found: list[object] = []
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    return found  # the log ends before `end`: nothing more to read
                raise KafkaException(error)
            if message.offset() >= end:
                return found
            found.append(message)
        raise TimeoutError(f"reading {topic}[{partition}]@{start}..{end - 1} took over {timeout_s:.0f}s")
    finally:
        consumer.close()
