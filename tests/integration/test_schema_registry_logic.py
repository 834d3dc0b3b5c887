"""The registry's use cases and HTTP routes in-process, over the real ``KafkaSchemaLog``.

Id allocation, deduplication, replay and Confluent's error codes all depend on what the log gives back, so
each test writes to its own ``_schemas_test_<uuid>`` topic on the local broker, deleted afterwards. The HTTP
tests serve ``create_app`` through aiohttp's TestServer; ``test_schema_registry.py`` drives the deployed
subprocess with Confluent's client instead.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from confluent_kafka.admin import AdminClient

from schema_registry.app import CONTENT_TYPE, create_app
from schema_registry.compatibility import CompatibilityLevel
from schema_registry.exceptions import IncompatibleSchema, SchemaNotFound, SubjectNotFound
from schema_registry.registry import SchemaRegistry
from schema_registry.schemas import ParsedAvroSchema, parse_avro_schema
from schema_registry.store import KafkaSchemaLog, RawRecord
from streams.settings import Settings

pytestmark = pytest.mark.integration

KAFKA_TIMEOUT_S = 10.0


@pytest.fixture
def schema_log(stack: Settings) -> Iterator[KafkaSchemaLog]:
    """A log on a fresh topic; every registry in the test shares it, as restarts share ``_schemas``."""
    bootstrap = stack.kafka_bootstrap_servers
    topic = f"_schemas_test_{uuid.uuid4().hex}"
    log = KafkaSchemaLog(bootstrap, topic, replication_factor=1, timeout_s=KAFKA_TIMEOUT_S)
    try:
        yield log
    finally:
        log.close()
        admin = AdminClient({"bootstrap.servers": bootstrap})
        for future in admin.delete_topics([topic], operation_timeout=30).values():
            future.result()


async def started(log: KafkaSchemaLog) -> SchemaRegistry:
    registry = SchemaRegistry(log, CompatibilityLevel.BACKWARD)
    await registry.start()
    return registry


async def records_in(log: KafkaSchemaLog) -> list[RawRecord]:
    return await asyncio.to_thread(log.read_all)


# --- use cases ----------------------------------------------------------------------------------------------


def avro(*field_names: str, defaulted: tuple[str, ...] = ()) -> ParsedAvroSchema:
    fields = [{"name": name, "type": "string"} for name in field_names]
    fields += [{"name": name, "type": "string", "default": ""} for name in defaulted]
    return parse_avro_schema(json.dumps({"type": "record", "name": "Profile", "fields": fields}))


def test_ids_are_global_per_schema_and_registration_is_idempotent(schema_log: KafkaSchemaLog) -> None:
    async def scenario() -> None:
        registry = await started(schema_log)
        first = await registry.register("profiles-value", avro("user_id"))
        assert await registry.register("profiles-value", avro("user_id")) == first
        assert await registry.register("users-value", avro("user_id")) == first
        second = await registry.register("profiles-value", avro("user_id", defaulted=("name",)))
        assert second == first + 1
        assert registry.versions("profiles-value") == [1, 2]
        assert registry.versions("users-value") == [1]

    asyncio.run(scenario())


def test_incompatible_schema_is_refused_and_nothing_is_written(schema_log: KafkaSchemaLog) -> None:
    async def scenario() -> None:
        registry = await started(schema_log)
        await registry.register("profiles-value", avro("user_id"))
        with pytest.raises(IncompatibleSchema):
            await registry.register("profiles-value", avro("user_id", "name"))
        assert len(await records_in(schema_log)) == 1

    asyncio.run(scenario())


def test_a_restarted_registry_rebuilds_the_same_state_from_the_log(schema_log: KafkaSchemaLog) -> None:
    async def scenario() -> None:
        before = await started(schema_log)
        await before.register("a", avro("user_id"))
        await before.register("b", avro("job_id"))
        await before.set_level("b", CompatibilityLevel.NONE)
        await before.register("b", avro("other"))
        await before.delete_version("a", 1, permanent=False)

        after = await started(schema_log)
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


def test_permanent_delete_requires_soft_delete_first_and_writes_tombstones(schema_log: KafkaSchemaLog) -> None:
    async def scenario() -> None:
        registry = await started(schema_log)
        await registry.register("a", avro("user_id"))
        assert await registry.delete_subject("a", permanent=False) == [1]
        assert await registry.delete_subject("a", permanent=True) == [1]
        assert (await records_in(schema_log))[-1][1] is None
        with pytest.raises(SubjectNotFound):
            registry.versions("a", include_deleted=True)
        replayed = await started(schema_log)
        assert replayed.subjects(include_deleted=True) == []

    asyncio.run(scenario())


def test_lookup_of_an_unregistered_schema_is_40403(schema_log: KafkaSchemaLog) -> None:
    async def scenario() -> None:
        registry = await started(schema_log)
        await registry.register("a", avro("user_id"))
        with pytest.raises(SchemaNotFound):
            registry.lookup("a", avro("job_id"))

    asyncio.run(scenario())


# --- HTTP routes: Confluent's content type, error bodies and codes ------------------------------------------

SCHEMA = json.dumps({"type": "record", "name": "User", "fields": [{"name": "user_id", "type": "string"}]})
HEADERS = {"Content-Type": CONTENT_TYPE}


def with_client(log: KafkaSchemaLog, scenario: Callable[[TestClient[Any, Any]], Awaitable[None]]) -> None:
    async def run() -> None:
        registry = await started(log)
        try:
            async with TestClient(TestServer(create_app(registry))) as client:
                await scenario(client)
        finally:
            await registry.close()

    asyncio.run(run())


async def call(client: TestClient[Any, Any], method: str, path: str, body: object = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body)
    async with client.request(method, path, data=data, headers=HEADERS) as response:
        assert response.content_type == CONTENT_TYPE
        return response.status, json.loads(await response.text())


def test_registration_lookup_and_reads_answer_like_confluent(schema_log: KafkaSchemaLog) -> None:
    async def scenario(client: TestClient[Any, Any]) -> None:
        assert await call(client, "GET", "/") == (200, {})
        assert await call(client, "POST", "/subjects/users-value/versions", {"schema": SCHEMA}) == (
            200,
            {"id": 1},
        )
        status, found = await call(client, "POST", "/subjects/users-value", {"schema": SCHEMA})
        assert (status, found["id"], found["version"], found["subject"]) == (200, 1, 1, "users-value")
        assert await call(client, "GET", "/subjects") == (200, ["users-value"])
        assert await call(client, "GET", "/subjects/users-value/versions") == (200, [1])
        assert (await call(client, "GET", "/subjects/users-value/versions/1/schema"))[1]["name"] == "User"
        assert await call(client, "GET", "/schemas/ids/1/versions") == (
            200,
            [{"subject": "users-value", "version": 1}],
        )
        assert await call(client, "GET", "/config") == (200, {"compatibilityLevel": "BACKWARD"})
        assert await call(client, "PUT", "/config", {"compatibility": "FULL"}) == (
            200,
            {"compatibility": "FULL"},
        )
        assert await call(client, "GET", "/config/users-value?defaultToGlobal=true") == (
            200,
            {"compatibilityLevel": "FULL"},
        )

    with_client(schema_log, scenario)


def test_errors_carry_confluent_codes(schema_log: KafkaSchemaLog) -> None:
    async def scenario(client: TestClient[Any, Any]) -> None:
        await call(client, "POST", "/subjects/users-value/versions", {"schema": SCHEMA})
        expectations = [
            ("GET", "/subjects/nobody/versions", None, 404, 40401),
            ("GET", "/subjects/users-value/versions/9", None, 404, 40402),
            ("GET", "/schemas/ids/99", None, 404, 40403),
            ("GET", "/config/users-value", None, 404, 40408),
            ("GET", "/subjects/users-value/versions/zero", None, 422, 42202),
            ("POST", "/subjects/users-value/versions", {"schema": "{nope"}, 422, 42201),
            ("POST", "/subjects/users-value/versions", {"schema": SCHEMA, "schemaType": "JSON"}, 422, 42201),
            ("PUT", "/config", {"compatibility": "SIDEWAYS"}, 422, 42203),
            ("GET", "/no/such/route", None, 404, 404),
        ]
        for method, path, body, status, error_code in expectations:
            got_status, got_body = await call(client, method, path, body)
            assert (got_status, got_body["error_code"]) == (status, error_code), path
            assert isinstance(got_body["message"], str)

    with_client(schema_log, scenario)


def test_incompatible_registration_is_409_and_verbose_test_explains_why(schema_log: KafkaSchemaLog) -> None:
    async def scenario(client: TestClient[Any, Any]) -> None:
        await call(client, "POST", "/subjects/users-value/versions", {"schema": SCHEMA})
        changed = SCHEMA.replace('"string"', '"int"')
        status, body = await call(client, "POST", "/subjects/users-value/versions", {"schema": changed})
        assert (status, body["error_code"]) == (409, 409)
        status, body = await call(
            client,
            "POST",
            "/compatibility/subjects/users-value/versions/latest?verbose=true",
            {"schema": changed},
        )
        assert status == 200 and body["is_compatible"] is False and body["messages"]

    with_client(schema_log, scenario)
