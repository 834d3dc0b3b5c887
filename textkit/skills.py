"""Skill names in text: a token trie over a vocabulary of tech terms and ESCO skill labels, and the tokenizer and
sentence splitter every text-reading part of the pipeline shares.

The text and every vocabulary form are split into the same lowercase tokens; the trie finds the longest
vocabulary phrase at each position, left to right. Pure; the vocabulary ships in `vocabulary/` (ESCO v1.1.0
labels, European Commission, CC BY 4.0 — see `vocabulary/ESCO_ATTRIBUTION.md` — and a hand-written tech list).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Literal

SkillKind = Literal["skill", "knowledge"]

# --- tokens ---------------------------------------------------------------------------------------------------

# Words, with the suffixes that make a different name ("C++", "C#") and ".NET" as one token. Everything else is
# a separator; the separator decides whether a phrase may continue across it (see `_SOFT_GAP`).
_TOKEN = re.compile(r"(?<![A-Za-z0-9])\.net\b|[A-Za-z0-9]+(?:\+\+|#(?![A-Za-z0-9]))?", re.IGNORECASE)
# A phrase continues across spaces and the punctuation inside names ("node.js", "CI/CD", "scikit-learn"), but not
# across commas, colons, brackets or sentence ends ("Python, Java" is two terms; "Python. Data" is not one).
_SOFT_GAP = re.compile(r"\s*|[-/.'’_]|\s*[/&]\s*|\s+-\s+")


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    key: str  # lowercased
    start: int
    end: int
    joined: bool  # whether a phrase may continue from the token before this one to this one


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    previous_end: int | None = None
    for match in _TOKEN.finditer(text):
        start = match.start()
        # A single space (most gaps) always joins; anything else asks the pattern.
        joined = previous_end is not None and (
            (start == previous_end + 1 and text[previous_end] == " ")
            or _SOFT_GAP.fullmatch(text, previous_end, start) is not None)
        word = match.group()
        tokens.append(Token(word, word.lower(), start, match.end(), joined))
        previous_end = match.end()
    return tokens


# --- vocabulary -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Term:
    """One vocabulary form: the canonical `name` it stands for and how it may match."""

    name: str
    source: Literal["tech", "esco"]
    kind: SkillKind  # SkillSpan's split: a competence ("manage staff") or a body of knowledge/tool ("Kafka")
    exact: tuple[str, ...] | None = None  # the tokens in their required case, or None for any case
    in_context: bool = False  # only on a line that names another tech term (or a cue such as "programming")



_CONTEXT_CUES = frozenset(
    {"programming", "language", "languages", "coding", "scripting", "stack", "framework", "frameworks", "libraries",
     "developer", "engineer", "engineering", "models", "code"}
)


@dataclass(frozen=True, slots=True)
class Vocabulary:
    terms: tuple[tuple[tuple[str, ...], Term], ...]  # (token keys, term)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(term.name for _, term in self.terms)


def _read(name: str) -> str:
    return (resources.files("textkit") / "vocabulary" / name).read_text(encoding="utf-8")


def _lines(text: str) -> Iterator[str]:
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            yield line


def _keys(form: str) -> tuple[str, ...]:
    return tuple(token.key for token in tokenize(form))


def _tech_terms(document: dict[str, object]) -> Iterator[tuple[tuple[str, ...], Term]]:
    skills = document["skills"]
    assert isinstance(skills, list)
    for entry in skills:
        name: str = entry["name"]
        exact: list[str] = entry.get("exact", [])
        in_context: list[str] = entry.get("in_context", [])
        loose: list[str] = entry.get("match", [])
        if name not in exact and name not in in_context:
            loose = [name, *loose]
        for form in loose:
            yield _keys(form), Term(name, "tech", "knowledge")
        for form in exact:
            yield _keys(form), Term(name, "tech", "knowledge", exact=tuple(t.text for t in tokenize(form)))
        for form in in_context:
            yield _keys(form), Term(name, "tech", "knowledge", exact=tuple(t.text for t in tokenize(form)),
                                    in_context=True)


_QUALIFIER = re.compile(r"\s*\([^)]*\)")
_MAX_ESCO_TOKENS = 5


def _esco_terms(
    labels: Iterable[str], excluded: frozenset[str], skill_verbs: frozenset[str]
) -> Iterator[tuple[tuple[str, ...], Term]]:
    """ESCO writes a skill or competence as an imperative ("manage staff") and knowledge as a noun phrase
    ("sport and exercise medicine"): the label's first word tells the kinds apart well enough."""
    for label in labels:
        if label.casefold() in excluded:
            continue
        form = _QUALIFIER.sub("", label).strip()  # "Puppet (tools for software configuration management)"
        tokens = tokenize(form)
        if not tokens or len(tokens) > _MAX_ESCO_TOKENS:
            continue
        first = tokens[0].key
        kind: SkillKind = "skill" if first in skill_verbs else "knowledge"
        qualified = form != label
        # Names and acronyms ("Haskell", "LDAP", "ICT project management") match in their own case only.
        exact = tuple(t.text for t in tokens) if qualified or any(c.isupper() for c in form) else None
        yield tuple(t.key for t in tokens), Term(label, "esco", kind, exact=exact, in_context=qualified)


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """The shipped vocabulary, tech terms first (they win over an ESCO label with the same words)."""
    tech = list(_tech_terms(json.loads(_read("tech_skills.json"))))
    excluded = frozenset(line.casefold() for line in _lines(_read("esco_excluded.txt")))
    skill_verbs = frozenset(_lines(_read("esco_skill_verbs.txt")))
    esco = list(_esco_terms(_lines(_read("esco_skills_en.txt")), excluded, skill_verbs))
    return Vocabulary(tuple(item for item in [*tech, *esco] if item[0]))


