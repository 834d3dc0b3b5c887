"""Dedup: is a new posting a job we already know, the same role elsewhere, or new? Pure.

Each stored posting near the new one (the vector store finds them by embedding, and by company entity across
aliases) is compared piece by piece:

- **company** as an entity (`companies.py`): the same name, board token or employer domain; an alias named in
  the other's description; or another company;
- **title** in normal form (`titles.py`): the same words, one narrower (a qualifier more), or different;
- **text**: the role-specific chunks (`role_text.py`), each against the closest chunk of the other posting, so a
  reordered copy, a company paragraph moved, an EEO footer or an aggregator's 500-character cut still match;
  weighted by how much role text the shorter side has;
- **requirements**: the overlap of the skills analysis extracted;
- **places** (`places.py`): overlapping, disjoint (another city, another remote territory) or unknown;
- **salary**: the same range, a conflicting one, or unstated.

One calibrated decision combines them, in two logistic models fitted on the tuning part of `resumeflow eval
dedup` (never on its held-out part): `p_role`, that the two postings are the same role (company, title, text,
requirements), and `p_posting`, that a same role is the same posting rather than the role in another place
(places, salary). `p_duplicate = p_role * p_posting` and `p_same_role = p_role * (1 - p_posting)`; the larger,
when it is at least `DECIDE`, is the decision, else the postings are different jobs. Each piece's term in the
log-odds is its weight of evidence, so `dedup_evidence` names the piece that decided (the largest term on the
side of the decision) and lists every piece with its term.

Duplicates point at the root of their group (a neighbour's own `canonical_of` when it has one), so a chain of
re-posts stays one job with one id.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import StrEnum
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from processors.analysis.companies import (
    CompanyRelation,
    company_mentions,
    company_names,
    company_relation,
    normalize_company,
    url_name,
)
from processors.analysis.places import Place, Relation, describe, relation, resolve_all
from processors.analysis.role_text import Chunk, role_chunks, shingles, text_overlap
from processors.analysis.titles import TitleRelation, normalize_title, title_overlap, title_relation
from streams.messages import BoardSource, JobPosting, JobRequirements, Workplace

__all__ = [
    "DEFAULT_MODEL",
    "DedupCandidate",
    "DedupDecision",
    "DedupModel",
    "Neighbour",
    "PairEvidence",
    "candidate_from_posting",
    "compare",
    "decide_duplicate",
    "locations_overlap",
    "normalize_company",
    "normalize_title",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


Similarity = Annotated[float, Field(ge=-1.0, le=1.0)]
MAX_MENTIONS = 400


class PostingTraits(_Frozen):
    """What dedup compares of a posting; the vector store keeps the same for every stored posting."""

    canonical_job_id: Annotated[str, Field(min_length=1)]
    company: str = ""
    company_names: list[str] = []
    company_mentions: list[str] = []
    # Names other postings give this employer together with one of its names (`candidates.known_aliases`); only
    # a posting being decided on has them (the store finds them at that moment).
    company_aliases: list[str] = []
    title: str = ""
    title_norm: str = ""
    locations: list[str] = []
    salary_min: int | None = None
    salary_max: int | None = None
    salary_currency: str | None = None
    skills: list[str] = []
    role_words: int = 0  # words of role-specific text (0: only boilerplate, or no description)
    shingles: list[int] = []  # the role text's four-word runs, hashed (`role_text.shingles`)

    @property
    def company_norm(self) -> str:
        return normalize_company(self.company)


class DedupCandidate(PostingTraits):
    """The posting being decided on."""


class Neighbour(PostingTraits):
    """A stored posting near the candidate, with how close its text is."""

    canonical_of: str | None = None  # the root it duplicates, or None when it is a root itself
    similarity: Similarity = 0.0  # cosine of the two postings' embeddings (how the store found it)
    text_similarity: Annotated[float, Field(ge=-1.0, le=1.0)] | None = None  # chunk by chunk; None: no role text

    @property
    def root(self) -> str:
        return self.canonical_of or self.canonical_job_id


class DedupDecision(_Frozen):
    canonical_job_id: str
    duplicate_of: str | None = None
    same_role_as: list[str] = []
    evidence: list[str] = []


_COMPANY_BOARDS = frozenset({BoardSource.GREENHOUSE, BoardSource.LEVER, BoardSource.ASHBY})


def traits_of(posting: JobPosting, requirements: JobRequirements | None = None, *, role_words: int = 0,
              shingles: Sequence[int] = ()) -> DedupCandidate:
    """A posting's traits: its employer's names (company, board token, own-site URL domains) and the names its
    description mentions, its normalized title (a trailing place that is its own location dropped), locations
    (remote added when the source says so), salary, and the skills analysis extracted."""
    locations = remote_locations(posting.locations, posting.workplace)
    board = posting.board_token if posting.source in _COMPANY_BOARDS else ""  # a feed or an import names no employer
    urls = [posting.apply_url, posting.url]
    if posting.source is BoardSource.FEED:  # links on an aggregator's feed go to the aggregator
        feed = url_name(posting.board_token)
        urls = [url for url in urls if url_name(url) != feed]
    skills = sorted({skill.name.casefold() for skill in requirements.skills}) if requirements is not None else []
    return DedupCandidate(
        canonical_job_id=posting.canonical_job_id, company=posting.company,
        company_names=company_names(posting.company, board, urls),
        company_mentions=company_mentions(posting.description_text, limit=MAX_MENTIONS),
        title=posting.title, title_norm=normalize_title(posting.title, _places(tuple(locations))),
        locations=locations, salary_min=posting.salary_min, salary_max=posting.salary_max,
        salary_currency=posting.salary_currency, skills=skills, role_words=role_words, shingles=list(shingles))


def remote_locations(locations: Sequence[str], workplace: Workplace) -> list[str]:
    """The locations dedup compares: a remote posting's places are remote territories ("Remote, FL, US"), so two
    remote postings for different states do not overlap; with no place, a remote posting is remote anywhere."""
    kept = [place for place in locations if place.strip()]
    if workplace is not Workplace.REMOTE:
        return kept
    if not kept:
        return ["Remote"]
    return [place if "remote" in place.casefold() else f"Remote, {place}" for place in kept]


def traits_and_chunks(posting: JobPosting, requirements: JobRequirements | None = None, *,
                      aliases: Sequence[str] = ()) -> tuple[DedupCandidate, list[Chunk]]:
    """A posting's traits with its role text's size and word runs, and the role chunks to embed; `aliases`: the
    names the store knows for its employer besides its own (`candidates.known_aliases`)."""
    names = traits_of(posting).company_names
    chunks = role_chunks(posting.description_text, names)
    traits = traits_of(posting, requirements, role_words=sum(chunk.words for chunk in chunks),
                       shingles=shingles(chunks))
    if aliases:
        traits = traits.model_copy(update={"company_aliases": sorted(set(aliases) - set(traits.company_names))})
    return traits, chunks


def candidate_from_posting(posting: JobPosting, requirements: JobRequirements | None = None, *,
                           role_words: int = 0) -> DedupCandidate:
    return traits_of(posting, requirements, role_words=role_words)


# --- the pieces of evidence -----------------------------------------------------------------------------------


class SalaryRelation(StrEnum):
    MATCH = "match"
    CONFLICT = "conflict"
    UNKNOWN = "unknown"


class PairEvidence(_Frozen):
    """Everything compared between the candidate and one neighbour, in the model's terms and in words."""

    company: CompanyRelation
    company_words: str
    title: TitleRelation
    title_overlap: float
    title_words: str
    place: Relation
    place_words: str
    salary: SalaryRelation
    text_similarity: float | None
    text_words: int  # role words on the shorter side
    text_overlap: float | None  # share of the shorter text's word runs the other has
    skills_overlap: float | None
    skills_count: int  # skills on the side with fewer


