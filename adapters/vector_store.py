"""Posting embeddings in PostgreSQL with pgvector: the memory dedup searches.

One row per canonical posting (a duplicate keeps its own row, with `canonical_of` naming its root, so a later
re-post that is closest to the duplicate still finds the root), with what dedup compares: the employer's names
and the names its text mentions (compact keys, GIN-indexed), title, locations, salary, skills and the number of
role words; and one row per role chunk in `<table>_chunks` with the chunk's embedding. Nearest neighbours come
from an HNSW index on cosine distance; `similarity = 1 - distance`. `candidates` returns the nearest postings
overall and the nearest of the same company entity (names meeting names or mentions, across aliases); with such
a filter pgvector's iterative index scan keeps reading the graph until k rows pass it (pgvector >= 0.8).

The schema only ever grows (`CREATE ... IF NOT EXISTS`, `ADD COLUMN IF NOT EXISTS`), so a store created by an
older release is upgraded in place; its rows keep empty names until their postings are analyzed again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
import numpy as np
from pgvector.asyncpg import register_vector

from adapters.embeddings import MINILM_DIMENSIONS as EMBEDDING_DIMENSIONS
from streams.storable_text import without_nul

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
    company: str = ""
    company_names: list[str] = field(default_factory=list)
    company_mentions: list[str] = field(default_factory=list)
    title: str = ""
    salary_min: int | None = None
    salary_max: int | None = None
    salary_currency: str | None = None
    skills: list[str] = field(default_factory=list)
    role_words: int = 0
    shingles: list[int] = field(default_factory=list)
    chunks: np.ndarray | None = None  # one unit row per role chunk
    chunk_words: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class CandidateRow:
    """A stored posting `candidates` returned: all it keeps (chunks included) and its similarity to the query."""

    stored: StoredEmbedding
    similarity: float


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
            await connection.execute(f"CREATE INDEX IF NOT EXISTS {t}_title_norm ON {t} (title_norm)")
            for column, kind in _DEDUP_COLUMNS:
                await connection.execute(f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS {column} {kind}")
            await connection.execute(
                f"CREATE INDEX IF NOT EXISTS {t}_company_names ON {t} USING gin (company_names)")
            await connection.execute(
                f"CREATE INDEX IF NOT EXISTS {t}_company_mentions ON {t} USING gin (company_mentions)")
            await connection.execute(f"""
                CREATE TABLE IF NOT EXISTS {t}_chunks (
                    canonical_job_id text NOT NULL,
                    chunk integer NOT NULL,
                    embedding vector({EMBEDDING_DIMENSIONS}) NOT NULL,
                    PRIMARY KEY (canonical_job_id, chunk)
                )""")

    async def upsert(self, record: StoredEmbedding) -> None:
        """Insert or replace a posting's row (and its chunks) by `canonical_job_id`, in one transaction;
        `created_at` keeps the first insert's time, so "earlier" stays earlier when a posting is re-embedded."""
        chunks = [] if record.chunks is None else [_vector(row) for row in np.asarray(record.chunks)]
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                f"""
                INSERT INTO {self.table} (canonical_job_id, canonical_of, company_norm, title_norm, locations,
                    content_hash, embedding, company, company_names, company_mentions, title, salary_min,
                    salary_max, salary_currency, skills, role_words, chunk_words, shingles)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
                ON CONFLICT (canonical_job_id) DO UPDATE SET
                    canonical_of = EXCLUDED.canonical_of, company_norm = EXCLUDED.company_norm,
                    title_norm = EXCLUDED.title_norm, locations = EXCLUDED.locations,
                    content_hash = EXCLUDED.content_hash, embedding = EXCLUDED.embedding,
                    company = EXCLUDED.company, company_names = EXCLUDED.company_names,
                    company_mentions = EXCLUDED.company_mentions, title = EXCLUDED.title,
                    salary_min = EXCLUDED.salary_min, salary_max = EXCLUDED.salary_max,
                    salary_currency = EXCLUDED.salary_currency, skills = EXCLUDED.skills,
                    role_words = EXCLUDED.role_words, chunk_words = EXCLUDED.chunk_words,
                    shingles = EXCLUDED.shingles
                """,
                *_storable(record.canonical_job_id, record.canonical_of, record.company_norm, record.title_norm,
                           list(record.locations), record.content_hash, _vector(record.embedding), record.company,
                           list(record.company_names), list(record.company_mentions), record.title,
                           record.salary_min, record.salary_max, record.salary_currency, list(record.skills),
                           record.role_words, list(record.chunk_words), list(record.shingles)),
            )
            job_id = without_nul(record.canonical_job_id)
            await connection.execute(f"DELETE FROM {self.table}_chunks WHERE canonical_job_id = $1", job_id)
            if chunks:
                await connection.executemany(
                    f"INSERT INTO {self.table}_chunks (canonical_job_id, chunk, embedding) VALUES ($1, $2, $3)",
                    [(job_id, number, vector) for number, vector in enumerate(chunks)])

    async def get(self, canonical_job_id: str) -> StoredEmbedding | None:
        async with self._pool.acquire() as connection:
            job_id = without_nul(canonical_job_id)
            row = await connection.fetchrow(f"SELECT * FROM {self.table} WHERE canonical_job_id = $1", job_id)
            if row is None:
                return None
            chunks = await self._chunks(connection, [job_id])
        return _stored(row, chunks.get(job_id))

    async def aliases(self, names: Sequence[str], *, limit: int) -> list[str]:
        """The names stored postings give an employer together with one of `names` (sorted, without `names`;
        none when there are more than `limit`: a name linked to that many is not one employer's)."""
        if not names:
            return []
        async with self._pool.acquire() as connection:
            rows = await connection.fetch(
                f"SELECT DISTINCT name FROM (SELECT unnest(company_names) AS name FROM {self.table} "
                f"WHERE company_names && $1::text[]) AS linked WHERE NOT name = ANY($1::text[]) "
                f"ORDER BY name LIMIT $2", *_storable(list(names), limit + 1))
        found = [row["name"] for row in rows]
        return found if len(found) <= limit else []

    async def candidates(self, embedding: np.ndarray | Sequence[float], *, nearest: int, nearest_entity: int,
                         names: Sequence[str], names_and_mentions: Sequence[str], nearest_title: int = 0,
                         title_norm: str = "") -> list[CandidateRow]:
        """What dedup compares a new posting with (`processors/analysis/candidates.py` defines it on rows in
        memory): the `nearest` stored postings closest by embedding, the `nearest_entity` closest among those
        whose names meet `names_and_mentions` or whose mentions meet `names`, and the `nearest_title` closest of
        those with the title `title_norm`; closest first, earlier first among equals, each with its chunks."""
        query = _vector(embedding)
        selected = (f"SELECT canonical_job_id, created_at, embedding <=> $1 AS distance FROM {self.table} "
                    f"{{where}} ORDER BY embedding <=> $1 LIMIT {{limit}}")
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                f"SET LOCAL hnsw.ef_search = {max(int(self.ef_search), nearest, nearest_entity, nearest_title)}")
            await connection.execute("SET LOCAL hnsw.iterative_scan = relaxed_order")
            found: list[Any] = []
            if nearest > 0:
                found += await connection.fetch(selected.format(where="", limit="$2"), query, nearest)
            if nearest_entity > 0 and (names or names_and_mentions):
                found += await connection.fetch(
                    selected.format(where="WHERE company_names && $3::text[] OR company_mentions && $4::text[]",
                                    limit="$2"),
                    *_storable(query, nearest_entity, list(names_and_mentions), list(names)))
            if nearest_title > 0 and title_norm and (names or names_and_mentions):
                found += await connection.fetch(
                    selected.format(where="WHERE title_norm = $5 AND (company_names && $3::text[] OR "
                                          "company_mentions && $4::text[])", limit="$2"),
                    *_storable(query, nearest_title, list(names_and_mentions), list(names), title_norm))
            ranked = sorted({row["canonical_job_id"]: row for row in found}.values(),
                            key=lambda row: (row["distance"], row["created_at"], row["canonical_job_id"]))
            ids = [row["canonical_job_id"] for row in ranked]
            rows = {row["canonical_job_id"]: row for row in await connection.fetch(
                f"SELECT * FROM {self.table} WHERE canonical_job_id = ANY($1::text[])", ids)}
            chunks = await self._chunks(connection, ids)
        return [CandidateRow(_stored(rows[job], chunks.get(job)), _similarity(row["distance"]))
                for job, row in zip(ids, ranked, strict=True) if job in rows]

    async def _chunks(self, connection: Any, ids: Sequence[str]) -> dict[str, np.ndarray]:
        rows = await connection.fetch(
            f"SELECT canonical_job_id, chunk, embedding FROM {self.table}_chunks "
            f"WHERE canonical_job_id = ANY($1::text[]) ORDER BY canonical_job_id, chunk", list(ids))
        grouped: dict[str, list[np.ndarray]] = {}
        for row in rows:
            grouped.setdefault(row["canonical_job_id"], []).append(_array(row["embedding"]))
        return {job: np.stack(vectors) for job, vectors in grouped.items()}

    async def nearest(self, embedding: np.ndarray | Sequence[float], k: int, *,
                      company_norm: str | None = None) -> list[NearestRow]:
        """The `k` stored postings closest to `embedding` by cosine distance, closest first (earlier first among
        equals), optionally only those of one company. Approximate (HNSW), as dedup needs only the near ones."""
        if k <= 0:
            return []
        where, args = "", [_vector(embedding), k]
        if company_norm is not None:
            where, args = "WHERE company_norm = $3", [*args, without_nul(company_norm)]
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


