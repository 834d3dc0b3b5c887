"""The pure parts of `make chaos-test`: counting lost and duplicated applications, classifying poison outcomes,
and building poison records that fail exactly as intended."""

from __future__ import annotations

import io

import fastavro
import pytest

from bench.chaos import classify, poison_summary, tally_applications
from bench.chaos_poison import POISON_KINDS, UNKNOWN_SCHEMA_ID, poison_values
from streams import avro_schemas
from streams.codec import unframe


def test_a_pair_applied_once_is_neither_lost_nor_duplicated() -> None:
    figures = tally_applications([("u", "j")], [("u", "j", "e1")], [("u", "j")])
    assert figures == {"expected": 1, "applied": 1, "lost": 0, "duplicated_sends": 0, "duplicated_events": 0,
                       "redelivered": 0, "unexpected": 0}


def test_copies_of_one_event_are_redelivered_not_duplicated() -> None:
    figures = tally_applications([("u", "j")], [("u", "j", "e1"), ("u", "j", "e1")], [("u", "j")])
    assert (figures["duplicated_events"], figures["redelivered"]) == (0, 1)


def test_two_sends_or_two_events_for_one_pair_are_duplicates() -> None:
    figures = tally_applications([("u", "j")], [("u", "j", "e1"), ("u", "j", "e2")],
                                 [("u", "j"), ("u", "j"), ("u", "j")])
    assert (figures["duplicated_events"], figures["duplicated_sends"]) == (1, 2)


def test_an_expected_pair_with_neither_a_submission_nor_a_send_is_lost() -> None:
    figures = tally_applications([("u", "j"), ("u", "k")], [("u", "j", "e1")], [("v", "x")])
    assert (figures["lost"], figures["applied"], figures["unexpected"]) == (1, 1, 1)


@pytest.mark.parametrize(("letter", "refused", "past", "outcome"), [
    ("DecodeError: bad", False, True, "dead-lettered"),
    (None, True, True, "refused"),
    (None, False, True, "inert"),
    (None, False, False, "lost"),
])
def test_classify(letter: str | None, refused: bool, past: bool, outcome: str) -> None:
    assert classify(dead_letter=letter, refused=refused, committed_past=past) == outcome


def test_poison_summary_counts_unexpected_outcomes() -> None:
    rows = [{"outcome": "dead-lettered", "ok": True}, {"outcome": "lost", "ok": False},
            {"outcome": "inert", "ok": True}]
    summary = poison_summary(rows)
    assert (summary["sent"], summary["dead_lettered"], summary["lost"], summary["unexpected"]) == (3, 1, 1, 1)


@pytest.mark.parametrize("schema_name", ["user_command", "job_posting", "job_analyzed", "submission_tick"])
def test_poison_records_fail_the_way_each_kind_says(schema_name: str) -> None:
    values = poison_values(schema_name, schema_id=7, dead_letter_id=8, dead_letter_payload=b"\x00",
                           key="user-1", tag="t", seed=1)
    assert set(values) <= set(POISON_KINDS)
    assert ("huge_description" in values) == (schema_name == "job_posting")
    reader = fastavro.parse_schema(avro_schemas.load_schema(schema_name))
    assert unframe(values["unknown_schema_id"])[0] == UNKNOWN_SCHEMA_ID
    assert unframe(values["wrong_schema"])[0] == 8
    impossible = fastavro.schemaless_reader(io.BytesIO(unframe(values["impossible_values"])[1]), reader)
    assert impossible.get("user_id", "user-1") == "user-1"  # in the record's own cell: only its values are wrong
    with pytest.raises(UnicodeDecodeError):
        fastavro.schemaless_reader(io.BytesIO(unframe(values["invalid_utf8"])[1]), reader)
    if "huge_description" in values:
        assert len(values["huge_description"]) > 5_000_000


def test_redone_records_count_copies_beyond_one_per_event_id() -> None:
    from bench.chaos import redone_records

    records = [("job.analyzed", "a"), ("job.analyzed", "a"), ("job.analyzed", "a"), ("job.analyzed", "b"),
               ("resume.generated", "c")]
    assert redone_records(records) == {"job.analyzed": 2, "resume.generated": 0}


def test_dry_run_sends_are_this_runs_users_since_it_started(tmp_path) -> None:
    import json

    from bench.chaos import dry_run_sends

    folder = tmp_path / "dry-run"
    folder.mkdir()
    lines = [{"at": "2026-11-30T10:00:00.000+00:00", "user_id": "u", "canonical_job_id": "old"},
             {"at": "2026-11-30T11:00:00.000+00:00", "user_id": "u", "canonical_job_id": "j"},
             {"at": "2026-11-30T11:00:01.000+00:00", "user_id": "other", "canonical_job_id": "j"}]
    (folder / "submission0.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines) + "not json\n")
    assert dry_run_sends(tmp_path, {"u"}, "2026-11-30T10:30:00.000+00:00") == [("u", "j")]


def test_a_failure_tagged_with_one_kind_fails_only_that_kind() -> None:
    from bench.chaos import DrillResult, kind_table

    drill = DrillResult("broker_loss", [4, 5], "", failures=["kind 5: no stop within 30s"])
    table = {row["kind"]: row for row in kind_table([drill])}
    assert (table[4]["passed"], table[5]["passed"], table[1]["passed"]) == (True, False, False)
    assert table[1]["drills"] == []  # not run is not passed


def test_an_untagged_failure_fails_every_kind_of_its_drill() -> None:
    from bench.chaos import DrillResult, kind_table

    drill = DrillResult("run_under_faults", [1, 4, 6], "", failures=["the run did not complete"])
    assert not any(row["passed"] for row in kind_table([drill]) if row["kind"] in (1, 4, 6))
