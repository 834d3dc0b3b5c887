"""Analysis's ports: the slow work `step` asks for, on the runtime adapters (MiniLM embeddings, the pgvector
posting index, the AI gateway). Embedding is CPU-bound and runs in a thread."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

import numpy as np

from adapters.ai_gateway import AiGateway
from adapters.embeddings import MiniLmEmbedder
from adapters.transient import outages
from adapters.vector_store import StoredEmbedding, VectorStore
from processors.analysis.dedup import Neighbour, normalize_company
from processors.analysis.embedding_text import posting_embedding_text
from processors.analysis.match import profile_text
from processors.analysis.model import (
    CompareSkills,
    EmbedProfile,
    ExaminationFailed,
    ExaminePosting,
    IndexPosting,
    PostingExamined,
    ProfileEmbedded,
    SkillsCompared,
)
from processors.analysis.requirements import requirements_for
from streams.errors import TransientError
from streams.processor import PortRequest, PortResult
from streams.settings import Settings
from textkit.skill_similarity import fuzzy_skill_overlap

log = logging.getLogger(__name__)
NEIGHBOURS = 10


class AnalysisPorts:
    def __init__(self, embedder: MiniLmEmbedder, vectors: VectorStore, gateway: AiGateway) -> None:
        self._embedder = embedder
        self._vectors = vectors
        self._gateway = gateway

    async def run(self, request: PortRequest, *, cell: int) -> Sequence[PortResult]:
        match request:
            case ExaminePosting():
                return [await self._examine(request, cell)]
            case IndexPosting():
                async with outages("PostgreSQL (the posting index)"):
                    await self._vectors.upsert(StoredEmbedding(
                        canonical_job_id=request.canonical_job_id, canonical_of=request.canonical_of,
                        company_norm=request.company_norm, title_norm=request.title_norm,
                        locations=request.locations, content_hash=request.content_hash,
                        embedding=np.asarray(request.embedding, dtype=np.float32)))
                return []
            case EmbedProfile():
                text = profile_text(json.loads(request.profile.profile_json))
                [vector] = await self._embed([text])
                return [ProfileEmbedded(profile=request.profile, embedding=vector.tolist())]
            case CompareSkills():
                overlap = await asyncio.to_thread(fuzzy_skill_overlap, request.terms, request.unmatched,
                                                  self._embedder.embed)
                return [SkillsCompared(analysis=request.analysis, posting_at=request.posting_at,
                                       fuzzy_matches={required: term for required, term, _ in overlap})]
        raise TypeError(f"analysis has no port for {type(request).__name__}")

    async def _examine(self, request: ExaminePosting, cell: int) -> PostingExamined | ExaminationFailed:
        posting = request.posting
        try:
            async with outages("Redis (AI budgets and cache)"):
                requirements, extractor, budget_events = await requirements_for(posting, self._gateway, cell=cell)
            [vector] = await self._embed([posting_embedding_text(posting)])
        except TransientError:
            raise
        except Exception as exc:  # this posting cannot be read: the users who discovered it are told why
            log.exception("cannot analyze %s", posting.canonical_job_id)
            return ExaminationFailed(posting=posting, reason=f"{type(exc).__name__}: {exc}"[:500])
        async with outages("PostgreSQL (the posting index)"):
            rows = await self._vectors.nearest(vector, NEIGHBOURS, company_norm=normalize_company(posting.company))
        return PostingExamined(posting=posting, requirements=requirements, extractor=extractor,
                               embedding=vector.tolist(), neighbours=[Neighbour.from_row(r) for r in rows],
                               budget_events=tuple(budget_events))

    async def _embed(self, texts: list[str]) -> np.ndarray:
        return await asyncio.to_thread(self._embedder.embed, texts)

    async def close(self) -> None:
        await self._gateway.close()
        await self._vectors.close()


async def open_ports(settings: Settings) -> AnalysisPorts:
    async with outages("PostgreSQL or Redis"):
        vectors = await VectorStore.connect(settings.database_url, table=settings.vector_table)
        try:
            gateway = await AiGateway.start(settings)
        except BaseException:
            await vectors.close()
            raise
    return AnalysisPorts(MiniLmEmbedder(), vectors, gateway)