@lru_cache(maxsize=4096)
def _places(locations: tuple[str, ...]) -> tuple[Place, ...]:
    return tuple(resolve_all(locations))


def locations_overlap(a: Sequence[str], b: Sequence[str]) -> bool:
    """Whether two postings' locations share a place (a city, a metro area containing the other's city, a
    region containing it, or overlapping remote territories)."""
    return relation(_places(tuple(a)), _places(tuple(b))) is Relation.OVERLAP


def _salary_relation(a: PostingTraits, b: PostingTraits) -> SalaryRelation:
    if None in (a.salary_min, b.salary_min) or not a.salary_currency or a.salary_currency != b.salary_currency:
        return SalaryRelation.UNKNOWN
    low_a, low_b = a.salary_min or 0, b.salary_min or 0
    high_a, high_b = a.salary_max or low_a, b.salary_max or low_b
    if low_a <= 0 or low_b <= 0:
        return SalaryRelation.UNKNOWN
    close = abs(low_a - low_b) <= 0.03 * max(low_a, low_b) and abs(high_a - high_b) <= 0.03 * max(high_a, high_b)
    return SalaryRelation.MATCH if close else SalaryRelation.CONFLICT


def compare(candidate: PostingTraits, neighbour: Neighbour) -> PairEvidence:
    company, company_words = company_relation(candidate.company_names, candidate.company_mentions,
                                              neighbour.company_names, neighbour.company_mentions,
                                              aliases_a=candidate.company_aliases)
    places_a, places_b = _places(tuple(candidate.locations)), _places(tuple(neighbour.locations))
    place = relation(places_a, places_b)
    skills_a, skills_b = set(candidate.skills), set(neighbour.skills)
    fewer = min(len(skills_a), len(skills_b))
    skills = len(skills_a & skills_b) / len(skills_a | skills_b) if fewer else None
    return PairEvidence(
        company=company, company_words=company_words,
        title=title_relation(candidate.title_norm, neighbour.title_norm),
        title_overlap=title_overlap(candidate.title_norm, neighbour.title_norm),
        title_words=f"{candidate.title_norm!r} vs {neighbour.title_norm!r}",
        place=place, place_words=f"{describe(places_a)} vs {describe(places_b)}",
        salary=_salary_relation(candidate, neighbour),
        text_similarity=neighbour.text_similarity if candidate.role_words and neighbour.role_words else None,
        text_words=min(candidate.role_words, neighbour.role_words),
        text_overlap=text_overlap(candidate.shingles, neighbour.shingles),
        skills_overlap=skills, skills_count=fewer)


