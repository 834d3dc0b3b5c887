"""Posting embeddings in PostgreSQL with pgvector: the memory semantic dedup searches.

One row per canonical posting (a duplicate keeps its own row, with `canonical_of` naming its root, so a later
re-post that is closest to the duplicate still finds the root). Nearest neighbours come from an HNSW index on
cosine distance; `similarity = 1 - distance`. With a `company_norm` filter, pgvector's iterative index scan
keeps reading the graph until k rows pass the filter (pgvector >= 0.8), and a b-tree on `company_norm` lets the
planner search a small company exactly instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import numpy as np
from pgvector.asyncpg import register_vector

from adapters.embeddings import MINILM_DIMENSIONS as EMBEDDING_DIMENSIONS

DEFAULT_TABLE = "job_embeddings"
# The table name goes into SQL text (identifiers cannot be parameters), so only plain lower-case names pass.
_TABLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,47}$")


@dataclass(frozen=True)
class NearestRow:
    """A stored posting near a query vector: its identity, what dedup compares, and the cosine similarity."""

    canonical_job_id: str
    canonical_of: str | None  # the root it duplicates, or None when it is a root itself
    company_norm: str
    title_norm: str
    locations: list[str]
    similarity: float


@dataclass(frozen=True)
class StoredEmbedding:
    canonical_job_id: str
    canonical_of: str | None
    company_norm: str
    title_norm: str
    locations: list[str]
    content_hash: str
    embedding: np.ndarray
    created_at: datetime | None = None  # set by the database on first insert


class VectorStore:
    """Reads and writes one embeddings table through an asyncpg pool whose connections know the `vector` type
    (`VectorStore.connect` builds such a pool; a pool passed in must have been created with
    `init=pgvector.asyncpg.register_vector`)."""

    def __init__(self, pool: asyncpg.Pool, *, table: str = DEFAULT_TABLE, ef_search: int = 64) -> None:
        if not _TABLE_NAME.match(table):
            raise ValueError(f"table name {table!r} must match {_TABLE_NAME.pattern}")
        self._pool = pool
        self.table = table
        self.ef_search = ef_search

    @classmethod
    async def connect(cls, database_url: str, *, table: str = DEFAULT_TABLE, min_size: int = 1,
                      max_size: int = 4) -> VectorStore:
        """A store on a new pool, with the table and indexes created if missing."""
        # The extension must exist before a pooled connection can register the vector codec.
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
        finally:
            await connection.close()
        pool = await asyncpg.create_pool(database_url, min_size=min_size, max_size=max_size, init=register_vector)
        store = cls(pool, table=table)
        try:
            await store.ensure_schema()
        except BaseException:
            await pool.close()
            raise
        return store

    async def close(self) -> None:
        await self._pool.close()

    async def ensure_schema(self) -> None:
        """Create the table and its indexes if missing. Idempotent, and safe when several workers start at once
        (an advisory lock serializes them; `IF NOT EXISTS` alone races on the catalog)."""
        t = self.table
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"resumeflow:{t}")
            await connection.execute(f"""
                CREATE TABLE IF NOT EXISTS {t} (
                    canonical_job_id text PRIMARY KEY,
                    canonical_of text,
                    company_norm text NOT NULL,
                    title_norm text NOT NULL,
                    locations text[] NOT NULL DEFAULT '{{}}',
                    content_hash text NOT NULL,
                    embedding vector({EMBEDDING_DIMENSIONS}) NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                )""")
            await connection.execute(
                f"CREATE INDEX IF NOT EXISTS {t}_embedding_hnsw ON {t} USING hnsw (embedding vector_cosine_ops)")
            await connection.execute(f"CREATE INDEX IF NOT EXISTS {t}_company_norm ON {t} (company_norm)")

    async def upsert(self, record: StoredEmbedding) -> None:
        """Insert or replace a posting's row by `canonical_job_id`; `created_at` keeps the first insert's time,
        so "earlier" stays earlier when a posting is re-embedded."""
        await self._pool.execute(
            f"""
            INSERT INTO {self.table} (canonical_job_id, canonical_of, company_norm, title_norm, locations,
                                      content_hash, embedding)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (canonical_job_id) DO UPDATE SET
                canonical_of = EXCLUDED.canonical_of, company_norm = EXCLUDED.company_norm,
                title_norm = EXCLUDED.title_norm, locations = EXCLUDED.locations,
                content_hash = EXCLUDED.content_hash, embedding = EXCLUDED.embedding
            """,
            record.canonical_job_id, record.canonical_of, record.company_norm, record.title_norm,
            list(record.locations), record.content_hash, _vector(record.embedding),
        )

    async def get(self, canonical_job_id: str) -> StoredEmbedding | None:
        row = await self._pool.fetchrow(
            f"SELECT canonical_job_id, canonical_of, company_norm, title_norm, locations, content_hash, embedding, "
            f"created_at FROM {self.table} WHERE canonical_job_id = $1", canonical_job_id)
        if row is None:
            return None
        return StoredEmbedding(
            canonical_job_id=row["canonical_job_id"], canonical_of=row["canonical_of"],
            company_norm=row["company_norm"], title_norm=row["title_norm"], locations=list(row["locations"]),
            content_hash=row["content_hash"], embedding=_array(row["embedding"]),
            created_at=row["created_at"],
        )

    async def nearest(self, embedding: np.ndarray | Sequence[float], k: int, *,
                      company_norm: str | None = None) -> list[NearestRow]:
        """The `k` stored postings closest to `embedding` by cosine distance, closest first (earlier first among
        equals), optionally only those of one company. Approximate (HNSW), as dedup needs only the near ones."""
        if k <= 0:
            return []
        where, args = "", [_vector(embedding), k]
        if company_norm is not None:
            where, args = "WHERE company_norm = $3", [*args, company_norm]
        # The inner ORDER BY is the distance alone so the HNSW index serves it; ties and the order an iterative
        # scan may relax are settled outside.
        query = (f"WITH nearest AS MATERIALIZED (SELECT canonical_job_id, canonical_of, company_norm, title_norm, "
                 f"locations, created_at, embedding <=> $1 AS distance FROM {self.table} {where} "
                 f"ORDER BY embedding <=> $1 LIMIT $2) "
                 f"SELECT * FROM nearest ORDER BY distance, created_at, canonical_job_id")
        async with self._pool.acquire() as connection, connection.transaction():
            # Transaction-local settings, so a pooled connection goes back unchanged.
            await connection.execute(f"SET LOCAL hnsw.ef_search = {max(int(self.ef_search), k)}")
            if company_norm is not None:
                await connection.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            rows = await connection.fetch(query, *args)
        return [_neighbour(row) for row in rows]


def _neighbour(row: Any) -> NearestRow:
    similarity = min(1.0, max(-1.0, 1.0 - float(row["distance"])))  # float error can step just past ±1
    return NearestRow(canonical_job_id=row["canonical_job_id"], canonical_of=row["canonical_of"],
                     company_norm=row["company_norm"], title_norm=row["title_norm"], locations=list(row["locations"]),
                     similarity=similarity)


def _array(value: Any) -> np.ndarray:
    # pgvector >= 0.4 decodes to its `Vector` type; older releases gave a numpy array.
    return np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=np.float32)


def _vector(embedding: np.ndarray | Sequence[float]) -> np.ndarray:
    vector = np.asarray(embedding, dtype=np.float32).reshape(-1)
    if vector.shape != (EMBEDDING_DIMENSIONS,):
        raise ValueError(f"expected a {EMBEDDING_DIMENSIONS}-dimensional embedding, got shape {vector.shape}")
    return vector
