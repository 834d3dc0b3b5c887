"""Competences stated in different words: a posting asks for "stakeholder communication", a profile says
"presented quarterly results to clients". Neither a vocabulary name nor MiniLM's similarity (0.3 for that pair,
as low as unrelated lines) ties them; a small hand-written table of concepts does, and says which words did.

A text shows a concept when it names it ("stakeholder management"), or when one sentence has a word from every
facet of the concept (an action: "presented", and an audience: "clients"). The table is
`vocabulary/skill_concepts.json`. Pure.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from textkit.skills import _read, sentences

_WORD = re.compile(r"[a-z0-9][a-z0-9&/'’-]*")


def _phrases(phrases: Sequence[str]) -> re.Pattern[str] | None:
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives})(?![a-z0-9])")


@dataclass(frozen=True, slots=True)
class Facet:
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    phrases: re.Pattern[str] | None

    def find(self, words: list[str], text: str) -> str | None:
        """The first word (or phrase) of `text` in this facet, as it is written lowercased."""
        for word in words:
            if word in self.exact or word.startswith(self.prefixes):
                return word
        if self.phrases is not None:
            found = self.phrases.search(text)
            if found:
                return found.group()
        return None


@dataclass(frozen=True, slots=True)
class Concept:
    name: str
    names: re.Pattern[str] | None
    facets: tuple[Facet, ...]
    aliases: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ConceptEvidence:
    """A concept a text shows, and why: the name it used, or one word of each facet."""

    concept: str
    words: tuple[str, ...]
    sentence: str


def _facet(words: list[str]) -> Facet:
    exact = frozenset(w for w in words if not w.endswith("*") and " " not in w)
    prefixes = tuple(w[:-1] for w in words if w.endswith("*"))
    phrases = [w for w in words if " " in w and not w.endswith("*")]
    return Facet(exact, prefixes, _phrases(phrases))


@lru_cache(maxsize=1)
def load_concepts() -> tuple[Concept, ...]:
    document = json.loads(_read("skill_concepts.json"))
    return tuple(
        Concept(entry["name"], _phrases([n.casefold() for n in [entry["name"], *entry.get("names", [])]]),
                tuple(_facet(facet) for facet in entry["facets"]),
                frozenset(a.casefold() for a in entry.get("aliases", [])))
        for entry in document["concepts"]
    )


def concept_names() -> frozenset[str]:
    return frozenset(concept.name for concept in load_concepts())


def concepts_in(text: str) -> list[ConceptEvidence]:
    """Every concept `text` shows, in the table's order, each once (its first sentence that shows it)."""
    found: dict[str, ConceptEvidence] = {}
    for line in text.splitlines():
        for sentence in sentences(line):
            lowered = sentence.casefold()
            words = _WORD.findall(lowered)
            for concept in load_concepts():
                if concept.name in found:
                    continue
                evidence = _shows(concept, words, lowered)
                if evidence is not None:
                    found[concept.name] = ConceptEvidence(concept.name, evidence, sentence.strip())
    return list(found.values())


def _shows(concept: Concept, words: list[str], lowered: str) -> tuple[str, ...] | None:
    named = concept.names.search(lowered) if concept.names is not None else None
    if named:
        return (named.group(),)
    hits = []
    for facet in concept.facets:
        hit = facet.find(words, lowered)
        if hit is None:
            return None
        hits.append(hit)
    return tuple(hits)


@lru_cache(maxsize=65_536)
def concept_of(phrase: str) -> str | None:
    """The concept a short skill phrase stands for ("communicate findings to stakeholders" -> "stakeholder
    communication"), or None."""
    whole = " ".join(phrase.casefold().split()).strip(" .,;:")
    for concept in load_concepts():
        if whole in concept.aliases:
            return concept.name
    found = concepts_in(phrase)
    return found[0].concept if found else None
