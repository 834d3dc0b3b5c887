"""Analyses by canonical job id in PostgreSQL, so a user's cell can read the analysis of a posting that was
analyzed in another partition (the global `job.analysis` topic is keyed by job, not by user)."""

from __future__ import annotations

import asyncpg

from streams.messages import JobAnalysis

SCHEMA = """
CREATE TABLE IF NOT EXISTS job_analyses (
    canonical_job_id text PRIMARY KEY,
    content_hash text NOT NULL,
    analysis jsonb NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
)
"""


class AnalysisStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @classmethod
    async def connect(cls, database_url: str) -> AnalysisStore:
        pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
        async with pool.acquire() as connection:
            await connection.execute(SCHEMA)
        return cls(pool)

    async def put(self, analysis: JobAnalysis) -> None:
        await self._pool.execute(
            "INSERT INTO job_analyses (canonical_job_id, content_hash, analysis) VALUES ($1, $2, $3::jsonb) "
            "ON CONFLICT (canonical_job_id) DO UPDATE SET content_hash = EXCLUDED.content_hash, "
            "analysis = EXCLUDED.analysis, updated_at = now()",
            analysis.canonical_job_id, analysis.content_hash, analysis.model_dump_json(),
        )

    async def get(self, canonical_job_id: str) -> JobAnalysis | None:
        row = await self._pool.fetchval("SELECT analysis::text FROM job_analyses WHERE canonical_job_id = $1",
                                        canonical_job_id)
        return None if row is None else JobAnalysis.model_validate_json(row)

    async def close(self) -> None:
        await self._pool.close()
