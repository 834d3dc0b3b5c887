"""The two caches in front of the providers.

Exact: Redis key `{prefix}{sha256}` of the routed model chain, the task, the messages and the output schema →
the JSON of the validated value (plus which provider answered), with a TTL. Identical calls never reach a
provider twice within the TTL.

Semantic: near-duplicate prompts (a posting reposted with a changed date line, a different tracking footer)
in pgvector. A row holds the embedding of the call's untrusted/user text for a task and a schema; a lookup is
a hit when the nearest row of the same task and schema has cosine similarity >= the threshold. The schema
name carries a hash of the JSON schema, so a changed output model never reads answers of the old one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import numpy as np
from pgvector.asyncpg import register_vector
from pydantic import BaseModel
from redis.asyncio import Redis

from adapters.ai_gateway.prompts import ChatMessage
from streams.storable_text import without_nul

DEFAULT_KEY_PREFIX = "resumeflow:ai:cache:"
EMBEDDING_DIMENSIONS = 384
TABLE = "ai_semantic_cache"

_DDL = f"""
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS {TABLE} (
    id bigserial PRIMARY KEY,
    task text NOT NULL,
    schema_name text NOT NULL,
    embedding vector({EMBEDDING_DIMENSIONS}) NOT NULL,
    prompt_sha text NOT NULL,
    response jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (task, schema_name, prompt_sha)
);
CREATE INDEX IF NOT EXISTS {TABLE}_embedding_hnsw ON {TABLE} USING hnsw (embedding vector_cosine_ops);
CREATE INDEX IF NOT EXISTS {TABLE}_created_at ON {TABLE} (created_at);
"""


@dataclass(frozen=True)
class CachedAnswer:
    """What a cache returns: the stored value (JSON, validated again by the caller) and who produced it."""

    value: dict[str, Any]
    provider: str
    model: str
    similarity: float = 1.0


def schema_name(schema: type[BaseModel]) -> str:
    """`Name@hash` of the JSON schema: the same model class with different fields is a different schema."""
    digest = hashlib.sha256(_canonical(schema.model_json_schema()).encode()).hexdigest()[:12]
    return f"{schema.__name__}@{digest}"


def cache_key(*, chain: Sequence[str], task: str, messages: Sequence[ChatMessage], schema: type[BaseModel]) -> str:
    """sha256 of everything that decides the answer: the routed model chain, task, messages and schema."""
    material = {
        "chain": list(chain),
        "task": task,
        "messages": [m.model_dump() for m in messages],
        "schema": schema.model_json_schema(),
        "schema_name": schema.__name__,
    }
    return hashlib.sha256(_canonical(material).encode()).hexdigest()


def semantic_text(messages: Sequence[ChatMessage]) -> str:
    """The text a near-duplicate is judged on: the user messages (the system prompt is the task's, the same
    for every call of a task and schema)."""
    return "\n\n".join(m.content for m in messages if m.role == "user")


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class ExactCache:
    """Validated answers in Redis by exact key."""

    def __init__(self, redis: Redis, *, ttl_s: int, key_prefix: str = DEFAULT_KEY_PREFIX) -> None:
        self._redis = redis
        self._ttl_s = ttl_s
        self._prefix = key_prefix

    async def get(self, key: str) -> CachedAnswer | None:
        raw = await self._redis.get(self._prefix + key)
        if raw is None:
            return None
        stored = json.loads(raw)
        return CachedAnswer(value=stored["value"], provider=stored["provider"], model=stored["model"])

    async def put(self, key: str, answer: CachedAnswer) -> None:
        payload = _canonical({"value": answer.value, "provider": answer.provider, "model": answer.model})
        await self._redis.set(self._prefix + key, payload, ex=self._ttl_s)


class SemanticCache:
    """Answers of near-duplicate prompts, by embedding similarity in pgvector (HNSW, cosine)."""

    def __init__(self, pool: asyncpg.Pool, *, threshold: float, ttl_s: int) -> None:
        self._pool = pool
        self._threshold = threshold
        self._ttl = timedelta(seconds=ttl_s)

    @staticmethod
    async def init_connection(connection: asyncpg.Connection) -> None:
        """asyncpg pool `init`: the pgvector codec on every connection, and HNSW scans that keep looking
        until the task/schema filter has a row (pgvector >= 0.8), instead of giving up after `ef_search`."""
        await register_vector(connection)
        await connection.execute("SET hnsw.iterative_scan = strict_order")

    @staticmethod
    async def create_schema(connection: asyncpg.Connection) -> None:
        """Idempotent: the table and its HNSW cosine index (run before a pool with the vector codec exists)."""
        await connection.execute(_DDL)

    async def nearest(self, *, task: str, schema: str, embedding: Sequence[float]) -> CachedAnswer | None:
        """The closest fresh answer of the same task and schema, when similar enough."""
        row = await self._pool.fetchrow(
            f"""SELECT response, 1 - (embedding <=> $1) AS similarity FROM {TABLE}
                WHERE task = $2 AND schema_name = $3 AND created_at > now() - $4::interval
                ORDER BY embedding <=> $1 LIMIT 1""",
            np.asarray(embedding, dtype=np.float32), task, schema, self._ttl,
        )
        if row is None or row["similarity"] < self._threshold:
            return None
        stored = json.loads(row["response"])
        return CachedAnswer(value=stored["value"], provider=stored["provider"], model=stored["model"],
                            similarity=float(row["similarity"]))

    async def put(self, *, task: str, schema: str, embedding: Sequence[float], prompt_sha: str,
                  answer: CachedAnswer) -> None:
        # A provider's answer may hold NUL, which jsonb refuses: the cache keeps U+FFFD in its place.
        response = _canonical(without_nul({"value": answer.value, "provider": answer.provider, "model": answer.model}))
        await self._pool.execute(
            f"""INSERT INTO {TABLE} (task, schema_name, embedding, prompt_sha, response)
                VALUES ($1, $2, $3, $4, $5::jsonb)
                ON CONFLICT (task, schema_name, prompt_sha)
                DO UPDATE SET embedding = EXCLUDED.embedding, response = EXCLUDED.response, created_at = now()""",
            task, schema, np.asarray(embedding, dtype=np.float32), prompt_sha, response,
        )

    async def prune(self) -> int:
        """Delete rows older than the TTL (run it from a periodic job); returns how many went."""
        status = await self._pool.execute(f"DELETE FROM {TABLE} WHERE created_at <= now() - $1::interval", self._ttl)
        return int(status.split()[-1])
