"""Which stored postings dedup compares a new posting with (`candidates.find_candidates`, the vector store's
definition in memory): the nearest by embedding, the nearest of the same entity, and the nearest of the same
entity and title, so a company's many near-identical postings cannot crowd a copy out."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from processors.analysis.candidates import (
    MAX_ALIASES,
    IndexedPosting,
    find_candidates,
    known_aliases,
)
from processors.analysis.dedup import PostingTraits


def posting(job_id: str, names: list[str], title: str, vector: list[float]) -> IndexedPosting:
    v = np.asarray(vector, dtype=np.float32)
    return IndexedPosting(traits=PostingTraits(canonical_job_id=job_id, company_names=names, title_norm=title),
                          canonical_of=None, embedding=v / np.linalg.norm(v), chunks=np.zeros((0, len(v))))


def test_a_copy_crowded_out_of_the_entitys_nearest_is_found_by_its_title() -> None:
    # Twelve sales territories with one text sit closer to the cut copy than its own original.
    siblings = [posting(f"ashby:{i}", ["cursor"], f"account enterprise executive region{i}", [1.0, 0.01 * i, 0.0])
                for i in range(12)]
    original = posting("ashby:northeast", ["cursor"], "account enterprise executive northeast", [1.0, 0.5, 0.3])
    copy = posting("feed:northeast", ["cursor"], "account enterprise executive northeast", [1.0, 0.0, 0.0])
    found = [n.canonical_job_id for n in find_candidates(copy, [*siblings, original])]
    assert "ashby:northeast" in found
    without = [n.canonical_job_id for n in find_candidates(copy, [*siblings, original], nearest_title=0)]
    assert "ashby:northeast" not in without  # what the store returned before


def test_the_title_query_stays_within_the_entity() -> None:
    other = posting("gh:other", ["othercorp"], "data engineer", [0.0, 1.0, 0.0])
    crowd = [posting(f"gh:{i}", ["acme"], f"team{i} engineer", [1.0, 0.0, 0.01 * i]) for i in range(25)]
    query = posting("lever:new", ["acme"], "data engineer", [1.0, 0.0, 0.0])
    assert "gh:other" not in [n.canonical_job_id for n in find_candidates(query, [*crowd, other])]


def test_aliases_are_the_names_stored_postings_give_the_employer_along_with_one_of_its_own() -> None:
    stored = [PostingTraits(canonical_job_id="gh:1", company_names=["anysphere", "cursor"]),
              PostingTraits(canonical_job_id="gh:2", company_names=["othercorp"])]
    assert known_aliases(["anysphere"], stored) == ["cursor"]
    assert known_aliases(["cursor"], stored) == ["anysphere"]
    assert known_aliases(["othercorp"], stored) == []


def test_a_name_linked_to_too_many_names_is_not_one_employer() -> None:
    stored = [PostingTraits(canonical_job_id=f"x:{i}", company_names=["staffing", f"client{i}"])
              for i in range(MAX_ALIASES + 1)]
    assert known_aliases(["staffing"], stored) == []


NAMES = st.lists(st.sampled_from(["acme", "acmecorp", "anysphere", "cursor", "boystown", "other"]), min_size=1,
                 max_size=3, unique=True)


@given(NAMES, st.lists(NAMES, max_size=6))
def test_aliases_never_repeat_own_names_and_come_only_from_postings_that_share_one(
        names: list[str], stored_names: list[list[str]]) -> None:
    stored = [PostingTraits(canonical_job_id=f"s:{i}", company_names=n) for i, n in enumerate(stored_names)]
    aliases = known_aliases(names, stored)
    assert not set(aliases) & set(names)
    assert aliases == sorted(aliases)
    for alias in aliases:
        assert any(alias in s.company_names and set(names) & set(s.company_names) for s in stored)
