"""Dedup decisions on hand-made traits and text similarities: no model, no database. Each kind of issue 15 is a
case here: company aliases, titles, places, text, and the one decision that says which piece decided."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processors.analysis.companies import company_mentions, company_names
from processors.analysis.dedup import (
    DedupCandidate,
    Neighbour,
    candidate_from_posting,
    decide_duplicate,
    locations_overlap,
    score_pair,
)
from processors.analysis.places import resolve_all
from processors.analysis.titles import normalize_title
from streams.messages import BoardSource, JobPosting, Workplace, utc_now

CURSOR_TEXT = "As Manager of AI Deployment at Cursor, you'll lead a team. Cursor's customers love it."


def traits(job_id: str, *, company: str = "Acme", board: str = "acme", urls: tuple[str, ...] = (),
           title: str = "Data Engineer", locations: tuple[str, ...] = ("New York, NY",), text: str = "",
           skills: tuple[str, ...] = ("kafka", "python", "postgresql", "spark"), role_words: int = 200,
           salary: tuple[int, int] | None = None) -> dict:
    return {"canonical_job_id": job_id, "company": company, "company_names": company_names(company, board, urls),
            "company_mentions": company_mentions(text), "title": title,
            "title_norm": normalize_title(title, resolve_all(locations)), "locations": list(locations),
            "skills": list(skills), "role_words": role_words,
            "salary_min": salary[0] if salary else None, "salary_max": salary[1] if salary else None,
            "salary_currency": "USD" if salary else None}


def candidate(**kwargs: object) -> DedupCandidate:
    return DedupCandidate(**traits(str(kwargs.pop("job_id", "lever:acme:new")), **kwargs))  # type: ignore[arg-type]


def neighbour(job_id: str, *, text_similarity: float | None = 0.97, canonical_of: str | None = None,
              **kwargs: object) -> Neighbour:
    return Neighbour(**traits(job_id, **kwargs), canonical_of=canonical_of,  # type: ignore[arg-type]
                     similarity=0.9, text_similarity=text_similarity)


# --- company aliases ------------------------------------------------------------------------------------------


def test_the_brand_and_the_legal_entity_on_another_board_are_one_job() -> None:
    ashby = neighbour("ashby:cursor:1", company="cursor", board="cursor", title="AI Deployment Manager",
                      locations=("SF", "NY"), text=CURSOR_TEXT)
    greenhouse = candidate(job_id="greenhouse:anysphere:9", company="Anysphere", board="anysphere",
                           urls=("https://cursor.com/careers/9?gh_jid=9",), title="Manager, AI Deployment",
                           locations=("San Francisco, CA", "New York, NY"))
    decision = decide_duplicate(greenhouse, [ashby])
    assert decision.duplicate_of == "ashby:cursor:1", decision.evidence
    assert "same company 'cursor'" in decision.evidence[0]


def test_an_alias_another_posting_names_links_a_listing_that_never_names_the_brand() -> None:
    ashby = neighbour("ashby:cursor:1", company="cursor", board="cursor", title="Software Engineer, Infrastructure",
                      locations=("SF", "NY"), text_similarity=0.5, role_words=20)
    listing = candidate(job_id="feed:agg:7", company="Anysphere", board="", title="Software Engineer, Infrastructure",
                        locations=("SF", "NY"), role_words=20)
    assert decide_duplicate(listing, [ashby]).duplicate_of is None  # nothing says Anysphere is Cursor
    linked = listing.model_copy(update={"company_aliases": ["cursor"]})  # a Greenhouse posting named both
    decision = decide_duplicate(linked, [ashby])
    assert decision.duplicate_of == "ashby:cursor:1", decision.evidence
    assert "named with 'anysphere' by another posting" in decision.evidence[0]


def test_a_site_token_finds_the_brand_its_text_names() -> None:
    ashby = neighbour("ashby:cursor:1", company="cursor", board="cursor", title="AI Deployment Manager",
                      locations=("SF", "NY"))
    lever = candidate(job_id="lever:anysphere:2", company="anysphere", board="anysphere",
                      title="AI Deployment Manager", locations=("San Francisco Bay Area", "New York, NY, US"),
                      text=CURSOR_TEXT)
    decision = decide_duplicate(lever, [ashby])
    assert decision.duplicate_of == "ashby:cursor:1", decision.evidence
    assert "named in this description" in decision.evidence[0]


def test_x_and_x_hospital_are_one_employer() -> None:
    decision = decide_duplicate(candidate(company="Boys Town Hospital", board="glassdoor", title="Research Scientist",
                                          locations=("Omaha, NE",)),
                                [neighbour("gd:1", company="Boys Town", board="glassdoor", title="Research Scientist",
                                           locations=("Omaha, NE",))])
    assert decision.duplicate_of == "gd:1"


def test_the_same_title_at_another_company_is_another_job_however_similar_the_text() -> None:
    decision = decide_duplicate(candidate(title="Data Scientist"),
                                [neighbour("g:1", company="Globex", board="globex", title="Data Scientist",
                                           text_similarity=0.9)])
    assert decision.duplicate_of is None and decision.same_role_as == []
    assert "company" in decision.evidence[0]


# --- titles ---------------------------------------------------------------------------------------------------


def test_another_team_qualifier_at_the_same_company_is_another_role() -> None:
    decision = decide_duplicate(candidate(title="Solutions Architect, Applied AI (Industries)"),
                                [neighbour("g:1", title="Solutions Architect, Applied AI (Startups)",
                                           text_similarity=0.98)])
    assert decision.duplicate_of is None and decision.same_role_as == []
    assert "decided by title" in decision.evidence[0]


def test_word_order_and_a_remote_suffix_are_form_not_meaning() -> None:
    decision = decide_duplicate(candidate(title="AI Deployment Manager - Remote US", locations=("Remote - US",)),
                                [neighbour("a:1", title="Manager, AI Deployment", locations=("Remote",))])
    assert decision.duplicate_of == "a:1", decision.evidence


# --- places ---------------------------------------------------------------------------------------------------


def test_an_abbreviation_and_the_metro_area_are_one_place() -> None:
    decision = decide_duplicate(candidate(locations=("San Francisco Bay Area",)),
                                [neighbour("a:1", locations=("SF", "NY"))])
    assert decision.duplicate_of == "a:1", decision.evidence


def test_the_same_role_in_another_city_is_another_job_that_names_its_siblings() -> None:
    neighbours = [neighbour("g:chicago", locations=("Chicago, IL",), text_similarity=1.0),
                  neighbour("g:austin-repost", locations=("Austin, TX",), canonical_of="g:austin"),
                  neighbour("g:austin", locations=("Austin, TX",))]
    decision = decide_duplicate(candidate(), neighbours)
    assert decision.duplicate_of is None
    assert decision.same_role_as == ["g:austin", "g:chicago"] or decision.same_role_as == ["g:chicago", "g:austin"]
    assert all("decided by place" in line for line in decision.evidence)


def test_remote_postings_for_different_territories_are_different_jobs() -> None:
    decision = decide_duplicate(candidate(locations=("Remote, FL, US",), salary=(60807, 79504)),
                                [neighbour("i:ma", locations=("Remote, MA, US",), salary=(70215, 90659))])
    assert decision.duplicate_of is None and decision.same_role_as == ["i:ma"]


def test_a_duplicate_also_names_the_same_role_elsewhere() -> None:
    decision = decide_duplicate(candidate(), [neighbour("g:ny"), neighbour("g:sf", locations=("San Francisco, CA",))])
    assert decision.duplicate_of == "g:ny" and decision.same_role_as == ["g:sf"]


# --- text -----------------------------------------------------------------------------------------------------


def test_a_cut_aggregator_copy_with_little_role_text_is_still_a_duplicate() -> None:
    decision = decide_duplicate(candidate(role_words=25, skills=()), [neighbour("a:1", text_similarity=0.9)])
    assert decision.duplicate_of == "a:1", decision.evidence


def test_one_title_with_a_different_text_at_one_company_is_not_merged() -> None:
    scored = score_pair(candidate(), neighbour("a:1", text_similarity=0.45, skills=("excel", "sales")))
    assert scored.p_duplicate < 0.5


# --- the decision ---------------------------------------------------------------------------------------------


def test_a_duplicate_points_at_the_root_of_its_group() -> None:
    decision = decide_duplicate(candidate(), [neighbour("ashby:acme:2", canonical_of="greenhouse:acme:1"),
                                              neighbour("greenhouse:acme:1", text_similarity=0.95)])
    assert decision.duplicate_of == "greenhouse:acme:1"
    assert "via ashby:acme:2" in decision.evidence[0]


def test_the_evidence_names_the_deciding_piece_and_every_piece() -> None:
    [line] = decide_duplicate(candidate(), [neighbour("g:1")]).evidence
    assert "decided by" in line
    for piece in ("same company", "title same", "text 0.970", "skills overlap", "places overlap", "salary unknown"):
        assert piece in line


def test_a_posting_never_duplicates_itself_or_what_was_merged_into_it() -> None:
    neighbours = [neighbour("lever:acme:new"), neighbour("g:2", canonical_of="lever:acme:new")]
    decision = decide_duplicate(candidate(), neighbours)
    assert decision.duplicate_of is None and decision.same_role_as == []


def test_no_neighbours_is_a_new_job() -> None:
    assert decide_duplicate(candidate(), []).model_dump() == {
        "canonical_job_id": "lever:acme:new", "duplicate_of": None, "same_role_as": [], "evidence": []}


def test_a_remote_posting_is_compared_as_remote() -> None:
    posting = JobPosting(event_id="e", occurred_at=utc_now(), canonical_job_id="greenhouse:acme:1",
                         source=BoardSource.GREENHOUSE, board_token="acme", source_job_id="1", title="Data Scientist",
                         company="Acme", locations=["New York, NY"], workplace=Workplace.REMOTE,
                         url="https://acme.com/jobs/1", description_text="", content_hash="h")
    traits_ = candidate_from_posting(posting)
    assert traits_.locations == ["Remote, New York, NY"]  # remote work based in New York
    assert traits_.company_names == ["acme"]


@pytest.mark.parametrize(("a", "b", "overlap"), [
    (["New York, NY"], ["New York City, NY"], True),
    (["Portland, OR"], ["Portland, ME"], False),
    (["Chicago, IL"], ["Remote"], False),
])
def test_locations_overlap(a: list[str], b: list[str], overlap: bool) -> None:
    assert locations_overlap(a, b) is overlap


SIMILARITY = st.one_of(st.none(), st.floats(min_value=-1.0, max_value=1.0))


@given(SIMILARITY, st.sampled_from(["Data Engineer", "Data Scientist", "Engineer, Data"]),
       st.sampled_from([("New York, NY",), ("Chicago, IL",), ("Remote",), ()]))
def test_the_decision_is_a_function_of_its_evidence(similarity: float | None, title: str,
                                                    locations: tuple[str, ...]) -> None:
    n = neighbour("g:1", title=title, locations=locations, text_similarity=similarity)
    first, second = decide_duplicate(candidate(), [n]), decide_duplicate(candidate(), [n])
    assert first == second
    assert not (first.duplicate_of and first.same_role_as)  # one neighbour is one or the other
    scored = score_pair(candidate(), n)
    assert abs(scored.p_duplicate + scored.p_same_role - scored.p_role) < 1e-9
