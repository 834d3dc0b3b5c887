"""The pgvector store against the real PostgreSQL of the local stack, in a table of this session's own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator

import asyncpg
import numpy as np
import pytest

from adapters.vector_store import StoredEmbedding, VectorStore
from processors.analysis.candidates import IndexedPosting, entity_keys, neighbour_of
from processors.analysis.dedup import DedupCandidate, decide_duplicate
from processors.analysis.ports import indexed_posting
from streams.settings import Settings

pytestmark = pytest.mark.integration

DIMENSIONS = 384


def unit(*weights: tuple[int, float]) -> np.ndarray:
    """A unit vector with the given (axis, weight) components."""
    vector = np.zeros(DIMENSIONS, dtype=np.float32)
    for axis, weight in weights:
        vector[axis] = weight
    return vector / np.linalg.norm(vector)


def record(job_id: str, embedding: np.ndarray, *, company: str = "acme", title: str = "data scientist",
           locations: list[str] | None = None, canonical_of: str | None = None, content_hash: str = "h1"
           ) -> StoredEmbedding:
    return StoredEmbedding(canonical_job_id=job_id, canonical_of=canonical_of, company_norm=company,
                           title_norm=title, locations=locations if locations is not None else ["New York, NY"],
                           content_hash=content_hash, embedding=embedding)


@pytest.fixture(scope="session")
def table_name() -> str:
    return f"job_embeddings_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture
def with_store(stack: Settings, table_name: str) -> Callable[[Callable[[VectorStore], Awaitable[None]]], None]:
    """Run a scenario with a store on the session's table, emptied first."""

    def run(scenario: Callable[[VectorStore], Awaitable[None]]) -> None:
        async def main() -> None:
            store = await VectorStore.connect(stack.database_url, table=table_name)
            try:
                await store._pool.execute(f"TRUNCATE {table_name}, {table_name}_chunks")
                await scenario(store)
            finally:
                await store.close()

        asyncio.run(main())

    return run


@pytest.fixture(scope="session", autouse=True)
def drop_table_afterwards(stack: Settings, table_name: str) -> Iterator[None]:
    yield

    async def drop() -> None:
        connection = await asyncpg.connect(stack.database_url)
        try:
            await connection.execute(f"DROP TABLE IF EXISTS {table_name}, {table_name}_chunks, "
                                     f"{table_name}_old, {table_name}_old_chunks")
        finally:
            await connection.close()

    asyncio.run(drop())


def test_schema_is_created_idempotently_with_an_hnsw_cosine_index(stack: Settings, table_name: str) -> None:
    async def scenario() -> None:
        stores = await asyncio.gather(*(VectorStore.connect(stack.database_url, table=table_name) for _ in range(3)))
        try:
            await stores[0].ensure_schema()
            indexes = await stores[0]._pool.fetch("SELECT indexdef FROM pg_indexes WHERE tablename = $1", table_name)
        finally:
            for store in stores:
                await store.close()
        definitions = " ".join(row["indexdef"] for row in indexes)
        assert "USING hnsw (embedding vector_cosine_ops)" in definitions
        assert "(company_norm)" in definitions

    asyncio.run(scenario())


def test_a_stored_embedding_reads_back_as_written(with_store: Callable[..., None]) -> None:
    async def scenario(store: VectorStore) -> None:
        embedding = unit((0, 1.0), (5, 0.3))
        await store.upsert(record("greenhouse:acme:1", embedding, locations=["New York, NY", "Remote"]))
        stored = await store.get("greenhouse:acme:1")
        assert stored is not None
        assert stored.locations == ["New York, NY", "Remote"]
        assert stored.canonical_of is None and stored.content_hash == "h1" and stored.created_at is not None
        np.testing.assert_allclose(stored.embedding, embedding, rtol=1e-6)
        assert await store.get("greenhouse:acme:missing") is None

    with_store(scenario)


