"""Faust wiring of analysis.

- `analysis.postings` (job.catalog, job partitions): each posting once per content — requirements (the AI
  gateway when a provider is configured, else the deterministic extractor), its embedding, the dedup decision
  against the postings already stored in pgvector -> job.analysis (and ai.budget when a budget is reached),
  and the analysis stored by job id.
- `analysis.profiles` (user.profiles, user cells): what the profile shows and its embedding.
- `analysis.match` (job.discovered, user cells): the user's match with the analyzed posting -> job.analyzed.

Embedding is CPU-bound, so it runs in a thread; the stores are PostgreSQL through asyncpg.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from dataclasses import dataclass

import numpy as np
from faust.types import StreamT

from processors.analysis.analysis_store import AnalysisStore
from processors.analysis.dedup import candidate_from_posting, decide_duplicate, normalize_company, normalize_title
from processors.analysis.embedding_text import dedup_locations, posting_embedding_text
from processors.analysis.match import on_profile, profile_text, step
from processors.analysis.requirements import requirements_for
from processors.analysis.skill_matching import fuzzy_skill_overlap
from processors.analysis.vector_store import StoredEmbedding, VectorStore
from streams.ai_gateway import AiGateway
from streams.embeddings import MiniLmEmbedder
from streams.faust_wiring import Processor, ResumeflowApp, wait_for
from streams.messages import (
    AnalysisUser,
    JobAnalysis,
    JobDiscovered,
    JobPosting,
    PostingStatus,
    UserProfile,
    utc_now,
)
from streams.settings import Settings
from streams.topics import (
    AI_BUDGET,
    ANALYSIS_USERS,
    JOB_ANALYSIS,
    JOB_ANALYZED,
    JOB_CATALOG,
    JOB_DISCOVERED,
    USER_PROFILES,
)

log = logging.getLogger(__name__)
NEIGHBOURS = 10
_IDS = uuid.UUID("a2f4c6e8-1b3d-4f5a-9c7e-0d2b4f6a8c1e")


@dataclass
class AnalysisPorts:
    """The slow parts, opened once per worker on first use."""

    embedder: MiniLmEmbedder
    vectors: VectorStore
    analyses: AnalysisStore
    gateway: AiGateway

    @classmethod
    async def open(cls, settings: Settings) -> AnalysisPorts:
        return cls(MiniLmEmbedder(), await VectorStore.connect(settings.database_url),
                   await AnalysisStore.connect(settings.database_url), await AiGateway.start(settings))

    async def embed(self, texts: list[str]) -> np.ndarray:
        return await asyncio.to_thread(self.embedder.embed, texts)

    async def close(self) -> None:
        await self.gateway.close()
        await self.vectors.close()
        await self.analyses.close()


def install(app: ResumeflowApp) -> None:
    catalog = app.catalog_topic(JOB_CATALOG)
    analyses_topic = app.catalog_topic(JOB_ANALYSIS)
    profiles = app.catalog_topic(USER_PROFILES)
    discovered = app.catalog_topic(JOB_DISCOVERED)
    analyzed = app.catalog_topic(JOB_ANALYZED)
    budget_topic = app.catalog_topic(AI_BUDGET)
    users = app.cell_table(ANALYSIS_USERS, help="What each user's profile shows; the postings going ahead.")
    ports: AnalysisPorts | None = None

    async def open_ports() -> AnalysisPorts:
        nonlocal ports
        if ports is None:
            ports = await AnalysisPorts.open(app.settings)
        return ports

    async def analyze(posting: JobPosting, partition: int) -> JobAnalysis | None:
        p = await open_ports()
        known = await p.analyses.get(posting.canonical_job_id)
        if known is not None and known.content_hash == posting.content_hash:
            return None  # analyzed once: a re-publication of the same content changes nothing
        requirements, extractor, budget_events = await requirements_for(posting, p.gateway, cell=partition)
        for crossed in budget_events:
            await budget_topic.send(key=f"{crossed.scope}:{crossed.scope_id}", value=crossed)
        [embedding] = await p.embed([posting_embedding_text(posting)])
        company = normalize_company(posting.company)
        neighbours = await p.vectors.nearest(embedding, NEIGHBOURS, company_norm=company)
        decision = decide_duplicate(candidate_from_posting(posting), neighbours)
        await p.vectors.upsert(StoredEmbedding(
            canonical_job_id=posting.canonical_job_id, canonical_of=decision.duplicate_of, company_norm=company,
            title_norm=normalize_title(posting.title),
            locations=dedup_locations(posting.locations, posting.workplace), content_hash=posting.content_hash,
            embedding=embedding,
        ))
        analysis = JobAnalysis(
            event_id=str(uuid.uuid5(_IDS, f"{posting.canonical_job_id}\x1f{posting.content_hash}")),
            occurred_at=utc_now(), canonical_job_id=posting.canonical_job_id, content_hash=posting.content_hash,
            extractor=extractor, requirements=requirements, duplicate_of=decision.duplicate_of,
            same_role_as=decision.same_role_as, dedup_evidence=decision.evidence,
        )
        await p.analyses.put(analysis)
        return analysis

    @app.agent(catalog, name="analysis.postings")
    async def analyze_postings(stream: StreamT) -> None:
        async for posting, event in app.valid_events(stream, JobPosting, JOB_CATALOG):
            if posting.status is PostingStatus.CLOSED:
                continue
            analysis = await analyze(posting, event.message.partition)
            if analysis is not None:
                await analyses_topic.send(key=analysis.canonical_job_id, value=analysis)

    @app.agent(profiles, name="analysis.profiles")
    async def learn_profiles(stream: StreamT) -> None:
        async for profile, _ in app.valid_events(stream, UserProfile, USER_PROFILES):
            stored = users.get(profile.user_id)
            cell = AnalysisUser.model_validate(stored) if stored is not None else None
            if cell is not None and profile.profile_version <= cell.profile_version:
                continue
            [embedding] = await (await open_ports()).embed([profile_text(json.loads(profile.profile_json))])
            new_cell = on_profile(cell, profile, embedding.tolist(), today=utc_now().date())
            if new_cell is not None:
                users[profile.user_id] = new_cell

    async def match_one(found: JobDiscovered) -> None:
        p = await open_ports()

        async def read_user() -> AnalysisUser | None:
            stored = users.get(found.user_id)
            return AnalysisUser.model_validate(stored) if stored is not None else None

        cell = await wait_for(read_user, f"the profile of user {found.user_id}")
        analysis = await wait_for(lambda: p.analyses.get(found.canonical_job_id),
                                  f"the analysis of {found.canonical_job_id}")
        stored_vector = await p.vectors.get(found.canonical_job_id)
        similarity = (float(np.dot(np.asarray(cell.embedding, dtype=np.float32), stored_vector.embedding))
                      if stored_vector is not None and cell.embedding else 0.0)
        exact = set(cell.terms)
        unmatched = [s.name for s in analysis.requirements.skills
                     if not ({s.name.casefold(), *(k.casefold() for k in s.keywords)} & exact)]
        fuzzy: dict[str, str] = {}
        if unmatched and cell.terms:
            overlap = await asyncio.to_thread(fuzzy_skill_overlap, cell.terms, unmatched, p.embedder.embed)
            fuzzy = {required: candidate for required, candidate, _ in overlap}
        new_cell, result = step(cell, found, analysis, similarity=similarity, fuzzy_matches=fuzzy, now=utc_now())
        if new_cell != cell:
            users[found.user_id] = new_cell
        await analyzed.send(key=found.user_id, value=result)

    @app.agent(discovered, name="analysis.match")
    async def match(stream: StreamT) -> None:
        async for found, _ in app.valid_events(stream, JobDiscovered, JOB_DISCOVERED):
            await match_one(found)

    async def close_ports(sender: object, **kwargs: object) -> None:
        if ports is not None:
            await ports.close()

    app.on_before_shutdown.connect(close_ports)


PROCESSOR = Processor(
    name="analysis",
    install=install,
    doc="Analyzes each posting once (requirements, embedding, dedup) and scores it for each discovering user.",
    consumes=(JOB_CATALOG, USER_PROFILES, JOB_DISCOVERED),
)
