"""Competences stated in other words: the concept table ties a posting's phrase to a profile's sentence."""

from __future__ import annotations

import pytest

from textkit.jsonresume import profile_evidence
from textkit.skill_concepts import concept_of, concepts_in


@pytest.mark.parametrize(("phrase", "concept"), [
    ("stakeholder communication", "stakeholder communication"),
    ("communicate findings to stakeholders", "stakeholder communication"),
    ("Leadership", "team leadership"),
    ("manage large sections of guests", "customer service"),
    ("negotiate contracts with suppliers", "negotiation"),
    ("Kafka", None),
    ("write clean code", None),
])
def test_a_skill_phrase_stands_for_its_concept(phrase: str, concept: str | None) -> None:
    assert concept_of(phrase) == concept


def test_a_sentence_shows_a_concept_with_a_word_of_every_facet_and_says_which() -> None:
    [found] = concepts_in("Presented quarterly results to clients and their finance teams.")

    assert (found.concept, found.words) == ("stakeholder communication", ("presented", "clients"))
    assert found.sentence == "Presented quarterly results to clients and their finance teams."


def test_one_facet_alone_shows_nothing() -> None:
    assert concepts_in("Presented a poster at a conference") == []
    assert concepts_in("Built a REST server for 2M users") == []  # "server" is not serving customers


def test_a_profile_shows_concepts_in_its_own_sentences() -> None:
    profile = {"basics": {"summary": "Data analyst."},
               "work": [{"name": "Acme", "highlights": ["Built dashboards in Tableau",
                                                        "Presented quarterly results to clients"]}]}

    assert profile_evidence(profile) == {"data analysis": "Data analyst.",
                                         "stakeholder communication": "Presented quarterly results to clients"}
