"""`Contiguity`: a partition's records reach `step` in an unbroken run from the committed offset, or are read again."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from streams.contiguity import Check, Contiguity, Verdict

PROCESS, SKIP = Check(Verdict.PROCESS), Check(Verdict.SKIP)


def tracker(committed: dict[str, int | None]) -> Contiguity:
    return Contiguity(lambda tp: committed.get(tp))


def test_the_failover_case_a_record_never_delivered_at_the_committed_offset_is_read_again() -> None:
    # bench.failover: job.analyzed[11]@10 never reached the agent after a rebalance; @11.. did, and the group
    # committed past 10. Here @11 reveals the hole, the agent seeks to 10, and the queued @12 waits for the re-read.
    t = tracker({"p11": 10})
    assert t.check("p11", 11) == Check(Verdict.SEEK, seek_to=10)
    assert t.check("p11", 12) == SKIP
    assert [t.check("p11", o) for o in (10, 11, 12, 13)] == [PROCESS] * 4


def test_an_unbroken_run_from_the_committed_offset_is_processed() -> None:
    t = tracker({"p0": 5})
    assert [t.check("p0", o) for o in range(5, 10)] == [PROCESS] * 5


def test_without_a_committed_offset_the_first_record_starts_the_run() -> None:
    t = tracker({})
    assert t.check("p0", 7) == PROCESS
    assert t.check("p0", 9) == Check(Verdict.SEEK, seek_to=8)


def test_a_hole_that_is_in_the_log_reads_back_the_same_and_is_accepted() -> None:
    # A compacted input: offsets 3 and 4 are gone. After the seek to 3 the log's first record is 5 again.
    t = tracker({"p0": 3})
    assert t.check("p0", 5) == Check(Verdict.SEEK, seek_to=3)
    assert t.check("p0", 6) == SKIP  # queued before the seek
    assert [t.check("p0", o) for o in (5, 6, 7)] == [PROCESS] * 3


def test_a_redelivered_record_below_the_run_is_processed_again_and_the_run_does_not_go_back() -> None:
    t = tracker({"p0": 0})
    assert [t.check("p0", o) for o in (0, 1, 2, 1, 3)] == [PROCESS] * 5
    assert t.check("p0", 5) == Check(Verdict.SEEK, seek_to=4)


def test_a_new_assignment_starts_again_from_the_committed_offsets() -> None:
    committed: dict[str, int | None] = {"p0": 0}
    t = tracker(committed)
    assert [t.check("p0", o) for o in (0, 1)] == [PROCESS] * 2
    assert t.check("p0", 4) == Check(Verdict.SEEK, seek_to=2)
    committed["p0"] = 4  # another worker processed 2..3 meanwhile, and the partition came back
    t.reset()
    assert t.check("p0", 4) == PROCESS


def test_partitions_are_independent() -> None:
    t = tracker({"a": 0, "b": 10})
    assert t.check("a", 0) == PROCESS
    assert t.check("b", 12) == Check(Verdict.SEEK, seek_to=10)
    assert t.check("a", 1) == PROCESS


@given(st.integers(0, 50), st.lists(st.integers(0, 60), max_size=80))
def test_every_offset_from_the_committed_one_is_processed_before_any_later_one(committed: int,
                                                                              dropped: list[int]) -> None:
    """A log of offsets `committed..committed+59` delivered by a consumer that drops some records, always re-reading
    from wherever it is sought to: every record is processed, in order, with none stepped over. (The last record is
    never dropped: a hole shows only when a later record arrives.)"""
    end = committed + 60
    drop = {committed + d for d in dropped if d < 59}  # each dropped once, on its first delivery
    t = tracker({"p": committed})
    processed: list[int] = []
    position = committed
    for _ in range(10_000):
        if position >= end:
            break
        offset, position = position, position + 1
        if offset in drop:
            drop.discard(offset)
            continue
        check = t.check("p", offset)
        if check.verdict is Verdict.PROCESS:
            processed.append(offset)
        elif check.verdict is Verdict.SEEK:
            assert check.seek_to is not None
            position = check.seek_to
    assert processed == list(range(committed, end))
