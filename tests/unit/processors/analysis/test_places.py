"""Places as dedup compares them: abbreviations, metro areas, regions and remote territories, from GeoNames."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processors.analysis.places import Kind, Relation, relation, resolve, resolve_all


def rel(a: list[str], b: list[str]) -> Relation:
    return relation(resolve_all(a), resolve_all(b))


@pytest.mark.parametrize(("a", "b"), [
    (["SF / NY"], ["San Francisco Bay Area"]),  # an abbreviation and the metro area around it
    (["SF / NY"], ["New York, NY, US"]),
    (["New York, NY, US"], ["New York City, NY"]),
    (["NYC"], ["New York, NY"]),
    (["Brooklyn, NY"], ["New York City, NY"]),  # one city in GeoNames terms (within 15 km)
    (["Santa Clara, CA"], ["San Francisco Bay Area"]),  # a city inside the metro area
    (["Bangalore, India"], ["Bengaluru"]),  # GeoNames' alternate names
    (["Zurich"], ["Zürich, CH"]),
    (["San Francisco, CA"], ["San Francisco, California, United States"]),
    (["London, UK"], ["Greater London"]),
    (["Remote - US"], ["Remote, FL"]),  # a remote territory containing the other
    (["Remote"], ["Remote - US"]),  # remote anywhere
    (["Chicago, IL", "Boston, MA"], ["Boston, MA"]),
    (["Remote, Michigan"], ["Michigan"]),  # a remote territory that is the office's own place: a board that
    (["Remote, San Francisco"], ["San Francisco, CA"]),  # does not say remote lists the same place
    (["SF", "Remote"], ["San Francisco Bay Area"]),
])
def test_places_that_overlap(a: list[str], b: list[str]) -> None:
    assert rel(a, b) is Relation.OVERLAP
    assert rel(b, a) is Relation.OVERLAP


@pytest.mark.parametrize(("a", "b"), [
    (["Santa Clara, CA"], ["San Francisco, CA"]),  # one metro area, two offices
    (["Portland, OR"], ["Portland, ME"]),
    (["Chicago, IL"], ["Boston, MA"]),
    (["London, UK"], ["Dublin, IE"]),
    (["Remote, FL, US"], ["Remote, MA, US"]),  # remote postings for different territories are different jobs
    (["Remote (EMEA)"], ["Remote - US"]),
    (["Remote - US"], ["London, UK"]),  # remote in one country, an office in another
    (["Tokyo, Japan"], ["Seoul, South Korea"]),
    (["SF", "Remote"], ["NY", "Remote"]),  # a bare Remote next to cities is bounded by them, not a wildcard
])
def test_places_that_do_not_overlap(a: list[str], b: list[str]) -> None:
    assert rel(a, b) is Relation.DISJOINT
    assert rel(b, a) is Relation.DISJOINT


@pytest.mark.parametrize(("a", "b"), [
    (["Remote"], ["New York, NY"]),  # remote does not overlap every place
    (["Remote - US"], ["Chicago, IL"]),  # remote work and an office inside its territory: not certain
    ([], ["Chicago, IL"]),  # unstated
    (["Atlantis Campus"], ["Chicago, IL"]),  # text GeoNames does not know
])
def test_places_that_cannot_be_told(a: list[str], b: list[str]) -> None:
    assert rel(a, b) is Relation.UNKNOWN


def test_a_town_too_small_for_the_table_still_has_its_state() -> None:
    [place] = resolve("Fayetteville NY US")
    assert place.kind is Kind.STATE and place.state == "NY"
    [liverpool] = resolve("Liverpool, NY")
    assert liverpool.kind is Kind.STATE and liverpool.state == "NY"  # not Liverpool, England


def test_a_state_code_alone_is_the_state_and_a_city_name_alone_is_the_city() -> None:
    [ny] = resolve("NY")
    [new_york] = resolve("New York")
    assert ny.kind is Kind.STATE and new_york.kind is Kind.CITY
    assert rel(["NY"], ["New York"]) is Relation.OVERLAP


def test_remote_with_travel_is_remote_anywhere() -> None:
    [place] = resolve("Remote-Friendly (Travel-Required)")
    assert place.remote and place.anywhere


SAMPLES = ["SF", "NY", "San Francisco Bay Area", "New York, NY, US", "Remote", "Remote - US", "Remote, FL",
           "London, UK", "Dublin, IE", "Santa Clara, CA", "EMEA", "Ontario, CAN", "Seattle, WA", "Austin, TX",
           "Zürich, CH", "Bengaluru", "Unknown place", "Washington, DC", "Germany", "Munich, Germany"]


@given(st.lists(st.sampled_from(SAMPLES), max_size=3), st.lists(st.sampled_from(SAMPLES), max_size=3))
def test_the_relation_is_symmetric(a: list[str], b: list[str]) -> None:
    assert rel(a, b) is rel(b, a)


@given(st.lists(st.sampled_from([s for s in SAMPLES if s != "Unknown place"]), min_size=1, max_size=3))
def test_known_places_overlap_themselves(a: list[str]) -> None:
    assert rel(a, a) is Relation.OVERLAP
