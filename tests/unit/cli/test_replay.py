"""The pure parts of `resumeflow replay`: the offsets spec, targets clamped so a replay never skips, per-partition
counts and progress, and the partition a user's key lands in (Kafka's murmur2, as the Java client computes it)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cli.replay import (
    OffsetTarget,
    PartitionPlan,
    clamp,
    offset_targets,
    parse_from,
    parse_offsets,
    partition_for_key,
    progress,
)
from streams.errors import UserError


def test_the_offsets_spec_names_a_topic_partition_or_a_partition_of_every_input() -> None:
    assert parse_offsets("user.profiles:2=140, 0=0") == [OffsetTarget("user.profiles", 2, 140),
                                                         OffsetTarget(None, 0, 0)]
    assert parse_offsets("rf.user.commands:11=7") == [OffsetTarget("rf.user.commands", 11, 7)]
    for bad in ("", "2", "2=", "=4", ":2=4", "t:2", "t:-1=4", "t:a=4", "2=-1", "2=4,", "t:2=4=5"):
        with pytest.raises(UserError):
            parse_offsets(bad)


def test_offsets_resolve_over_the_processors_inputs_with_or_without_the_prefix() -> None:
    topics = ["p.user.commands", "p.user.profiles"]
    resolved = offset_targets(parse_offsets("0=3,user.profiles:1=9,p.user.commands:1=2"), topics, "p.")
    assert resolved == {("p.user.commands", 0): 3, ("p.user.profiles", 0): 3, ("p.user.profiles", 1): 9,
                        ("p.user.commands", 1): 2}
    with pytest.raises(UserError, match="not an input"):
        offset_targets(parse_offsets("job.catalog:0=1"), topics, "p.")


def test_from_is_an_iso_time_utc_by_default_or_the_beginning() -> None:
    assert parse_from("2026-11-30T09:00:00") == datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert parse_from("2026-11-30T10:00:00+01:00") == datetime(2026, 11, 30, 9, tzinfo=UTC)
    assert parse_from("earliest") is None and parse_from("beginning") is None
    with pytest.raises(UserError):
        parse_from("yesterday")


@given(st.integers(-5, 200), st.integers(0, 100), st.integers(0, 100), st.one_of(st.none(), st.integers(0, 100)))
def test_a_target_stays_in_the_partition_and_never_ahead_of_the_committed_offset(
        target: int, low: int, span: int, committed: int | None) -> None:
    end = low + span
    committed = None if committed is None else min(max(committed, low), end)
    result = clamp(target, low, end, committed)
    assert low <= result <= end
    if committed is not None:
        assert result <= committed  # nothing the group has not processed yet is skipped


def plan(committed: int | None, target: int, end: int, partition: int = 0) -> PartitionPlan:
    return PartitionPlan("g", "t", partition, 0, end, committed, target)


def test_per_partition_counts_are_what_the_group_had_processed_since_the_target() -> None:
    assert plan(committed=10, target=4, end=12).reprocessed == 6
    assert plan(committed=10, target=10, end=12).reprocessed == 0 and not plan(10, 10, 12).moves
    assert plan(committed=None, target=0, end=12).reprocessed == 0  # never committed: read from the start anyway


def test_progress_counts_from_each_target_to_the_end_captured_at_rewind_time() -> None:
    plans = [plan(10, 4, 12, partition=0), plan(5, 0, 5, partition=1)]
    assert progress(plans, {}) == (0, 13)
    assert progress(plans, {("g", "t", 0): 8}) == (4, 13)
    assert progress(plans, {("g", "t", 0): 20, ("g", "t", 1): 5}) == (13, 13)  # records after the rewind: not ours


# Kafka's own murmur2 vectors (clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java), as partitions:
# the Java client takes `murmur2(key) & 0x7fffffff` modulo the partition count.
JAVA_MURMUR2 = {b"21": -973932308, b"foobar": -790332482, b"a-little-bit-long-string": -985981536,
                b"a-little-bit-longer-string": -1486304829, b"abc": 479470107,
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971}


@pytest.mark.parametrize("partitions", [1, 3, 12, 97])
def test_a_key_lands_where_the_java_client_puts_it(partitions: int) -> None:
    for key, hashed in JAVA_MURMUR2.items():
        assert partition_for_key(key, partitions) == (hashed & 0x7FFFFFFF) % partitions