# --- the model ------------------------------------------------------------------------------------------------

ROLE_FEATURES = ("company_same", "company_alias", "company_title", "title_narrower", "title_overlap", "text_known",
                 "text_similarity", "text_overlap", "skills_known", "skills_overlap")
POSTING_FEATURES = ("place_overlap", "place_disjoint", "salary_match", "salary_conflict")
TEXT_CENTRE = 0.85  # the similarity where text neither speaks for nor against
TEXT_FULL_WORDS = 60  # role words from which a text comparison counts fully


def role_features(e: PairEvidence) -> dict[str, float]:
    """The role model's inputs. Text and skills count by how much there is to compare (a 500-character cut
    weighs less than a page) and are centred, so their absence is neither for nor against."""
    text_weight = min(1.0, e.text_words / TEXT_FULL_WORDS) if e.text_similarity is not None else 0.0
    skills_weight = min(1.0, e.skills_count / 4) if e.skills_overlap is not None else 0.0
    return {
        "company_same": float(e.company is CompanyRelation.SAME),
        "company_alias": float(e.company is CompanyRelation.ALIAS),
        # One title at one employer. A title alone is no evidence across employers ("Data Scientist" is
        # everywhere), so the same title counts only together with the same company entity.
        "company_title": float(e.company is not CompanyRelation.DIFFERENT and e.title is TitleRelation.SAME),
        "title_narrower": float(e.title is TitleRelation.NARROWER),
        "title_overlap": e.title_overlap,
        "text_known": text_weight,
        "text_similarity": text_weight * ((e.text_similarity or 0.0) - TEXT_CENTRE) * 10,
        "text_overlap": text_weight * ((e.text_overlap or 0.0) - 0.5) * 2 if e.text_overlap is not None else 0.0,
        "skills_known": skills_weight,
        "skills_overlap": skills_weight * ((e.skills_overlap or 0.0) - 0.5) * 2,
    }


def posting_features(e: PairEvidence) -> dict[str, float]:
    return {
        "place_overlap": float(e.place is Relation.OVERLAP),
        "place_disjoint": float(e.place is Relation.DISJOINT),
        "salary_match": float(e.salary is SalaryRelation.MATCH),
        "salary_conflict": float(e.salary is SalaryRelation.CONFLICT),
    }


class DedupModel(_Frozen):
    """Weights of the two logistic models (`role_*` over `ROLE_FEATURES`, `posting_*` over `POSTING_FEATURES`)
    and the probability a decision needs."""

    role_bias: float
    role_weights: dict[str, float]
    posting_bias: float
    posting_weights: dict[str, float]
    decide: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.5


