"""Titles: the form normalized (word order, suffixes, abbreviations), the meaning (team qualifiers) kept."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from processors.analysis.places import resolve_all
from processors.analysis.titles import TitleRelation, normalize_title, title_relation


@pytest.mark.parametrize(("a", "b"), [
    ("Manager, AI Deployment", "AI Deployment Manager"),
    ("AI Deployment Manager - Remote US", "AI Deployment Manager"),
    ("Data Scientist (Remote)", "Remote Data Scientist"),
    ("Sr. Data Scientist", "Senior Data Scientist"),
    ("Data Scientist - Machine Learning", "Data Scientist, Machine Learning"),
    ("Software Engineer, Growth", "Growth Software Engineer"),
    ("Manager of Solutions Architecture", "Solutions Architecture Manager"),
])
def test_titles_that_are_the_same_title(a: str, b: str) -> None:
    assert normalize_title(a) == normalize_title(b)
    assert title_relation(normalize_title(a), normalize_title(b)) is TitleRelation.SAME


@pytest.mark.parametrize(("a", "b"), [
    ("Solutions Architect, Applied AI (Industries)", "Solutions Architect, Applied AI (Startups)"),
    ("Enterprise Account Executive, Southeast", "Enterprise Account Executive, Southwest"),
    ("Research Engineer, Pretraining", "Research Engineer, Production Model Post-Training"),
    ("Camp Evergreen Archery Director", "Camp Evergreen Fishing Director"),
])
def test_a_qualifier_that_differs_makes_another_role(a: str, b: str) -> None:
    assert title_relation(normalize_title(a), normalize_title(b)) is TitleRelation.DIFFERENT


def test_a_qualifier_more_is_a_narrower_title() -> None:
    narrower = title_relation(normalize_title("Applied AI Engineer (Startups)"), normalize_title("Applied AI Engineer"))
    assert narrower is TitleRelation.NARROWER
    assert title_relation(normalize_title("Senior Data Scientist"), normalize_title("Data Scientist")) \
        is TitleRelation.NARROWER


def test_a_place_in_the_title_is_dropped_when_it_is_the_postings_place() -> None:
    own = resolve_all(["Liverpool, NY"])
    assert normalize_title("Controls Engineer - Liverpool, NY", own) == normalize_title("Controls Engineer")
    assert normalize_title("Field Service Engineer (Washington, PA)") == normalize_title("Field Service Engineer")


def test_a_team_that_shares_a_name_with_a_city_is_kept() -> None:
    assert "enterprise" in normalize_title("Software Engineer, Enterprise")
    assert "central" in normalize_title("Enterprise Account Executive, Central")
    assert "emea" in normalize_title("Commercial Counsel, EMEA")


ROLE = st.sampled_from(["Engineer", "Manager", "Designer", "Scientist", "Account Executive"])
TEAM = st.sampled_from(["Growth", "AI Deployment", "Data Platform", "Security", "Applied AI"])


@given(ROLE, TEAM)
def test_role_comma_team_is_team_role(role: str, team: str) -> None:
    assert normalize_title(f"{role}, {team}") == normalize_title(f"{team} {role}")
