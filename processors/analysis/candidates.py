"""Which stored postings a new posting is compared with, and how close their texts are. Pure (numpy only).

The vector store (`adapters/vector_store.py`) answers the same question in SQL; `find_candidates` is its
definition on rows in memory, used by `resumeflow eval dedup` and the tests, so the evaluation replays exactly
what production does:

- the `NEAREST` stored postings closest by embedding, whatever their company (a copy whose employer is named
  in a way no key links is still found by its text);
- the `NEAREST_ENTITY` closest among postings of the same company entity: a stored posting whose names meet the
  new posting's names or mentions, or whose mentions meet its names (so "Anysphere" on Greenhouse finds
  "cursor" on Ashby through the careers domain, and a Lever posting named by its site token finds the brand its
  text names).

Each candidate's text similarity is computed chunk by chunk (`role_text.text_similarity`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from processors.analysis.dedup import Neighbour, PostingTraits
from processors.analysis.role_text import text_similarity

NEAREST = 10
NEAREST_ENTITY = 10
NEAREST_TITLE = 10
MAX_ALIASES = 20  # a name linked to more is a generic word, not one employer


@dataclass(frozen=True)
class IndexedPosting:
    """A posting as the store keeps it: its traits, the root it duplicates, its summary embedding and its role
    chunks' embeddings (one unit row per chunk) with their word counts."""

    traits: PostingTraits
    canonical_of: str | None
    embedding: np.ndarray
    chunks: np.ndarray
    chunk_words: list[int] = field(default_factory=list)


def entity_keys(traits: PostingTraits) -> tuple[set[str], set[str]]:
    """(names, names, aliases and mentions): a stored posting is of the same entity when its names meet the
    second set of the new posting, or its mentions meet the first."""
    names = set(traits.company_names)
    return names, names | set(traits.company_aliases) | set(traits.company_mentions)


def known_aliases(names: Sequence[str], stored: Sequence[PostingTraits]) -> list[str]:
    """The names stored postings give an employer together with one of `names` (sorted, without `names`; none
    when more than `MAX_ALIASES`). The vector store answers the same in SQL (`VectorStore.aliases`)."""
    mine = set(names)
    found = {name for s in stored if mine & set(s.company_names) for name in s.company_names} - mine
    return sorted(found) if len(found) <= MAX_ALIASES else []


def same_entity(new: PostingTraits, stored: PostingTraits) -> bool:
    names, names_and_mentions = entity_keys(new)
    return bool(set(stored.company_names) & names_and_mentions or set(stored.company_mentions) & names)


def neighbour_of(query: IndexedPosting, stored: IndexedPosting, similarity: float) -> Neighbour:
    sims = text_similarity(query.chunks, query.chunk_words, stored.chunks, stored.chunk_words)
    return Neighbour(**stored.traits.model_dump(), canonical_of=stored.canonical_of,
                     similarity=float(np.clip(similarity, -1.0, 1.0)),
                     text_similarity=None if sims is None else float(np.clip(sims, -1.0, 1.0)))


def find_candidates(query: IndexedPosting, stored: Sequence[IndexedPosting], *, nearest: int = NEAREST,
                    nearest_entity: int = NEAREST_ENTITY, nearest_title: int = NEAREST_TITLE) -> list[Neighbour]:
    """The candidates among `stored` (earlier first on ties), closest first. `query.traits.company_aliases` are
    its `known_aliases` among `stored`."""
    if not stored:
        return []
    matrix = np.stack([s.embedding for s in stored]).astype(np.float32)
    similarities = matrix @ np.asarray(query.embedding, dtype=np.float32)
    order = np.argsort(-similarities, kind="stable")
    chosen = list(order[:nearest])
    same = [i for i in order if same_entity(query.traits, stored[i].traits)]
    entity = same[:nearest_entity]
    titled = [i for i in same if stored[i].traits.title_norm == query.traits.title_norm][:nearest_title]
    picked = list(dict.fromkeys([*chosen, *entity, *titled]))
    picked.sort(key=lambda i: (-similarities[i], i))
    return [neighbour_of(query, stored[i], float(similarities[i])) for i in picked]