def test_upsert_replaces_the_row_but_keeps_when_it_was_first_seen(with_store: Callable[..., None]) -> None:
    async def scenario(store: VectorStore) -> None:
        await store.upsert(record("lever:acme:1", unit((0, 1.0))))
        first = await store.get("lever:acme:1")
        await store.upsert(record("lever:acme:1", unit((1, 1.0)), content_hash="h2", canonical_of="ashby:acme:9"))
        second = await store.get("lever:acme:1")
        assert first is not None and second is not None
        assert second.content_hash == "h2" and second.canonical_of == "ashby:acme:9"
        np.testing.assert_allclose(second.embedding, unit((1, 1.0)), atol=1e-6)
        assert second.created_at == first.created_at
        assert await store._pool.fetchval(f"SELECT count(*) FROM {store.table}") == 1

    with_store(scenario)


def test_nearest_orders_by_cosine_similarity_and_filters_by_company(with_store: Callable[..., None]) -> None:
    async def scenario(store: VectorStore) -> None:
        query = unit((0, 1.0))
        await store.upsert(record("a:same", unit((0, 1.0))))
        await store.upsert(record("a:close", unit((0, 1.0), (1, 0.2))))
        await store.upsert(record("a:far", unit((0, 1.0), (1, 1.0))))
        await store.upsert(record("a:opposite", unit((0, -1.0))))
        await store.upsert(record("b:close", unit((0, 1.0), (2, 0.1)), company="globex"))

        neighbours = await store.nearest(query, 3)
        assert [n.canonical_job_id for n in neighbours] == ["a:same", "b:close", "a:close"]
        assert neighbours[0].similarity == pytest.approx(1.0, abs=1e-5)
        assert neighbours[2].similarity == pytest.approx(float(unit((0, 1.0), (1, 0.2)) @ query), abs=1e-5)

        acme = await store.nearest(query, 10, company_norm="acme")
        assert [n.canonical_job_id for n in acme] == ["a:same", "a:close", "a:far", "a:opposite"]
        assert acme[-1].similarity == pytest.approx(-1.0, abs=1e-5)
        assert await store.nearest(query, 5, company_norm="initech") == []

    with_store(scenario)


def test_a_company_filter_still_finds_its_postings_among_many_closer_ones(with_store: Callable[..., None]) -> None:
    """The HNSW graph is searched with a filter: iterative scans keep going until the company's rows appear."""

    async def scenario(store: VectorStore) -> None:
        rng = np.random.default_rng(7)
        query = unit((0, 1.0))
        for i in range(300):  # many other companies' postings closer to the query than acme's
            noise = rng.normal(size=DIMENSIONS).astype(np.float32) * 0.05
            await store.upsert(record(f"other:{i}", unit((0, 1.0)) + noise, company=f"other {i % 7}"))
        await store.upsert(record("acme:1", unit((0, 1.0), (3, 2.0))))
        found = await store.nearest(query, 3, company_norm="acme")
        assert [n.canonical_job_id for n in found] == ["acme:1"]

    with_store(scenario)


def posting_record(job_id: str, embedding: np.ndarray, *, names: list[str], mentions: list[str] | None = None,
                   title: str = "data engineer", locations: list[str] | None = None,
                   canonical_of: str | None = None) -> StoredEmbedding:
    chunks = np.stack([embedding, unit((7, 1.0))])
    return StoredEmbedding(canonical_job_id=job_id, canonical_of=canonical_of, company_norm=names[0],
                           title_norm=title, locations=locations or ["New York, NY"], content_hash="h",
                           embedding=embedding, company=names[0], company_names=names,
                           company_mentions=mentions or [], title=title.title(), salary_min=100000,
                           salary_max=120000, salary_currency="USD", skills=["kafka", "python"], role_words=120,
                           chunks=chunks, chunk_words=[60, 60])


def test_a_posting_reads_back_with_its_traits_and_chunks(with_store: Callable[..., None]) -> None:
    async def scenario(store: VectorStore) -> None:
        await store.upsert(posting_record("ashby:cursor:1", unit((0, 1.0)), names=["cursor"], mentions=["cursor"]))
        stored = await store.get("ashby:cursor:1")
        assert stored is not None and stored.company_names == ["cursor"] and stored.skills == ["kafka", "python"]
        assert stored.chunks is not None and stored.chunks.shape == (2, DIMENSIONS) and stored.chunk_words == [60, 60]
        await store.upsert(posting_record("ashby:cursor:1", unit((0, 1.0)), names=["cursor"]))  # re-analyzed
        assert await store._pool.fetchval(f"SELECT count(*) FROM {store.table}_chunks") == 2

    with_store(scenario)