# Fitted by `resumeflow eval dedup --fit` on the tuning part only (seed 0, L2 1.0, the set of commit 532dac2); see
# README, "analysis". The negative company terms are the share `company_title` took over: the same employer counts
# with the same title. A refit on the later set (Ashby copies, the title query) scored worse on its own tuning part
# by the pair measures, so these stay.
DEFAULT_MODEL = DedupModel(
    role_bias=-6.63,
    role_weights={"company_same": -1.16, "company_alias": -0.72, "company_title": 5.78, "title_narrower": -1.27,
                  "title_overlap": 5.56, "text_known": 0.63, "text_similarity": 0.75, "text_overlap": 0.89,
                  "skills_known": -1.7, "skills_overlap": 1.03},
    posting_bias=-0.61,
    posting_weights={"place_overlap": 3.87, "place_disjoint": -2.75, "salary_match": 0.83, "salary_conflict": -3.59},
)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, x))))


class Scored(_Frozen):
    neighbour: Neighbour
    evidence: PairEvidence
    role_terms: dict[str, float]
    posting_terms: dict[str, float]
    p_role: float
    p_posting: float

    @property
    def p_duplicate(self) -> float:
        return self.p_role * self.p_posting

    @property
    def p_same_role(self) -> float:
        return self.p_role * (1.0 - self.p_posting)


def score_pair(candidate: PostingTraits, neighbour: Neighbour, model: DedupModel = DEFAULT_MODEL) -> Scored:
    evidence = compare(candidate, neighbour)
    role = role_features(evidence)
    posting = posting_features(evidence)
    role_terms = {name: model.role_weights.get(name, 0.0) * value for name, value in role.items()}
    posting_terms = {name: model.posting_weights.get(name, 0.0) * value for name, value in posting.items()}
    return Scored(neighbour=neighbour, evidence=evidence, role_terms=role_terms, posting_terms=posting_terms,
                  p_role=_sigmoid(model.role_bias + sum(role_terms.values())),
                  p_posting=_sigmoid(model.posting_bias + sum(posting_terms.values())))


def decide_duplicate(
    candidate: PostingTraits,
    neighbours: Sequence[Neighbour],
    model: DedupModel = DEFAULT_MODEL,
) -> DedupDecision:
    """Whether `candidate` duplicates one of `neighbours` (existing, earlier postings), and which of them are the
    same role in other places. `evidence` says why, in words a person reviewing a merge can check."""
    duplicate: Scored | None = None
    same_role: list[Scored] = []
    near_misses: list[Scored] = []
    seen: set[str] = set()
    for neighbour in neighbours:
        if candidate.canonical_job_id in (neighbour.canonical_job_id, neighbour.root):
            continue  # the candidate itself (a re-fetch), or a posting already merged into it
        if neighbour.canonical_job_id in seen:
            continue
        seen.add(neighbour.canonical_job_id)
        scored = score_pair(candidate, neighbour, model)
        if scored.p_duplicate >= model.decide and scored.p_duplicate >= scored.p_same_role:
            if duplicate is None or _rank(scored) > _rank(duplicate):
                duplicate = scored
        elif scored.p_same_role >= model.decide:
            same_role.append(scored)
        else:
            near_misses.append(scored)

    evidence: list[str] = []
    if duplicate is not None:
        evidence.append(f"duplicate of {duplicate.neighbour.root} (via {duplicate.neighbour.canonical_job_id}): "
                        f"{_explain(duplicate, 'duplicate', model)}")
    roots: list[str] = []
    for scored in sorted(same_role, key=lambda s: (-s.p_same_role, s.neighbour.canonical_job_id)):
        root = scored.neighbour.root
        if root in roots or (duplicate is not None and root == duplicate.neighbour.root):
            continue
        roots.append(root)
        evidence.append(f"same role as {root} elsewhere: {_explain(scored, 'same_role', model)}")
    if duplicate is None and not roots:
        closest = sorted(near_misses, key=lambda s: (-s.p_role, s.neighbour.canonical_job_id))[:3]
        evidence.extend(f"not {s.neighbour.canonical_job_id}: {_explain(s, 'different', model)}" for s in closest)
    return DedupDecision(canonical_job_id=candidate.canonical_job_id,
                         duplicate_of=duplicate.neighbour.root if duplicate else None, same_role_as=roots,
                         evidence=evidence)


def _rank(scored: Scored) -> tuple[float, float]:
    return scored.p_duplicate, scored.neighbour.text_similarity or scored.neighbour.similarity


# --- evidence in words ----------------------------------------------------------------------------------------


