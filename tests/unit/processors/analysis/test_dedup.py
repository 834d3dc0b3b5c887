"""Semantic dedup decisions on hand-made vectors: no model, no database."""

from __future__ import annotations

import numpy as np
import pytest

from processors.analysis.dedup import (
    DedupCandidate,
    DedupThresholds,
    Neighbour,
    candidate_from_posting,
    decide_duplicate,
    locations_overlap,
    normalize_company,
    normalize_title,
)
from streams.messages import BoardSource, JobPosting, Workplace, utc_now

THRESHOLDS = DedupThresholds(duplicate=0.9, same_role=0.85)


def unit(*components: float) -> np.ndarray:
    vector = np.array(components, dtype=np.float64)
    return vector / np.linalg.norm(vector)


# The candidate's embedding and existing postings' embeddings, in a 3-dimensional toy space.
CANDIDATE_VECTOR = unit(1.0, 0.1, 0.0)
SAME_TEXT = unit(1.0, 0.1, 0.0)  # cosine 1.0
REWORDED = unit(1.0, 0.3, 0.1)  # cosine ~0.98
RELATED = unit(1.0, 0.9, 0.0)  # cosine ~0.80
OTHER = unit(0.0, 0.0, 1.0)  # cosine 0.0


def neighbour(job_id: str, vector: np.ndarray, *, company: str = "Acme Inc.", title: str = "Data Scientist",
              locations: list[str] | None = None, canonical_of: str | None = None) -> Neighbour:
    return Neighbour(canonical_job_id=job_id, canonical_of=canonical_of, company_norm=normalize_company(company),
                     title_norm=normalize_title(title),
                     locations=["New York, NY"] if locations is None else locations,
                     similarity=float(np.clip(CANDIDATE_VECTOR @ vector, -1.0, 1.0)))


def candidate(*, company: str = "ACME, Inc", title: str = "Data Scientist", locations: list[str] | None = None,
              job_id: str = "lever:acme:new") -> DedupCandidate:
    return DedupCandidate(canonical_job_id=job_id, company=company, title=title,
                          locations=["New York, NY"] if locations is None else locations)


def test_the_same_job_on_another_board_is_a_duplicate_of_the_earlier_one() -> None:
    decision = decide_duplicate(candidate(), [neighbour("greenhouse:acme:1", SAME_TEXT)], THRESHOLDS)
    assert decision.canonical_job_id == "lever:acme:new"
    assert decision.duplicate_of == "greenhouse:acme:1"
    assert decision.same_role_as == []
    assert "similarity 1.000" in decision.evidence[0] and "same company 'acme'" in decision.evidence[0]


def test_a_reworded_repost_is_a_duplicate_but_a_merely_related_posting_is_not() -> None:
    assert decide_duplicate(candidate(), [neighbour("g:1", REWORDED)], THRESHOLDS).duplicate_of == "g:1"
    related = decide_duplicate(candidate(), [neighbour("g:1", RELATED), neighbour("g:2", OTHER)], THRESHOLDS)
    assert related.duplicate_of is None and related.same_role_as == [] and related.evidence == []


def test_a_duplicate_points_at_the_root_of_its_group_not_at_another_duplicate() -> None:
    neighbours = [neighbour("ashby:acme:2", SAME_TEXT, canonical_of="greenhouse:acme:1"),
                  neighbour("greenhouse:acme:1", REWORDED)]
    decision = decide_duplicate(candidate(), neighbours, THRESHOLDS)
    assert decision.duplicate_of == "greenhouse:acme:1"
    assert "via ashby:acme:2" in decision.evidence[0]


def test_the_most_similar_matching_neighbour_wins() -> None:
    neighbours = [neighbour("g:reworded", REWORDED), neighbour("g:same", SAME_TEXT)]
    assert decide_duplicate(candidate(), neighbours, THRESHOLDS).duplicate_of == "g:same"


@pytest.mark.parametrize("company", ["Globex", "", "Acme Research"])
def test_another_company_is_never_a_duplicate_however_similar_the_text(company: str) -> None:
    decision = decide_duplicate(candidate(company=company), [neighbour("g:1", SAME_TEXT)], THRESHOLDS)
    assert decision.duplicate_of is None and decision.same_role_as == []
    assert "company" in decision.evidence[0]


def test_another_title_at_the_same_company_is_a_different_job() -> None:
    decision = decide_duplicate(candidate(title="Senior Data Scientist"), [neighbour("g:1", SAME_TEXT)], THRESHOLDS)
    assert decision.duplicate_of is None and decision.same_role_as == []
    assert "title 'senior data scientist' vs 'data scientist'" in decision.evidence[0]


def test_the_same_role_in_another_city_is_a_different_job_that_names_its_siblings() -> None:
    neighbours = [neighbour("g:chicago", SAME_TEXT, locations=["Chicago, IL"]),
                  neighbour("g:austin-repost", REWORDED, locations=["Austin, TX"], canonical_of="g:austin"),
                  neighbour("g:austin", REWORDED, locations=["Austin, TX"])]
    decision = decide_duplicate(candidate(), neighbours, THRESHOLDS)
    assert decision.duplicate_of is None
    assert decision.same_role_as == ["g:chicago", "g:austin"]
    assert len(decision.evidence) == 2 and "Chicago, IL" in decision.evidence[0]


