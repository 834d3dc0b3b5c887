"""The query API's latency metric: one series per route pattern and status, never per id or unknown path."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY

from query_api.app import create_app
from streams.settings import Settings


def count(route: str, status: str, method: str = "GET") -> float:
    value = REGISTRY.get_sample_value("resumeflow_api_request_seconds_count",
                                      {"method": method, "route": route, "status": status})
    return value or 0.0


def test_requests_are_timed_by_route_pattern_and_status() -> None:
    async def publish(*args: Any) -> None:
        raise AssertionError("nothing is published here")

    before = {key: count(*key) for key in [("/healthz", "200"), ("/api/resumes/{event_id}", "401"),
                                           ("unmatched", "401"), ("unmatched", "404")]}

    async def run() -> None:
        settings = Settings(_env_file=None, RESUMEFLOW_API_SECRET="x" * 48)  # type: ignore[call-arg]
        app = create_app(settings, None, publish)  # type: ignore[arg-type]  # no route here reads the database
        async with TestClient(TestServer(app)) as client:
            assert (await client.get("/healthz")).status == 200
            for _ in range(2):
                assert (await client.get(f"/api/resumes/{uuid.uuid4()}")).status == 401
            assert (await client.get(f"/api/no-such-route/{uuid.uuid4()}")).status == 401
            assert (await client.get(f"/nothing-here-{uuid.uuid4()}")).status == 404

    asyncio.run(run())
    assert count("/healthz", "200") - before[("/healthz", "200")] == 1
    assert count("/api/resumes/{event_id}", "401") - before[("/api/resumes/{event_id}", "401")] == 2
    assert count("unmatched", "401") - before[("unmatched", "401")] == 1
    assert count("unmatched", "404") - before[("unmatched", "404")] == 1
