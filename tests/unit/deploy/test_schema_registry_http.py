"""The HTTP surface over an in-memory log: Confluent's content type, error bodies and codes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from deploy.schema_registry.app import CONTENT_TYPE, create_app
from deploy.schema_registry.compatibility import CompatibilityLevel
from deploy.schema_registry.registry import SchemaRegistry
from deploy.schema_registry.store import RawRecord

SCHEMA = json.dumps({"type": "record", "name": "User", "fields": [{"name": "user_id", "type": "string"}]})
HEADERS = {"Content-Type": CONTENT_TYPE}


class MemoryLog:
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


def with_client(scenario: Callable[[TestClient[Any, Any]], Awaitable[None]]) -> None:
    async def run() -> None:
        registry = SchemaRegistry(MemoryLog(), CompatibilityLevel.BACKWARD)
        await registry.start()
        async with TestClient(TestServer(create_app(registry))) as client:
            await scenario(client)

    asyncio.run(run())


async def call(client: TestClient[Any, Any], method: str, path: str, body: object = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body)
    async with client.request(method, path, data=data, headers=HEADERS) as response:
        assert response.content_type == CONTENT_TYPE
        return response.status, json.loads(await response.text())


def test_registration_lookup_and_reads_answer_like_confluent() -> None:
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

    with_client(scenario)


def test_errors_carry_confluent_codes() -> None:
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

    with_client(scenario)


def test_incompatible_registration_is_409_and_verbose_test_explains_why() -> None:
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

    with_client(scenario)
