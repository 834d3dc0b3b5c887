"""Every `schemas/*.avsc` loads self-contained, and every change is BACKWARD compatible with its releases."""

import itertools
import json

import avro.schema
import fastavro
import pytest

from schema_registry.compatibility import reader_can_read_writer
from streams import avro_schemas

NAMES = avro_schemas.schema_names()


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_self_contained_for_the_registry(name: str) -> None:
    # No named type may be left dangling: the registry receives each subject's schema alone.
    parsed = avro.schema.parse(avro_schemas.schema_text(name))
    assert parsed is not None
    fastavro.parse_schema(json.loads(avro_schemas.schema_text(name)), _write_hint=False)


def test_a_type_defined_in_another_file_is_inlined_once() -> None:
    text = avro_schemas.schema_text("user_command")
    assert text.count('"name":"Preferences"') == 1
    assert text.count('"name":"SavedSearch"') == 1


def test_schema_text_is_stable_so_registration_is_idempotent() -> None:
    assert avro_schemas.schema_text("user_profile") == avro_schemas.schema_text("user_profile")


@pytest.mark.parametrize("name", NAMES)
def test_current_schema_is_released(name: str) -> None:
    versions = avro_schemas.released_versions(name)
    assert versions, f"{name} has no released version: run `resumeflow schemas release`"
    assert versions[-1] == avro_schemas.load_schema(name), (
        f"{name} changed since its last release: run `resumeflow schemas release` and commit the new version"
    )


@pytest.mark.parametrize("name", NAMES)
def test_each_release_reads_data_of_the_release_before(name: str) -> None:
    versions = [avro.schema.parse(json.dumps(v)) for v in avro_schemas.released_versions(name)]
    for number, (older, newer) in enumerate(itertools.pairwise(versions), start=2):
        problems = reader_can_read_writer(reader=newer, writer=older)
        assert not problems, f"{name} v{number} is not BACKWARD compatible with v{number - 1}: {problems}"


def test_the_compatibility_check_catches_a_breaking_change() -> None:
    # Guards the guard: a field added without a default cannot read old data.
    old = avro.schema.parse(avro_schemas.schema_text("response_received"))
    broken = json.loads(avro_schemas.schema_text("response_received"))
    broken["fields"].append({"name": "severity", "type": "int"})
    assert reader_can_read_writer(reader=avro.schema.parse(json.dumps(broken)), writer=old)