# --- matcher --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SkillMatch:
    """A vocabulary term found in a text: `text[start:end]` is `surface`; tokens `first_token` to `end_token`."""

    term: Term
    surface: str
    start: int
    end: int
    first_token: int
    end_token: int


class SkillMatcher:
    """Longest-match-first phrase matching over a token trie, built once per vocabulary."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self._root = _Node()
        for keys, term in vocabulary.terms:
            node = self._root
            for key in keys:
                node = node.children.setdefault(key, _Node())
            if term not in node.terms:
                node.terms.append(term)

    def find(self, text: str) -> list[SkillMatch]:
        """Every vocabulary term in `text`, left to right, none overlapping. Call it per line or sentence: the
        `in_context` terms are kept only when the same text names another tech term or a context cue."""
        tokens = tokenize(text)
        found: list[SkillMatch] = []
        index = 0
        while index < len(tokens):
            best: tuple[int, Term] | None = None
            node = self._root
            end = index
            while end < len(tokens) and (end == index or tokens[end].joined):
                child = node.children.get(tokens[end].key)
                if child is None:
                    break
                node = child
                end += 1
                term = _first_accepting(node.terms, tokens[index:end])
                if term is not None:
                    best = (end, term)
            if best is None:
                index += 1
                continue
            end, term = best
            start_char, end_char = tokens[index].start, tokens[end - 1].end
            found.append(SkillMatch(term, text[start_char:end_char], start_char, end_char, index, end))
            index = end
        return _resolve_context(found, tokens)


def _first_accepting(terms: Sequence[Term], tokens: Sequence[Token]) -> Term | None:
    for term in terms:
        if term.exact is None or term.exact == tuple(token.text for token in tokens):
            return term
    return None


def _resolve_context(found: list[SkillMatch], tokens: Sequence[Token]) -> list[SkillMatch]:
    if all(not match.term.in_context for match in found):
        return found
    has_context = any(match.term.source == "tech" and not match.term.in_context for match in found) or any(
        token.key in _CONTEXT_CUES for token in tokens
    )
    return [match for match in found if has_context or not match.term.in_context]


@lru_cache(maxsize=1)
def default_matcher() -> SkillMatcher:
    """The matcher over the shipped vocabulary, built on first use (~0.2 s) and shared."""
    return SkillMatcher(load_vocabulary())


# --- sentences ------------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9(\"'])")


def sentences(text: str) -> list[str]:
    return [part for part in _SENTENCE_END.split(text) if part]