_DEDUP_COLUMNS = (
    ("company", "text NOT NULL DEFAULT ''"),
    ("company_names", "text[] NOT NULL DEFAULT '{}'"),
    ("company_mentions", "text[] NOT NULL DEFAULT '{}'"),
    ("title", "text NOT NULL DEFAULT ''"),
    ("salary_min", "integer"),
    ("salary_max", "integer"),
    ("salary_currency", "text"),
    ("skills", "text[] NOT NULL DEFAULT '{}'"),
    ("role_words", "integer NOT NULL DEFAULT 0"),
    ("chunk_words", "integer[] NOT NULL DEFAULT '{}'"),
    ("shingles", "bigint[] NOT NULL DEFAULT '{}'"),
)


def _storable(*values: Any) -> tuple[Any, ...]:
    """A statement's parameters with NUL replaced in their text (`streams.storable_text`): a posting's fields come
    from outside, and one NUL failed the posting's index write at every retry until it was dead-lettered."""
    return tuple(without_nul(value) for value in values)


def _stored(row: Any, chunks: np.ndarray | None) -> StoredEmbedding:
    return StoredEmbedding(
        canonical_job_id=row["canonical_job_id"], canonical_of=row["canonical_of"],
        company_norm=row["company_norm"], title_norm=row["title_norm"], locations=list(row["locations"]),
        content_hash=row["content_hash"], embedding=_array(row["embedding"]), created_at=row["created_at"],
        company=row["company"], company_names=list(row["company_names"]),
        company_mentions=list(row["company_mentions"]), title=row["title"], salary_min=row["salary_min"],
        salary_max=row["salary_max"], salary_currency=row["salary_currency"], skills=list(row["skills"]),
        role_words=row["role_words"], shingles=list(row["shingles"]), chunks=chunks,
        chunk_words=list(row["chunk_words"]),
    )


def _similarity(distance: Any) -> float:
    return min(1.0, max(-1.0, 1.0 - float(distance)))  # float error can step just past ±1


def _neighbour(row: Any) -> NearestRow:
    similarity = _similarity(row["distance"])
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