def test_a_duplicate_also_names_the_same_role_elsewhere() -> None:
    neighbours = [neighbour("g:ny", SAME_TEXT), neighbour("g:sf", REWORDED, locations=["San Francisco, CA"])]
    decision = decide_duplicate(candidate(), neighbours, THRESHOLDS)
    assert decision.duplicate_of == "g:ny" and decision.same_role_as == ["g:sf"]


def test_same_role_needs_its_own_threshold() -> None:
    slightly_related = unit(1.0, 0.55, 0.0)  # cosine ~0.92 with the candidate
    neighbours = [neighbour("g:chicago", slightly_related, locations=["Chicago, IL"])]
    assert decide_duplicate(candidate(), neighbours, THRESHOLDS).same_role_as == ["g:chicago"]
    strict = DedupThresholds(duplicate=0.9, same_role=0.95)
    assert decide_duplicate(candidate(), neighbours, strict).same_role_as == []


@pytest.mark.parametrize(("mine", "theirs"), [
    (["Remote"], ["Chicago, IL"]),
    ([], ["Chicago, IL"]),
    (["New York, NY"], ["Remote - US"]),
    (["New York, NY"], ["United States"]),
])
def test_remote_or_unstated_locations_overlap_every_place(mine: list[str], theirs: list[str]) -> None:
    decision = decide_duplicate(candidate(locations=mine), [neighbour("g:1", SAME_TEXT, locations=theirs)],
                                THRESHOLDS)
    assert decision.duplicate_of == "g:1"


def test_a_posting_never_duplicates_itself_or_what_was_merged_into_it() -> None:
    neighbours = [neighbour("lever:acme:new", SAME_TEXT), neighbour("g:2", SAME_TEXT, canonical_of="lever:acme:new")]
    decision = decide_duplicate(candidate(), neighbours, THRESHOLDS)
    assert decision.duplicate_of is None and decision.same_role_as == []


def test_no_neighbours_is_a_new_job() -> None:
    assert decide_duplicate(candidate(), []).model_dump() == {
        "canonical_job_id": "lever:acme:new", "duplicate_of": None, "same_role_as": [], "evidence": []}


def test_a_remote_posting_is_compared_as_remote() -> None:
    posting = JobPosting(event_id="e", occurred_at=utc_now(), canonical_job_id="greenhouse:acme:1",
                         source=BoardSource.GREENHOUSE, board_token="acme", source_job_id="1", title="Data Scientist",
                         company="Acme", locations=["New York, NY"], workplace=Workplace.REMOTE, url="https://x",
                         description_text="", content_hash="h")
    assert candidate_from_posting(posting).locations == ["New York, NY", "Remote"]


@pytest.mark.parametrize(("a", "b"), [
    ("Acme, Inc.", "ACME Inc"),
    ("Acme LLC", "acme"),
    ("Acme Ltd.", "Acme Limited"),
    ("Tecolote Research\n3.8", "Tecolote Research"),
    ("The Walt Disney Company", "Walt Disney"),
    ("Procter & Gamble Co.", "Procter and Gamble"),
    ("Société Générale", "Societe Generale"),
    ("Acme Corp. Inc.", "Acme"),
])
def test_company_names_that_are_the_same_company(a: str, b: str) -> None:
    assert normalize_company(a) == normalize_company(b)


@pytest.mark.parametrize(("a", "b"), [("Acme", "Acme Research"), ("Acme", "Apex")])
def test_company_names_that_are_different_companies(a: str, b: str) -> None:
    assert normalize_company(a) != normalize_company(b)


def test_a_company_called_company_keeps_its_name() -> None:
    assert normalize_company("Company") == "company"


@pytest.mark.parametrize(("a", "b"), [
    ("Sr. Data Scientist", "Senior Data Scientist"),
    ("Data Scientist (Remote)", "data scientist"),
    ("Customer Data Scientist/Sales Engineer (Bay", "Customer Data Scientist / Sales Engineer"),
    ("Data Scientist - Machine Learning", "Data Scientist, Machine Learning"),
])
def test_titles_that_are_the_same_title(a: str, b: str) -> None:
    assert normalize_title(a) == normalize_title(b)


def test_seniority_outside_brackets_makes_another_title() -> None:
    assert normalize_title("Senior Data Scientist") != normalize_title("Data Scientist")


@pytest.mark.parametrize(("a", "b", "overlap"), [
    (["New York, NY"], ["New York City, NY"], True),
    (["New York, NY"], ["NYC"], True),
    (["San Francisco, CA"], ["San Francisco, California, United States"], True),
    (["Portland, OR"], ["Portland, ME"], False),
    (["Chicago, IL"], ["Boston, MA"], False),
    (["Chicago, IL", "Boston, MA"], ["Boston, MA"], True),
    (["Chicago, IL"], ["Remote"], True),
    ([], [], True),
])
def test_locations_overlap(a: list[str], b: list[str], overlap: bool) -> None:
    assert locations_overlap(a, b) is overlap
    assert locations_overlap(b, a) is overlap
