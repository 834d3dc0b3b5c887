"""Analysis's ports: the slow work `step` asks for, on the runtime adapters (MiniLM embeddings, the pgvector
posting index, the AI gateway). Embedding is CPU-bound and runs in a thread."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

import numpy as np

from adapters.ai_gateway import AiGateway
from adapters.embeddings import MiniLmEmbedder, RememberedVectors
from adapters.transient import outages
from adapters.vector_store import StoredEmbedding, VectorStore
from processors.analysis.candidates import (
    MAX_ALIASES,
    NEAREST,
    NEAREST_ENTITY,
    NEAREST_TITLE,
    IndexedPosting,
    entity_keys,
    neighbour_of,
)
from processors.analysis.dedup import PostingTraits, normalize_company, traits_and_chunks
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
from processors.analysis.requirements import offline_requirements, requirements_for, span_finder
from streams.errors import TransientError
from streams.messages import BoardSource, PostingFields
from streams.processor import PortRequest, PortResult
from streams.settings import Settings
from textkit.skill_similarity import fuzzy_skill_overlap
from textkit.skill_spans import SpanFinder

log = logging.getLogger(__name__)


class AnalysisPorts:
    @property
    def model_loaded(self) -> bool:
        """Whether the embedding model is in memory (after `warm_up`, before the first record)."""
        return self._embedder.loaded

    def __init__(self, embedder: MiniLmEmbedder, vectors: VectorStore, gateway: AiGateway,
                 spans: SpanFinder | None = None) -> None:
        self._embedder = embedder
        self._spans = spans
        self._terms = RememberedVectors(embedder.embed)  # skill names and profile terms recur in every comparison
        self._vectors = vectors
        self._gateway = gateway

    async def run(self, request: PortRequest, *, cell: int) -> Sequence[PortResult]:
        match request:
            case ExaminePosting():
                return [await self._examine(request, cell)]
            case IndexPosting():
                async with outages("PostgreSQL (the posting index)"):
                    await self._vectors.upsert(_stored(request))
                return []
            case EmbedProfile():
                text = profile_text(json.loads(request.profile.profile_json))
                [vector] = await self._embed([text])
                return [ProfileEmbedded(profile=request.profile, embedding=vector.tolist())]
            case CompareSkills():
                overlap = await asyncio.to_thread(fuzzy_skill_overlap, request.terms, request.unmatched,
                                                  self._terms)
                return [SkillsCompared(analysis=request.analysis, posting_at=request.posting_at,
                                       fuzzy_matches={required: term for required, term, _ in overlap})]
        raise TypeError(f"analysis has no port for {type(request).__name__}")

    async def _examine(self, request: ExaminePosting, cell: int) -> PostingExamined | ExaminationFailed:
        posting = request.posting
        try:
            async with outages("Redis (AI budgets and cache)"):
                requirements, extractor, budget_events, _ = await requirements_for(
                    posting, self._gateway, cell=cell, spans=self._spans)
            traits, chunks = traits_and_chunks(posting, requirements)
            vectors = await self._embed([posting_embedding_text(posting), *(chunk.text for chunk in chunks)])
        except TransientError:
            raise
        except Exception as exc:  # this posting cannot be read: the users who discovered it are told why
            log.exception("cannot analyze %s", posting.canonical_job_id)
            return ExaminationFailed(posting=posting, reason=f"{type(exc).__name__}: {exc}"[:500])
        summary, chunk_vectors = vectors[0], vectors[1:]
        chunk_words = [chunk.words for chunk in chunks]
        async with outages("PostgreSQL (the posting index)"):
            aliases = await self._vectors.aliases(traits.company_names, limit=MAX_ALIASES)
            if aliases:
                traits = traits.model_copy(update={"company_aliases": aliases})
            names, names_and_mentions = entity_keys(traits)
            rows = await self._vectors.candidates(summary, nearest=NEAREST, nearest_entity=NEAREST_ENTITY,
                                                  names=sorted(names), names_and_mentions=sorted(names_and_mentions),
                                                  nearest_title=NEAREST_TITLE, title_norm=traits.title_norm)
        query = IndexedPosting(traits=traits, canonical_of=None, embedding=summary, chunks=chunk_vectors,
                               chunk_words=chunk_words)
        neighbours = [neighbour_of(query, indexed_posting(row.stored), row.similarity) for row in rows]
        return PostingExamined(posting=posting, requirements=requirements, extractor=extractor,
                               embedding=summary.tolist(), chunk_embeddings=chunk_vectors.tolist(),
                               chunk_words=chunk_words, neighbours=neighbours, budget_events=tuple(budget_events),
                               company_aliases=tuple(traits.company_aliases))

    async def _embed(self, texts: list[str]) -> np.ndarray:
        return await asyncio.to_thread(self._embedder.embed, texts)

    async def close(self) -> None:
        await self._gateway.close()
        await self._vectors.close()


def _stored(request: IndexPosting) -> StoredEmbedding:
    t = request.traits
    chunks = np.asarray(request.chunk_embeddings, dtype=np.float32).reshape(-1, len(request.embedding))
    return StoredEmbedding(
        canonical_job_id=request.canonical_job_id, canonical_of=request.canonical_of,
        company_norm=normalize_company(t.company), title_norm=t.title_norm, locations=t.locations,
        content_hash=request.content_hash, embedding=np.asarray(request.embedding, dtype=np.float32),
        company=t.company, company_names=t.company_names, company_mentions=t.company_mentions, title=t.title,
        salary_min=t.salary_min, salary_max=t.salary_max, salary_currency=t.salary_currency, skills=t.skills,
        role_words=t.role_words, shingles=t.shingles, chunks=chunks, chunk_words=request.chunk_words)


def indexed_posting(stored: StoredEmbedding) -> IndexedPosting:
    traits = PostingTraits(
        canonical_job_id=stored.canonical_job_id, company=stored.company, company_names=stored.company_names,
        company_mentions=stored.company_mentions, title=stored.title, title_norm=stored.title_norm,
        locations=stored.locations, salary_min=stored.salary_min, salary_max=stored.salary_max,
        salary_currency=stored.salary_currency, skills=stored.skills, role_words=stored.role_words,
        shingles=stored.shingles)
    chunks = stored.chunks if stored.chunks is not None else np.zeros((0, len(stored.embedding)), dtype=np.float32)
    return IndexedPosting(traits=traits, canonical_of=stored.canonical_of, embedding=stored.embedding,
                          chunks=chunks, chunk_words=stored.chunk_words)


# What warm_up reads once so the skill vocabulary and the span model are loaded too (made-up text, no one's data).
_WARM_POSTING = PostingFields(source=BoardSource.FILE, board_token="warm-up", source_job_id="0",
                              title="Backend Engineer", company="Example", url="",
                              description_text="We need Python and PostgreSQL; 3+ years of backend work.")


def warm_up(settings: Settings) -> None:
    """Before the worker joins its group: load MiniLM and run one encode (the ports' embedder and the AI gateway's
    semantic cache share this copy), and read one posting offline (the vocabulary and the span model, or the tagger
    `RESUMEFLOW_SKILL_TAGGER` names: a file that cannot be read stops the worker here, before it joins). A lazy
    load took ~60 s inside a batch in the failover drill, while the group waited to rebalance."""
    MiniLmEmbedder().warm()
    offline_requirements(_WARM_POSTING, span_finder(settings))


async def open_ports(settings: Settings) -> AnalysisPorts:
    spans = await asyncio.to_thread(span_finder, settings)  # first: a bad tagger file leaves nothing open
    async with outages("PostgreSQL or Redis"):
        vectors = await VectorStore.connect(settings.database_url, table=settings.vector_table)
        try:
            gateway = await AiGateway.start(settings)
        except BaseException:
            await vectors.close()
            raise
    return AnalysisPorts(MiniLmEmbedder(), vectors, gateway, spans)
