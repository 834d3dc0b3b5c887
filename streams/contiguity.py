"""Every input record reaches `step`: a hole in a partition's offsets is read again, never stepped over.

Faust can fail to hand a record to the agent around a rebalance, and then commit past it: `bench.failover` found
`job.analyzed[11]@10` never processed by the worker that kept partition 11 through a rebalance, while the group's
offset moved on. faust-streaming issue #606 (open; PR #707) describes the commit half: `Consumer._new_offset`
commits over an unacknowledged record that sits exactly at the committed offset.

So the cell agent checks that each partition's records reach it in an unbroken run from the group's committed
offset, with `Contiguity`. A record past the expected offset reveals a hole: the agent seeks the partition back
to the first missing offset and skips, unacknowledged, the records queued before the seek; they come again after
the missing ones. A hole that is really in the log (a compacted input whose records were compacted away, at least
`min.compaction.lag.ms` after they were written) reads back as the same hole right after the seek, and is then
accepted.

Pure: offsets in, verdicts out; the agent does the seeking.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from enum import Enum


class Verdict(Enum):
    PROCESS = "process"  # step it
    SKIP = "skip"  # queued before a seek that will deliver it again, or already processed: leave it unacknowledged
    SEEK = "seek"  # a hole before it: seek back to `Check.seek_to`, and leave this record unacknowledged


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    seek_to: int | None = None  # SEEK: the first offset that never reached the agent


@dataclass
class _Seeking:
    want: int  # the first missing offset, sought
    seen: int  # the offset that revealed the hole


class Contiguity:
    """Expected next offset per partition (any hashable key, e.g. Faust's `TP`).

    `committed(tp)` gives the group's committed offset of a partition (Kafka's meaning: the next offset to read),
    or None when unknown; it is asked for at a partition's first record after `reset`, which the agent calls on
    every new assignment. Offsets are Kafka record offsets (int, >= 0)."""

    def __init__(self, committed: Callable[[Hashable], int | None]) -> None:
        self._committed = committed
        self._next: dict[Hashable, int | None] = {}
        self._seeking: dict[Hashable, _Seeking] = {}

    def reset(self) -> None:
        """A new assignment: every partition starts again from its committed offset."""
        self._next.clear()
        self._seeking.clear()

    def check(self, tp: Hashable, offset: int) -> Check:
        seeking = self._seeking.get(tp)
        if seeking is not None:
            if offset > seeking.seen or offset < seeking.want:
                return Check(Verdict.SKIP)  # queued before the seek (or done before the hole)
            # The first record read after the seek: the missing ones, or, when it is `seen` again, the log has
            # nothing before it (compacted away).
            del self._seeking[tp]
            self._next[tp] = offset + 1
            return Check(Verdict.PROCESS)
        if tp not in self._next:
            self._next[tp] = self._committed(tp)
        expected = self._next[tp]
        if expected is not None and offset > expected:
            self._seeking[tp] = _Seeking(want=expected, seen=offset)
            return Check(Verdict.SEEK, seek_to=expected)
        # Below the expected offset: a redelivery of a record processed before, which `step` finds done.
        self._next[tp] = offset + 1 if expected is None else max(expected, offset + 1)
        return Check(Verdict.PROCESS)
