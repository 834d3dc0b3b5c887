"""The pure parts of `make test-failover`: when moved cells count as processing again, how a processor's result
reads, and the settings that make a dead worker's cells move fast."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bench.failover import TARGET_S, Move, resumed_partition
from streams.settings import Settings


def test_a_partition_resumes_when_its_committed_offset_passes_where_the_victim_left_it() -> None:
    at_kill = {("t", 0): 10, ("t", 1): -1}
    assert resumed_partition(at_kill, {("t", 0): 10, ("t", 1): -1}) is None
    assert resumed_partition(at_kill, {("t", 0): 10, ("t", 1): 3}) == ("t", 1)  # none committed before: any commit
    assert resumed_partition(at_kill, {("t", 0): 11, ("t", 1): -1}) == ("t", 0)


def test_a_move_is_met_missed_or_idle() -> None:
    move = Move("analysis", "analysis0", ["job.discovered[0]"], workers_left=1)
    assert move.state == "idle"  # nothing to process: not timed, and not counted as met
    move.new_records = 2
    assert move.state == "MISSED"  # work arrived and was not processed within the window
    move.resumed_s = TARGET_S - 0.5
    assert move.state == "met"
    move.resumed_s = TARGET_S
    assert move.state == "MISSED"


def test_the_group_timeouts_default_to_a_fast_failover_and_the_heartbeat_must_fit_in_the_session() -> None:
    fields = Settings.model_fields
    assert fields["broker_session_timeout_s"].default == 6.0 and fields["broker_heartbeat_interval_s"].default == 1.0
    with pytest.raises(ValidationError, match="HEARTBEAT"):
        Settings(RESUMEFLOW_BROKER_SESSION_TIMEOUT_S=6, RESUMEFLOW_BROKER_HEARTBEAT_INTERVAL_S=6)