def _piece_words(name: str, e: PairEvidence, n: Neighbour) -> str:
    match name:
        case "company_same" | "company_alias":
            return e.company_words
        case "company_title" | "title_narrower" | "title_overlap":
            return f"title {e.title.value} {e.title_words}"
        case "text_known" | "text_similarity" | "text_overlap":
            if e.text_similarity is None:
                return "no role text to compare"
            overlap = f", {e.text_overlap:.2f} of word runs shared" if e.text_overlap is not None else ""
            return f"text {e.text_similarity:.3f} chunk by chunk over {e.text_words} role words{overlap}"
        case "skills_known" | "skills_overlap":
            return (f"skills overlap {e.skills_overlap:.2f} of {e.skills_count}+"
                    if e.skills_overlap is not None else "no skills to compare")
        case "place_overlap" | "place_disjoint":
            return f"places {e.place.value} ({e.place_words})"
        case "salary_match" | "salary_conflict":
            return f"salary {e.salary.value}"
    return name


def _grouped(scored: Scored, *, posting: bool) -> dict[str, float]:
    """Terms summed per piece of evidence (company, title, text, skills; places, salary)."""
    terms = scored.posting_terms if posting else scored.role_terms
    pieces: dict[str, float] = {}
    for name, value in terms.items():
        pieces[_piece(name)] = pieces.get(_piece(name), 0.0) + value
    return pieces


def _piece(feature: str) -> str:
    """The piece of evidence a feature belongs to: "company_title" is the title's (the same title counts only at
    the same employer), every other is named by its prefix."""
    return "title" if feature == "company_title" else feature.split("_", 1)[0]


_EXAMPLE_FEATURE = {"company": "company_same", "title": "title_overlap", "text": "text_similarity",
                    "skills": "skills_overlap", "place": "place_overlap", "salary": "salary_match"}


_IDEAL = PairEvidence(company=CompanyRelation.SAME, company_words="", title=TitleRelation.SAME, title_overlap=1.0,
                      title_words="", place=Relation.OVERLAP, place_words="", salary=SalaryRelation.MATCH,
                      text_similarity=1.0, text_words=TEXT_FULL_WORDS, text_overlap=1.0, skills_overlap=1.0,
                      skills_count=4)


def _shortfalls(scored: Scored, model: DedupModel, *, posting: bool) -> dict[str, float]:
    """How far each piece fell short of what a certain duplicate shows (its term for `_IDEAL` minus its own)."""
    ideal = score_pair_terms(_IDEAL, model)
    actual = _grouped(scored, posting=posting)
    ideal_pieces: dict[str, float] = {}
    for name, value in (ideal[1] if posting else ideal[0]).items():
        ideal_pieces[_piece(name)] = ideal_pieces.get(_piece(name), 0.0) + value
    return {piece: ideal_pieces.get(piece, 0.0) - value for piece, value in actual.items()}


def score_pair_terms(evidence: PairEvidence, model: DedupModel) -> tuple[dict[str, float], dict[str, float]]:
    role = {name: model.role_weights.get(name, 0.0) * value for name, value in role_features(evidence).items()}
    posting = {name: model.posting_weights.get(name, 0.0) * value
               for name, value in posting_features(evidence).items()}
    return role, posting


def _explain(scored: Scored, outcome: str, model: DedupModel) -> str:
    """"p_duplicate 0.97, decided by text (+3.1: ...); company ... (+5.0); title ... (+6.0); ...". The deciding
    piece is, for a duplicate, the largest term for it; for the same role elsewhere, the place or salary piece
    that fell furthest short of a duplicate's; for a different job, the role piece (or, when the role matched,
    any piece) that fell furthest short."""
    role, posting = _grouped(scored, posting=False), _grouped(scored, posting=True)
    everything = {**role, **posting}
    if outcome == "duplicate":
        deciding = max(everything, key=lambda piece: everything[piece])
        headline = f"p_duplicate {scored.p_duplicate:.2f}"
    elif outcome == "same_role":
        short = _shortfalls(scored, model, posting=True)
        deciding = max(short, key=lambda piece: short[piece])
        headline = f"p_same_role {scored.p_same_role:.2f}"
    else:
        short = _shortfalls(scored, model, posting=False)
        if scored.p_role >= 0.5:
            short |= _shortfalls(scored, model, posting=True)
        deciding = max(short, key=lambda piece: short[piece])
        headline = f"p_role {scored.p_role:.2f}, p_duplicate {scored.p_duplicate:.2f}"
    n, e = scored.neighbour, scored.evidence
    parts = [f"{_piece_words(_EXAMPLE_FEATURE[piece], e, n)} ({value:+.1f})" for piece, value in everything.items()]
    return (f"{headline}, decided by {deciding} ({everything[deciding]:+.1f}: "
            f"{_piece_words(_EXAMPLE_FEATURE[deciding], e, n)}); " + "; ".join(parts))
