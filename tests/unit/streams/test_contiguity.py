"""`Contiguity`: a partition's records reach `step` in an unbroken run from the committed offset; a hole is named."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams.contiguity import Contiguity


def tracker(committed: dict[str, int]) -> Contiguity:
    t = Contiguity()
    for tp, offset in committed.items():
        t.start(tp, offset)
    return t


def test_the_failover_case_a_record_never_delivered_at_the_committed_offset_is_a_hole() -> None:
    # bench.failover: job.analyzed[11]@10 never reached the agent after a rebalance; @11 did.
    t = tracker({"p11": 10})
    assert t.check("p11", 11) == 10  # read 10 first
    assert [t.check("p11", o) for o in (12, 13)] == [None, None]


def test_the_restart_case_the_stream_begins_past_the_committed_offset() -> None:
    # test_crash_redo.py: the restarted worker's stream began at 397 with 367 committed.
    t = tracker({"p0": 367})
    assert t.check("p0", 397) == 367
    assert t.check("p0", 398) is None


def test_an_unbroken_run_from_the_committed_offset_has_no_hole() -> None:
    t = tracker({"p0": 5})
    assert [t.check("p0", o) for o in range(5, 10)] == [None] * 5


def test_the_failover_loss_with_nothing_committed_the_run_starts_at_the_log_start() -> None:
    # bench.failover lost 5 applications: moved partitions the victim had committed nothing on, whose first
    # records Faust never delivered. Faust says None for "nothing committed"; the agent starts the run at the
    # log's first offset (the group reads from the earliest record), so the hole shows.
    t = tracker({"p3": 0})
    assert t.check("p3", 4) == 0


def test_a_partition_never_started_starts_at_its_first_record() -> None:
    t = tracker({})
    assert t.check("p0", 7) is None
    assert t.check("p0", 9) == 8


def test_a_redelivered_record_below_the_run_is_no_hole_and_the_run_does_not_go_back() -> None:
    t = tracker({"p0": 0})
    assert [t.check("p0", o) for o in (0, 1, 2, 1, 3)] == [None] * 5
    assert t.check("p0", 5) == 4


def test_a_new_assignment_starts_again_from_the_committed_offsets() -> None:
    t = tracker({"p0": 0})
    assert [t.check("p0", o) for o in (0, 1)] == [None, None]
    t.reset()
    assert not t.knows("p0")
    t.start("p0", 4)  # another worker processed 2..3 meanwhile, and the partition came back
    assert t.check("p0", 4) is None
    assert t.check("p0", 6) == 5


def test_partitions_are_independent() -> None:
    t = tracker({"a": 0, "b": 10})
    assert t.check("a", 0) is None
    assert t.check("b", 12) == 10
    assert t.check("a", 1) is None


@given(st.integers(0, 50), st.sets(st.integers(0, 59)))
def test_every_offset_from_the_committed_one_is_processed_once_in_order(committed: int, dropped: set[int]) -> None:
    """A consumer that never delivers some records of `committed..committed+59`: the delivered ones with their holes
    read first give every record, in order, each once."""
    end = committed + 60
    t = tracker({"p": committed})
    processed: list[int] = []
    for offset in range(committed, end):
        if offset - committed in dropped:
            continue
        hole = t.check("p", offset)
        if hole is not None:
            processed.extend(range(hole, offset))  # what the broker has there
        processed.append(offset)
    last_delivered = max((o for o in range(committed, end) if o - committed not in dropped), default=committed - 1)
    assert processed == list(range(committed, last_delivered + 1))
