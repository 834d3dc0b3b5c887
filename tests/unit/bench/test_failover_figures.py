"""The pure parts of `make test-failover`: when moved cells count as processing again, how a processor's result
reads, and the settings that make a dead worker's cells move fast."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bench.failover import TARGET_S, Move, print_table, resumed_partition
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
    assert fields["broker_session_timeout_s"].default == 3.0 and fields["broker_heartbeat_interval_s"].default == 1.0
    with pytest.raises(ValidationError, match="HEARTBEAT"):
        Settings(RESUMEFLOW_BROKER_SESSION_TIMEOUT_S=6, RESUMEFLOW_BROKER_HEARTBEAT_INTERVAL_S=6)


def test_a_stage_short_of_its_records_is_printed_though_no_application_was_expected_of_them(
        capsys: pytest.CaptureFixture[str]) -> None:
    # A user's registration lost at profiles never makes an application "expected": the stage count must say so.
    figures = {"moves": [], "lost": 0, "duplicated": 0, "ledger": {}, "resolution_s": 0.3, "done": False,
               "applications": {"expected": 105, "applied": 105, "duplicated_sends": 0, "duplicated_events": 0,
                                "redelivered": 0},
               "stages": {"profiles": {"expected": 16, "got": 15}, "discovery": {"expected": 160, "got": 150},
                          "submission": {"expected": 105, "got": 105}}}
    print_table(figures)
    out = capsys.readouterr().out
    assert "stages short of what they should have produced: profiles 1 of 16, discovery 10 of 160\n" in out
    assert "the run did NOT complete" in out
