"""Registry use cases over an in-memory log: id allocation, deduplication and replay."""

from __future__ import annotations

import asyncio
import json

import pytest

from deploy.schema_registry.compatibility import CompatibilityLevel
from deploy.schema_registry.exceptions import IncompatibleSchema, SchemaNotFound, SubjectNotFound
from deploy.schema_registry.records import decode_record
from deploy.schema_registry.registry import SchemaRegistry
from deploy.schema_registry.schemas import ParsedAvroSchema, parse_avro_schema
from deploy.schema_registry.store import RawRecord


class MemoryLog:
    """Stands in for the compacted topic: an ordered list of ``(key, value)`` records."""

    def __init__(self) -> None:
        self.records: list[RawRecord] = []

    def ensure_topic(self) -> None:
        pass

    def read_all(self) -> list[RawRecord]:
        return list(self.records)

    def append(self, key: bytes, value: bytes | None) -> None:
        self.records.append((key, value))

    def close(self) -> None:
        pass


def avro(*field_names: str, defaulted: tuple[str, ...] = ()) -> ParsedAvroSchema:
    fields = [{"name": name, "type": "string"} for name in field_names]
    fields += [{"name": name, "type": "string", "default": ""} for name in defaulted]
    return parse_avro_schema(json.dumps({"type": "record", "name": "Profile", "fields": fields}))


async def started(log: MemoryLog) -> SchemaRegistry:
    registry = SchemaRegistry(log, CompatibilityLevel.BACKWARD)
    await registry.start()
    return registry


def test_ids_are_global_per_schema_and_registration_is_idempotent() -> None:
    async def scenario() -> None:
        registry = await started(MemoryLog())
        first = await registry.register("profiles-value", avro("user_id"))
        assert await registry.register("profiles-value", avro("user_id")) == first
        assert await registry.register("users-value", avro("user_id")) == first
        second = await registry.register("profiles-value", avro("user_id", defaulted=("name",)))
        assert second == first + 1
        assert registry.versions("profiles-value") == [1, 2]
        assert registry.versions("users-value") == [1]

    asyncio.run(scenario())


def test_incompatible_schema_is_refused_and_nothing_is_written() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        registry = await started(log)
        await registry.register("profiles-value", avro("user_id"))
        with pytest.raises(IncompatibleSchema):
            await registry.register("profiles-value", avro("user_id", "name"))
        assert len(log.records) == 1

    asyncio.run(scenario())


def test_a_restarted_registry_rebuilds_the_same_state_from_the_log() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        before = await started(log)
        await before.register("a", avro("user_id"))
        await before.register("b", avro("job_id"))
        await before.set_level("b", CompatibilityLevel.NONE)
        await before.register("b", avro("other"))
        await before.delete_version("a", 1, permanent=False)

        after = await started(log)
        assert after.subjects() == ["b"]
        assert after.subjects(include_deleted=True) == ["a", "b"]
        assert after.versions("b") == [1, 2]
        assert after.subject_level("b", default_to_global=False) is CompatibilityLevel.NONE
        assert after.lookup("b", avro("other")).schema_id == 3
        # A new schema never reuses an id, and a re-registration after soft delete is a new version.
        assert await after.register("c", avro("fresh")) == 4
        assert await after.register("a", avro("user_id")) == 1
        assert after.versions("a") == [2]

    asyncio.run(scenario())


def test_permanent_delete_requires_soft_delete_first_and_writes_tombstones() -> None:
    async def scenario() -> None:
        log = MemoryLog()
        registry = await started(log)
        await registry.register("a", avro("user_id"))
        assert await registry.delete_subject("a", permanent=False) == [1]
        assert await registry.delete_subject("a", permanent=True) == [1]
        assert log.records[-1][1] is None
        with pytest.raises(SubjectNotFound):
            registry.versions("a", include_deleted=True)
        replayed = await started(log)
        assert replayed.subjects(include_deleted=True) == []

    asyncio.run(scenario())


def test_lookup_of_an_unregistered_schema_is_40403() -> None:
    async def scenario() -> None:
        registry = await started(MemoryLog())
        await registry.register("a", avro("user_id"))
        with pytest.raises(SchemaNotFound):
            registry.lookup("a", avro("job_id"))

    asyncio.run(scenario())


def test_records_from_other_tools_are_skipped_not_fatal() -> None:
    assert decode_record(b"not json", b"{}") is None
    assert decode_record(b'{"keytype":"NOOP","magic":0}', None) is None
    proto_value = (
        b'{"subject":"p","version":1,"id":9,"schema":"syntax = \\"proto3\\";","schemaType":"PROTOBUF"}'
    )
    assert decode_record(b'{"keytype":"SCHEMA","subject":"p","version":1,"magic":1}', proto_value) is None
