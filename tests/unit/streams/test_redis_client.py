"""A Redis that accepts the connection and never answers makes a call fail after the timeout, not hang: the kind
of fault that held the cell agent's batch lock (its crash count) and every rate limiter forever. And every Redis
client the runtime opens is `redis_client`'s."""

from __future__ import annotations

import ast
import asyncio
import time
from pathlib import Path

import pytest
from redis.exceptions import RedisError

from streams.redis_client import redis_client

ROOT = Path(__file__).resolve().parents[3]
RUNTIME_PACKAGES = ("streams", "schemas", "textkit", "adapters", "processors", "sinks", "query_api", "demo",
                    "evaluation", "cli", "schema_registry")


async def _silent_server() -> tuple[asyncio.Server, int]:
    """A TCP server that accepts and reads but never writes a byte back."""

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.read(4096):
            pass

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


def test_a_redis_that_never_answers_fails_the_call_after_the_timeout() -> None:
    async def call() -> float:
        server, port = await _silent_server()
        client = redis_client(f"redis://127.0.0.1:{port}/0", timeout_s=0.5)
        started = time.monotonic()
        try:
            with pytest.raises(RedisError):  # redis.exceptions.TimeoutError: what callers handle as Redis down
                await asyncio.wait_for(client.incr("resumeflow:test"), timeout=30)
            return time.monotonic() - started
        finally:
            await client.aclose()
            server.close()

    assert asyncio.run(call()) < 25  # without the timeout, asyncio.wait_for's 30 s would have ended it instead


def test_the_runtime_opens_redis_only_through_redis_client() -> None:
    """`Redis.from_url(...)` or `Redis(...)` anywhere else would be a client without timeouts."""
    found = []
    for package in RUNTIME_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "streams" / "redis_client.py":
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                owner = getattr(func.value, "id", getattr(func.value, "attr", "")) if isinstance(
                    func, ast.Attribute) else ""
                if name in {"Redis", "StrictRedis"} or (name == "from_url" and owner in {"Redis", "redis"}):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"Redis clients opened without redis_client: {found}"