def test_a_posting_with_nul_in_its_text_is_indexed_and_found_with_it_replaced(
        with_store: Callable[..., None]) -> None:
    """PostgreSQL's text cannot hold NUL; a board's JSON may ("\\u0000"), and analysis's index write crashed on it
    at every retry until the posting was dead-lettered."""

    async def scenario(store: VectorStore) -> None:
        nul = posting_record("gh:acme\x00:1", unit((0, 1.0)), names=["acme\x00", "acme co"],
                             mentions=["ac\x00me"], title="data\x00 engineer", locations=["Berlin\x00"])
        await store.upsert(nul)
        stored = await store.get("gh:acme\x00:1")
        assert stored is not None and stored.canonical_job_id == "gh:acme\ufffd:1"
        assert stored.company_names == ["acme\ufffd", "acme co"] and stored.title_norm == "data\ufffd engineer"
        assert stored.chunks is not None and stored.chunks.shape == (2, DIMENSIONS)
        assert await store.aliases(["acme\x00"], limit=20) == ["acme co"]
        rows = await store.candidates(unit((0, 1.0)), nearest=1, nearest_entity=1, names=["ac\x00me"],
                                      names_and_mentions=["acme\x00"], nearest_title=1,
                                      title_norm="data\x00 engineer")
        assert [row.stored.canonical_job_id for row in rows] == ["gh:acme\ufffd:1"]
        [near] = await store.nearest(unit((0, 1.0)), 1, company_norm="acme\x00")
        assert near.canonical_job_id == "gh:acme\ufffd:1"

    with_store(scenario)


def test_candidates_come_across_company_aliases(with_store: Callable[..., None]) -> None:
    """The brand's posting is found for the legal entity's copy: the copy's text names the brand."""

    async def scenario(store: VectorStore) -> None:
        rng = np.random.default_rng(3)
        query = unit((0, 1.0))
        for i in range(40):  # other companies' postings, all closer to the query by embedding
            noise = rng.normal(size=DIMENSIONS).astype(np.float32) * 0.02
            await store.upsert(posting_record(f"other:{i}", unit((0, 1.0)) + noise, names=[f"other{i}"]))
        await store.upsert(posting_record("ashby:cursor:1", unit((0, 1.0), (5, 3.0)), names=["cursor"]))
        rows = await store.candidates(query, nearest=3, nearest_entity=3, names=["anysphere"],
                                      names_and_mentions=["anysphere", "cursor"])
        ids = [row.stored.canonical_job_id for row in rows]
        assert "ashby:cursor:1" in ids and len(ids) == 4
        assert rows[-1].stored.canonical_job_id == "ashby:cursor:1"  # closest first
        assert all(row.stored.chunks is not None for row in rows)

    with_store(scenario)


def test_candidates_of_the_same_entity_and_title_are_not_crowded_out(with_store: Callable[..., None]) -> None:
    """A company's dozen near-identical postings sit closer to a cut copy than its original; the title query
    still returns the original (`candidates.find_candidates` in memory)."""

    async def scenario(store: VectorStore) -> None:
        for i in range(12):
            await store.upsert(posting_record(f"ashby:cursor:{i}", unit((0, 1.0), (1, 0.01 * i)), names=["cursor"],
                                              title=f"account enterprise executive region{i}"))
        await store.upsert(posting_record("ashby:cursor:ne", unit((0, 1.0), (1, 0.5), (2, 0.3)), names=["cursor"],
                                          title="account enterprise executive northeast"))
        query = unit((0, 1.0))
        without = await store.candidates(query, nearest=3, nearest_entity=3, names=["cursor"],
                                         names_and_mentions=["cursor"])
        assert "ashby:cursor:ne" not in [row.stored.canonical_job_id for row in without]
        rows = await store.candidates(query, nearest=3, nearest_entity=3, names=["cursor"],
                                      names_and_mentions=["cursor"], nearest_title=3,
                                      title_norm="account enterprise executive northeast")
        assert "ashby:cursor:ne" in [row.stored.canonical_job_id for row in rows]

    with_store(scenario)


