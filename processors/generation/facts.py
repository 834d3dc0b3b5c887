"""The facts a text states, found the same way for profile text, generated lines and job keywords.

- skill terms: the analysis vocabulary's canonical names (`SkillMatcher`), so "Postgres" and "PostgreSQL" agree;
- numbers: digit runs ("1,200" is 1200, "80%" is 80) and small number words ("four" is 4);
- proper nouns: capitalized words (employers, titles, degrees, places), except a sentence's first word when it
  is an ordinary word (see `proper_nouns`);
- stems: lowercase tokens with common English suffixes cut, for plain keyword search.

Also the JSON pointer (RFC 6901) resolution used to read what a provenance path cites.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from textkit.skills import SkillMatcher, default_matcher, sentences, tokenize

_MISSING = object()


# --- pointers -------------------------------------------------------------------------------------------------


def resolve(document: Any, pointer: str) -> Any:
    """The value at `pointer` in `document`, or `MISSING` (compare with `is_missing`)."""
    if pointer == "":
        return document
    if not pointer.startswith("/"):
        return _MISSING
    node = document
    for raw in pointer[1:].split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _MISSING
    return node


def is_missing(value: Any) -> bool:
    return value is _MISSING


def leaves(node: Any, pointer: str = "") -> Iterator[tuple[str, str]]:
    """`(pointer, text)` for every string or number under `node`, in document order."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from leaves(value, f"{pointer}/{index}")
    elif isinstance(node, str | int | float) and not isinstance(node, bool):
        yield pointer, str(node)


def text_at(document: Any, pointer: str) -> str | None:
    """The text a pointer cites: the string itself, or all strings under an object or array (None if absent)."""
    value = resolve(document, pointer)
    if is_missing(value) or value is None:
        return None
    return "\n".join(text for _, text in leaves(value))


def profile_text(profile: dict[str, Any]) -> str:
    """The whole profile as text, one string field a line: what an ATS sees of an untailored resume."""
    return "\n".join(text for path, text in leaves(profile) if not path.endswith(("/url", "/image")))


# --- skills ---------------------------------------------------------------------------------------------------


def skill_terms(text: str, matcher: SkillMatcher | None = None) -> set[str]:
    """Canonical skill names (casefolded) in `text`, read per line and sentence as the matcher expects."""
    matcher = matcher or default_matcher()
    found: set[str] = set()
    for line in text.splitlines():
        for sentence in sentences(line) or [line]:
            found.update(match.term.name.casefold() for match in matcher.find(sentence))
    return found


def skill_spans(text: str, matcher: SkillMatcher | None = None) -> list[tuple[int, int, str]]:
    """`(start, end, canonical name casefolded)` of each skill term in one line of text."""
    matcher = matcher or default_matcher()
    return [(m.start, m.end, m.term.name.casefold()) for m in matcher.find(text)]


# --- numbers --------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*")
_NUMBER_WORDS = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
    "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15", "twenty": "20", "hundred": "100",
    "thousand": "1000", "million": "1000000", "billion": "1000000000", "dozen": "12", "half": "0.5",
    "twice": "2", "double": "2", "triple": "3", "tenfold": "10",
}  # fmt: skip
_WORD = re.compile(r"[A-Za-z]+")


def numbers(text: str) -> set[str]:
    """Every number `text` states, normalized: "1,200" → "1200", "2021-03" → {"2021", "03"}, "four" → "4"."""
    found = {match.group().replace(",", "") for match in _NUMBER.finditer(text)}
    found |= {_NUMBER_WORDS[w.lower()] for w in _WORD.findall(text) if w.lower() in _NUMBER_WORDS}
    return found


# --- proper nouns ---------------------------------------------------------------------------------------------

_CAPITALIZED = re.compile(r"(?<![\w'’])[A-Z][\w&'’+#.-]*[\w+#]|(?<![\w'’])[A-Z](?![\w'’])")
_SENTENCE_START = re.compile(r"(?:^|[.!?;:•\n]\s+|^\s*[-*]\s+)$")
# A capitalized first word that is an ordinary word: a past-tense or -ing verb ("Reduced", "Leading"), or one of
# the short verbs and words résumés and letters start with. A first word not ordinary ("Staff Engineer ...",
# "Google ...") is checked like any other capitalized word.
_ORDINARY_STARTS = frozenset(
    {
        "summary", "experience", "projects", "skills", "education", "contact", "present",  # template headings
        "a", "an", "and", "as", "at", "best", "by", "cut", "dear", "for", "from", "grew", "hello", "hi", "i", "in",
        "into", "kind", "led", "made", "my", "on", "our", "over", "ran", "regards", "set", "since", "sincerely",
        "thank", "the", "this", "three", "to", "took", "two", "under", "we", "while", "with", "won", "wrote",
    }
)


def proper_nouns(text: str, *, skip: Sequence[tuple[int, int]] = ()) -> list[str]:
    """Capitalized words that name something (an employer, a title, a degree, a place), outside `skip` spans
    (the skill terms, judged by their own rule)."""
    found: list[str] = []
    for match in _CAPITALIZED.finditer(text):
        if any(start <= match.start() < end for start, end in skip):
            continue
        word = match.group().rstrip(".")
        if word == "I":
            continue
        at_start = _SENTENCE_START.search(text[: match.start()]) is not None
        if at_start and _ordinary(word):
            continue
        found.append(word)
    return found


def _ordinary(word: str) -> bool:
    lower = word.lower()
    if word[1:] != lower[1:]:  # "AWS", "McGill": a name, wherever it stands
        return False
    return lower in _ORDINARY_STARTS or (len(lower) > 4 and lower.endswith(("ed", "ing")))


def word_set(text: str) -> set[str]:
    """The casefolded words of `text`, for "does the cited text contain this word"."""
    return {token.key for token in tokenize(text)}


# --- stems ----------------------------------------------------------------------------------------------------


def stem(word: str) -> str:
    """A crude suffix cut so "APIs"/"API", "testing"/"tests"/"test", "managed"/"manage" meet."""
    word = word.lower()
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word.rstrip("e") if len(word) > 3 else word


def stems(text: str) -> list[str]:
    return [stem(token.key) for token in tokenize(text)]


def contains_phrase(haystack: list[str], phrase: str) -> bool:
    """Whether the stemmed tokens of `phrase` occur contiguously in `haystack` (already stemmed)."""
    needle = stems(phrase)
    if not needle:
        return False
    width = len(needle)
    return any(haystack[i : i + width] == needle for i in range(len(haystack) - width + 1))
