"""Compatibility rules of the local schema registry, checked without Kafka."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schema_registry.compatibility import CompatibilityLevel, check_compatibility
from schema_registry.exceptions import InvalidCompatibilityLevel, InvalidSchema
from schema_registry.schemas import parse_avro_schema


def record(*fields: dict[str, Any], name: str = "JobPosted") -> str:
    return json.dumps({"type": "record", "name": name, "namespace": "resumeflow", "fields": list(fields)})


V1 = record({"name": "job_id", "type": "string"})
WITH_DEFAULTED_FIELD = record(
    {"name": "job_id", "type": "string"}, {"name": "score", "type": "int", "default": 0}
)
WITH_REQUIRED_FIELD = record({"name": "job_id", "type": "string"}, {"name": "score", "type": "int"})
JOB_ID_AS_INT = record({"name": "job_id", "type": "int"})


def check(level: CompatibilityLevel, new: str, *history: str) -> bool:
    existing = [(number, parse_avro_schema(text).avro) for number, text in enumerate(history, start=1)]
    return check_compatibility(level, parse_avro_schema(new).avro, existing).is_compatible


def test_backward_allows_adding_a_field_with_a_default() -> None:
    assert check(CompatibilityLevel.BACKWARD, WITH_DEFAULTED_FIELD, V1)


def test_backward_rejects_adding_a_field_without_a_default() -> None:
    assert not check(CompatibilityLevel.BACKWARD, WITH_REQUIRED_FIELD, V1)


def test_backward_rejects_changing_int_to_string() -> None:
    assert not check(CompatibilityLevel.BACKWARD, record({"name": "job_id", "type": "string"}), JOB_ID_AS_INT)


def test_backward_allows_promoting_int_to_long() -> None:
    assert check(CompatibilityLevel.BACKWARD, record({"name": "job_id", "type": "long"}), JOB_ID_AS_INT)


def test_backward_allows_removing_a_field() -> None:
    assert check(CompatibilityLevel.BACKWARD, V1, WITH_REQUIRED_FIELD)


def test_forward_rejects_removing_a_field_without_default_but_allows_adding_one() -> None:
    assert not check(CompatibilityLevel.FORWARD, V1, WITH_REQUIRED_FIELD)
    assert check(CompatibilityLevel.FORWARD, WITH_REQUIRED_FIELD, V1)


def test_full_needs_both_directions() -> None:
    assert check(CompatibilityLevel.FULL, WITH_DEFAULTED_FIELD, V1)
    assert not check(CompatibilityLevel.FULL, WITH_REQUIRED_FIELD, V1)


def test_plain_backward_only_looks_at_the_latest_version_but_transitive_looks_at_all() -> None:
    # v1 has job_id:int, v2 drops it in favour of a new name; v3 brings job_id back as a string.
    v2 = record({"name": "posting_id", "type": "string", "default": ""})
    v3 = record({"name": "posting_id", "type": "string", "default": ""}, {"name": "job_id", "type": "string"})
    assert not check(CompatibilityLevel.BACKWARD, v3, JOB_ID_AS_INT, v2)  # v3 adds job_id without default
    v3_defaulted = record(
        {"name": "posting_id", "type": "string", "default": ""},
        {"name": "job_id", "type": "string", "default": ""},
    )
    assert check(CompatibilityLevel.BACKWARD, v3_defaulted, JOB_ID_AS_INT, v2)
    assert not check(CompatibilityLevel.BACKWARD_TRANSITIVE, v3_defaulted, JOB_ID_AS_INT, v2)


def test_none_accepts_anything_and_a_first_version_is_always_compatible() -> None:
    assert check(CompatibilityLevel.NONE, JOB_ID_AS_INT, V1)
    assert check(CompatibilityLevel.FULL_TRANSITIVE, JOB_ID_AS_INT)


def test_incompatibility_messages_name_the_version_and_the_field() -> None:
    existing = [(1, parse_avro_schema(V1).avro)]
    result = check_compatibility(
        CompatibilityLevel.BACKWARD, parse_avro_schema(WITH_REQUIRED_FIELD).avro, existing
    )
    assert not result.is_compatible
    assert any("version 1" in message and "score" in message for message in result.messages)


@pytest.mark.parametrize("raw", ["backward", "FULL_TRANSITIVE", "none"])
def test_levels_parse_case_insensitively(raw: str) -> None:
    assert CompatibilityLevel.parse(raw).value == raw.upper()


@pytest.mark.parametrize("raw", ["SIDEWAYS", "", None, 3])
def test_unknown_levels_are_refused_with_42203(raw: object) -> None:
    with pytest.raises(InvalidCompatibilityLevel) as caught:
        CompatibilityLevel.parse(raw)
    assert caught.value.error_code == 42203


def test_same_schema_written_differently_has_one_identity() -> None:
    compact = parse_avro_schema(record({"name": "job_id", "type": "string"}))
    spelled_out = parse_avro_schema(
        '{ "namespace": "resumeflow", "fields": [ {"type": "string", "name": "job_id"} ],\n'
        '  "name": "JobPosted", "type": "record" }'
    )
    fullname = parse_avro_schema(
        '{"type":"record","name":"resumeflow.JobPosted","fields":[{"name":"job_id","type":"string"}]}'
    )
    assert compact.identity == spelled_out.identity == fullname.identity


def test_a_changed_default_is_a_different_schema() -> None:
    zero = parse_avro_schema(WITH_DEFAULTED_FIELD)
    one = parse_avro_schema(WITH_DEFAULTED_FIELD.replace('"default": 0', '"default": 1'))
    assert zero.identity != one.identity


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        '"strin"',
        '{"type": "record", "name": "R"}',
        record({"name": "score", "type": "int", "default": "zero"}),
        record({"name": "tags", "type": {"type": "array", "items": "string"}, "default": [1]}),
        record({"name": "kind", "type": {"type": "enum", "name": "Kind", "symbols": ["A"]}, "default": "B"}),
    ],
)
def test_invalid_schemas_are_refused_with_42201(text: str) -> None:
    with pytest.raises(InvalidSchema) as caught:
        parse_avro_schema(text)
    assert caught.value.error_code == 42201


def test_a_union_default_may_match_any_branch_as_in_java_avro() -> None:
    parse_avro_schema(record({"name": "note", "type": ["null", "string"], "default": "none"}))
    parse_avro_schema(record({"name": "note", "type": ["null", "string"], "default": None}))