def test_aliases_are_names_another_posting_gives_the_employer(with_store: Callable[..., None]) -> None:
    async def scenario(store: VectorStore) -> None:
        await store.upsert(posting_record("gh:anysphere:1", unit((0, 1.0)), names=["anysphere", "cursor"]))
        await store.upsert(posting_record("gh:other:1", unit((1, 1.0)), names=["othercorp"]))
        assert await store.aliases(["anysphere"], limit=20) == ["cursor"]
        assert await store.aliases(["cursor"], limit=20) == ["anysphere"]
        assert await store.aliases(["othercorp"], limit=20) == []
        assert await store.aliases(["anysphere"], limit=0) == []  # more than the limit: not one employer
        assert await store.aliases([], limit=20) == []

    with_store(scenario)


def test_an_older_table_is_upgraded_in_place(stack: Settings, table_name: str) -> None:
    async def scenario() -> None:
        old = f"{table_name}_old"
        connection = await asyncpg.connect(stack.database_url)
        try:
            await connection.execute(f"DROP TABLE IF EXISTS {old}, {old}_chunks")
            await connection.execute(f"""CREATE TABLE {old} (canonical_job_id text PRIMARY KEY, canonical_of text,
                company_norm text NOT NULL, title_norm text NOT NULL, locations text[] NOT NULL DEFAULT '{{}}',
                content_hash text NOT NULL, embedding vector({DIMENSIONS}) NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now())""")
            await connection.execute(f"INSERT INTO {old} (canonical_job_id, company_norm, title_norm, content_hash, "
                                     f"embedding) VALUES ('a:1', 'acme', 'data engineer', 'h', $1)",
                                     "[" + ",".join(["0"] * (DIMENSIONS - 1) + ["1"]) + "]")
        finally:
            await connection.close()
        store = await VectorStore.connect(stack.database_url, table=old)
        try:
            stored = await store.get("a:1")
            assert stored is not None and stored.company_names == [] and stored.chunks is None
            rows = await store.candidates(unit((DIMENSIONS - 1, 1.0)), nearest=2, nearest_entity=2,
                                          names=["acme"], names_and_mentions=["acme"])
            assert [row.stored.canonical_job_id for row in rows] == ["a:1"]
        finally:
            await store.close()

    asyncio.run(scenario())


def test_dedup_on_store_candidates_points_a_repost_at_the_root(with_store: Callable[..., None]) -> None:
    async def scenario(store: VectorStore) -> None:
        posting = unit((0, 1.0), (4, 0.1))
        await store.upsert(posting_record("greenhouse:acme:1", posting, names=["acme"]))
        await store.upsert(posting_record("lever:acme:7", posting, names=["acme"], canonical_of="greenhouse:acme:1"))
        await store.upsert(posting_record("greenhouse:acme:2", posting, names=["acme"], locations=["Chicago, IL"]))
        candidate = DedupCandidate(canonical_job_id="ashby:acme:3", company="Acme, Inc.", company_names=["acme"],
                                   title="Data Engineer", title_norm="data engineer", locations=["New York, NY"],
                                   salary_min=100000, salary_max=120000, salary_currency="USD",
                                   skills=["kafka", "python"], role_words=120)
        query = IndexedPosting(traits=candidate, canonical_of=None, embedding=posting,
                               chunks=np.stack([posting, unit((7, 1.0))]), chunk_words=[60, 60])
        names, everything = entity_keys(candidate)
        rows = await store.candidates(posting, nearest=5, nearest_entity=5, names=sorted(names),
                                      names_and_mentions=sorted(everything))
        neighbours = [neighbour_of(query, indexed_posting(r.stored), r.similarity) for r in rows]
        decision = decide_duplicate(candidate, neighbours)
        assert decision.duplicate_of == "greenhouse:acme:1", decision.evidence
        assert decision.same_role_as == ["greenhouse:acme:2"]

    with_store(scenario)
