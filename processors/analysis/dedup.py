"""Semantic dedup of postings: is a new posting a job we already know, the same role elsewhere, or new? Pure.

The embedding says two texts are close; it cannot tell a re-post from the same role opened in another city (the
text is the same but for the place), nor two similar roles at one company from one role. So a posting is a
duplicate only when the embedding AND the structured fields agree:

- duplicate (one canonical job; `duplicate_of` = the earlier canonical id): similarity >= `duplicate`, the same
  company and title after normalization, and locations that overlap (or either side is remote or unstated);
- same role elsewhere (a different job; listed in `same_role_as`): similarity >= `same_role`, the same company
  and title, but locations that do not overlap;
- anything else is a new job.

Duplicates point at the root of their group (a neighbour's own `canonical_of` when it has one), so a chain of
re-posts stays one job with one id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from processors.analysis.embedding_text import dedup_locations
from streams.messages import JobPosting


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Similarity = Annotated[float, Field(ge=-1.0, le=1.0)]


class DedupThresholds(_Frozen):
    """Cosine similarities of MiniLM embeddings of `embedding_text`, from `resumeflow eval dedup` (Glassdoor
    postings with synthetic edited copies and other-city copies; tuned on one half, scored on the other).

    `duplicate`: tuning chose 0.81-0.91 over seeds 0-2 (held-out pair F1 0.985-0.996). The default sits just
    above the only real pairs in the data with the same company, title and place that are NOT one job (a contract
    role and its remote variant, at 0.880 and 0.893), where ~97% of edited copies still score higher.
    `same_role`: tuning chose 0.80-0.88, every choice with held-out link precision 1.0; other-city copies score
    >= 0.92. A wrong same-role link only groups a listing, so the middle of the range is used."""

    duplicate: Similarity = 0.90
    same_role: Similarity = 0.85


DEFAULT_THRESHOLDS = DedupThresholds()


class DedupCandidate(_Frozen):
    """The posting being decided on (its embedding has already been compared; only the fields are needed)."""

    canonical_job_id: Annotated[str, Field(min_length=1)]
    company: str
    title: str
    locations: list[str] = []

    @property
    def company_norm(self) -> str:
        return normalize_company(self.company)

    @property
    def title_norm(self) -> str:
        return normalize_title(self.title)


class Neighbour(_Frozen):
    """An existing posting near the candidate, as the vector store returns it."""

    canonical_job_id: Annotated[str, Field(min_length=1)]
    canonical_of: str | None = None  # the root it duplicates, or None when it is a root itself
    company_norm: str
    title_norm: str
    locations: list[str] = []
    similarity: Similarity

    @property
    def root(self) -> str:
        return self.canonical_of or self.canonical_job_id

    @classmethod
    def from_row(cls, row: object) -> Neighbour:
        """From anything with a Neighbour's attributes (the vector store's `NearestRow`)."""
        return cls.model_validate(row, from_attributes=True)


class DedupDecision(_Frozen):
    canonical_job_id: str
    duplicate_of: str | None = None
    same_role_as: list[str] = []
    evidence: list[str] = []


def candidate_from_posting(posting: JobPosting) -> DedupCandidate:
    return DedupCandidate(canonical_job_id=posting.canonical_job_id, company=posting.company, title=posting.title,
                          locations=dedup_locations(posting.locations, posting.workplace))


def decide_duplicate(
    candidate: DedupCandidate,
    neighbours: Sequence[Neighbour],
    thresholds: DedupThresholds = DEFAULT_THRESHOLDS,
) -> DedupDecision:
    """Whether `candidate` duplicates one of `neighbours` (existing, earlier postings), and which of them are the
    same role in other places. `evidence` says why, in words a person reviewing a merge can check."""
    company, title = candidate.company_norm, candidate.title_norm
    duplicate: Neighbour | None = None
    same_role: list[Neighbour] = []
    near_misses: list[str] = []
    for neighbour in sorted(neighbours, key=lambda n: -n.similarity):  # stable: ties keep the store's order
        if candidate.canonical_job_id in (neighbour.canonical_job_id, neighbour.root):
            continue  # the candidate itself (a re-fetch), or a posting already merged into it
        if neighbour.similarity < min(thresholds.duplicate, thresholds.same_role):
            break
        if not company or company != neighbour.company_norm:
            near_misses.append(f"not {neighbour.canonical_job_id}: similarity {neighbour.similarity:.3f} but "
                               f"company {company!r} vs {neighbour.company_norm!r}")
            continue
        if title != neighbour.title_norm:
            near_misses.append(f"not {neighbour.canonical_job_id}: similarity {neighbour.similarity:.3f} but "
                               f"title {title!r} vs {neighbour.title_norm!r}")
            continue
        if locations_overlap(candidate.locations, neighbour.locations):
            if duplicate is None and neighbour.similarity >= thresholds.duplicate:
                duplicate = neighbour
        elif neighbour.similarity >= thresholds.same_role:
            same_role.append(neighbour)

    evidence: list[str] = []
    if duplicate is not None:
        evidence.append(
            f"duplicate of {duplicate.root} (via {duplicate.canonical_job_id}): similarity "
            f"{duplicate.similarity:.3f} >= {thresholds.duplicate}, same company {company!r}, same title {title!r}, "
            f"locations overlap ({_places(candidate.locations)} ~ {_places(duplicate.locations)})")
    roots: list[str] = []
    for neighbour in same_role:
        if neighbour.root in roots or (duplicate is not None and neighbour.root == duplicate.root):
            continue
        roots.append(neighbour.root)
        evidence.append(
            f"same role as {neighbour.root} elsewhere: similarity {neighbour.similarity:.3f}, same company and "
            f"title, locations {_places(candidate.locations)} vs {_places(neighbour.locations)}")
    if duplicate is None and not roots:
        evidence.extend(near_misses[:3])
    return DedupDecision(canonical_job_id=candidate.canonical_job_id,
                         duplicate_of=duplicate.root if duplicate else None, same_role_as=roots, evidence=evidence)


# --- normalization --------------------------------------------------------------------------------------------

_RATING = re.compile(r"\s*\n\s*\d(?:\.\d)?\s*$")  # Glassdoor's "Acme\n3.8" (file_import strips it too)
_DROPPED = re.compile(r"[.'’`]")  # "Inc." = "Inc", "L.L.C." = "LLC", "Macy's" = "Macys"
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|\([^)]*$")  # "(Remote)", "[Contract]", a cut-off "(Bay"
_WORDS = re.compile(r"[^\W_]+")
_COMPANY_SUFFIXES = frozenset({
    "inc", "incorporated", "llc", "ltd", "limited", "corp", "corporation", "co", "company", "plc", "gmbh", "lp",
    "llp", "pllc", "sa", "ag", "bv", "nv", "pty", "srl", "sas", "oy", "ab",
})
_TITLE_WORDS = {"sr": "senior", "snr": "senior", "jr": "junior", "mgr": "manager", "engr": "engineer"}
_BROAD_PLACES = frozenset({
    "remote", "anywhere", "worldwide", "global", "work from home", "united states", "us", "usa", "united kingdom",
    "uk", "canada", "europe", "emea", "americas", "north america",
})
_CITY_ALIASES = {"nyc": "new york", "new york city": "new york", "sf": "san francisco", "la": "los angeles"}


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _WORDS.findall(_DROPPED.sub("", text.replace("&", " and ")))


def normalize_company(name: str) -> str:
    """"Acme, Inc." = "ACME Inc" = "acme" = "Acme LLC\\n3.8"; a leading "The" goes too. A name made only of a
    suffix ("Company") is kept as it is rather than emptied."""
    words = _words(_RATING.sub("", name))
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    while len(words) > 1 and words[-1] in _COMPANY_SUFFIXES:
        words = words[:-1]
    return " ".join(words)


def normalize_title(title: str) -> str:
    """Case, punctuation and bracketed qualifiers ("(Remote)", "(NYC)") ignored; "Sr." = "Senior"."""
    return " ".join(_TITLE_WORDS.get(word, word) for word in _words(_BRACKETED.sub(" ", title)))


def _place(location: str) -> tuple[str, str | None] | None:
    """(city, region) of "City, Region[, Country]", or None for a place that covers everywhere."""
    words = " ".join(_words(location))
    if not words or words in _BROAD_PLACES or "remote" in words.split() or "anywhere" in words.split():
        return None
    parts = [" ".join(_words(part)) for part in location.split(",")]
    parts = [part for part in parts if part]
    city = _CITY_ALIASES.get(parts[0], parts[0])
    return city, parts[1] if len(parts) > 1 else None


def _same_place(a: tuple[str, str | None], b: tuple[str, str | None]) -> bool:
    if a[0] != b[0]:
        return False
    if a[1] is None or b[1] is None:
        return True
    # "Portland, OR" is not "Portland, ME"; "Portland, OR" vs "Portland, Oregon" cannot be told apart without a
    # table of regions, so a code and a name never conflict.
    return a[1] == b[1] or (len(a[1]) <= 3) != (len(b[1]) <= 3)


def locations_overlap(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two postings can be in the same place: a shared city, or either side remote, broad or unstated."""
    places_a, places_b = [_place(x) for x in a if x.strip()], [_place(x) for x in b if x.strip()]
    if not places_a or not places_b or None in places_a or None in places_b:
        return True
    return any(_same_place(x, y) for x in places_a if x for y in places_b if y)


def _places(locations: Sequence[str]) -> str:
    return "; ".join(locations) or "unstated"
