"""Saved-search matching: what fits, what is ruled out, and the reasons a user reads."""

from __future__ import annotations

import pytest

from processors.discovery.matching import first_match, match_search
from processors.discovery.model import FetchedPosting
from streams.messages import BoardSource, RemotePreference, SavedSearch, Workplace


def posting(**fields: object) -> FetchedPosting:
    base: dict[str, object] = {
        "source": BoardSource.GREENHOUSE, "board_token": "examplecorp", "source_job_id": "1",
        "title": "Senior Backend Engineer (Python)", "company": "ExampleCorp", "locations": ["Lisbon, Portugal"],
        "workplace": Workplace.HYBRID, "url": "https://example.org/jobs/1",
        "description_text": "You will build Kafka pipelines and data platforms.",
    }
    return FetchedPosting.model_validate({**base, **fields})


def search(**fields: object) -> SavedSearch:
    return SavedSearch.model_validate({"name": "backend", **fields})


def test_a_keyword_in_the_title_matches_and_says_so() -> None:
    assert match_search(posting(), search(keywords=["python"])) == ["title mentions 'python'"]


def test_a_keyword_only_in_the_description_is_reported_as_such() -> None:
    reasons = match_search(posting(), search(keywords=["kafka", "rust"]))
    assert reasons == ["description mentions 'kafka'"]


def test_keywords_match_whole_words_only() -> None:
    assert match_search(posting(description_text="pythonic code"), search(keywords=["kafkaesque"])) is None
    assert match_search(posting(title="Engineer", description_text="pythonic"), search(keywords=["python"])) is None


def test_a_multiword_keyword_tolerates_spacing_and_case() -> None:
    p = posting(title="Staff  DATA\nScientist")
    assert match_search(p, search(keywords=["data scientist"])) == ["title mentions 'data scientist'"]


def test_an_exclusion_anywhere_rules_the_posting_out() -> None:
    assert match_search(posting(description_text="Unpaid internship"), search(exclusions=["unpaid"])) is None


def test_no_keywords_means_every_posting_of_the_board() -> None:
    assert match_search(posting(workplace=Workplace.ONSITE), search()) == ["every posting on a board you follow"]


@pytest.mark.parametrize(
    ("workplace", "locations", "wanted", "fits"),
    [
        (Workplace.REMOTE, [], RemotePreference.REMOTE_ONLY, True),
        (Workplace.HYBRID, [], RemotePreference.REMOTE_ONLY, False),
        (Workplace.HYBRID, [], RemotePreference.REMOTE_OR_HYBRID, True),
        (Workplace.ONSITE, [], RemotePreference.REMOTE_OR_HYBRID, False),
        (Workplace.UNKNOWN, ["Remote - Europe"], RemotePreference.REMOTE_ONLY, True),
        (Workplace.UNKNOWN, ["Berlin"], RemotePreference.REMOTE_ONLY, False),
        (Workplace.REMOTE, [], RemotePreference.ONSITE_ONLY, False),
        (Workplace.ONSITE, [], RemotePreference.ANY, True),
    ],
)
def test_workplace_preferences(workplace: Workplace, locations: list[str], wanted: RemotePreference,
                               fits: bool) -> None:
    assert (match_search(posting(workplace=workplace, locations=locations), search(remote=wanted)) is not None) == fits


def test_locations_match_by_place_name_and_a_remote_job_fits_anywhere() -> None:
    assert match_search(posting(), search(locations=["lisbon"])) == ["in lisbon"]
    assert match_search(posting(), search(locations=["Berlin"])) is None
    assert match_search(posting(workplace=Workplace.REMOTE, locations=["USA"]), search(locations=["Berlin"]))
    assert match_search(posting(locations=[]), search(locations=["Berlin"])) == ["location not stated"]


def test_companies_narrow_the_search() -> None:
    assert match_search(posting(), search(companies=["examplecorp"])) == ["company ExampleCorp"]
    assert match_search(posting(), search(companies=["Other Inc"])) is None


def test_salary_floor_rules_out_only_a_stated_lower_salary_in_the_same_currency() -> None:
    floor = search(salary_floor=100_000, salary_currency="USD")
    assert match_search(posting(salary_min=60_000, salary_max=90_000, salary_currency="USD"), floor) is None
    assert match_search(posting(salary_min=90_000, salary_max=120_000, salary_currency="USD"), floor) == [
        "pays up to 120,000 USD"]
    assert match_search(posting(), floor) == ["salary not stated"]
    # A salary stated in a way that could not be read as yearly is shown as stated, not ruled out.
    assert match_search(posting(salary_text="€4.500 brutto monatlich"), floor) == [
        "salary stated as '€4.500 brutto monatlich', not read as a yearly amount"]
    assert match_search(posting(salary_min=120_000, salary_currency="USD"), floor) == ["pays up to 120,000 USD"]
    assert match_search(posting(salary_max=50_000, salary_currency="EUR"), floor) == [
        "salary in EUR, not compared with a USD floor"]


def test_first_match_names_the_search_that_fit() -> None:
    searches = [search(name="rust", keywords=["rust"]), search(name="python", keywords=["python"])]
    assert first_match(posting(), searches) == ("python", ["title mentions 'python'"])
    assert first_match(posting(), searches[:1]) is None
