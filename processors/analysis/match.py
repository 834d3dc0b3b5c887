"""A user's fit with an analyzed posting, in the user's cell. Pure: the embeddings and the fuzzy skill matches are
computed by the ports and handed in.

The score is a weighted blend a user can follow: the share of the posting's skills the profile shows, how close
profile and posting read (embedding cosine), and whether the years of experience suffice.

A skill counts as shown when the profile names it (or one of its keywords), when the profile's words show the same
competence (`textkit/skill_concepts`: a posting's "stakeholder communication" and a bullet "presented quarterly
results to clients"; the bullet is quoted in the reasons as the evidence), or when the embeddings find a profile
term close enough (`fuzzy_matches`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from streams.ids import derived_id
from streams.messages import (
    AnalysisUser,
    DecidedMatch,
    JobAnalysis,
    JobAnalyzed,
    MatchDecision,
    RequiredSkill,
    UserProfile,
)
from textkit.jsonresume import profile_evidence, profile_terms, years_of_experience
from textkit.skill_concepts import concept_names, concept_of
from textkit.skills import load_vocabulary

SKILLS_WEIGHT, SIMILARITY_WEIGHT, EXPERIENCE_WEIGHT = 0.5, 0.35, 0.15
PREFERRED_WEIGHT = 0.5  # a "nice to have" counts half
# A skill the span model found that is neither a vocabulary name nor a concept ("write clean, testable code") is
# the posting's own phrase: profiles rarely state it word for word, so it counts a quarter, as generation's
# text-only terms do, and a posting's many phrases do not drown its named skills. (An LLM's names count fully.)
PHRASE_WEIGHT = 0.25
PROCEED_AT = 0.45
# MiniLM cosine between a whole resume and a posting lands roughly in 0.1..0.7; map that span to 0..1.
SIMILARITY_FLOOR, SIMILARITY_SPAN = 0.15, 0.5


def profile_text(profile: dict[str, Any]) -> str:
    """The text embedded for a profile: label, summary, positions and highlights, skills."""
    basics = profile.get("basics") or {}
    parts = [basics.get("label") or "", basics.get("summary") or ""]
    for job in profile.get("work") or []:
        parts.append(f"{job.get('position') or ''} at {job.get('name') or ''}")
        parts += job.get("highlights") or []
    for skill in profile.get("skills") or []:
        parts.append(", ".join([skill.get("name") or "", *(skill.get("keywords") or [])]))
    return "\n".join(p for p in parts if p.strip())


def on_profile(cell: AnalysisUser | None, profile: UserProfile, embedding: list[float], *, today: date
               ) -> AnalysisUser | None:
    """The user's state after a new profile version (None when it is an older or replayed version); what the
    cell remembers about postings (pending, decided, going ahead) is kept."""
    if cell is not None and profile.profile_version <= cell.profile_version:
        return None
    document: dict[str, Any] = json.loads(profile.profile_json)
    kept = cell or AnalysisUser(user_id=profile.user_id)
    return kept.model_copy(update={
        "profile_version": profile.profile_version, "terms": sorted(profile_terms(document)),
        "evidence": profile_evidence(document),
        "years_of_experience": years_of_experience(document, today=today), "embedding": embedding,
    })


def named_in_profile(skill: RequiredSkill, terms: set[str]) -> bool:
    """Whether the profile states the skill by its name or one of its keywords (case-insensitively)."""
    return bool({skill.name.casefold(), *(k.casefold() for k in skill.keywords)} & terms)


def is_named_skill(skill: RequiredSkill) -> bool:
    """Whether the skill carries a canonical name (the vocabulary's or a concept's) rather than a phrase."""
    return skill.name in load_vocabulary().names or skill.name in concept_names()


def shown_by_evidence(skill: RequiredSkill, evidence: dict[str, str]) -> tuple[str, str] | None:
    """(concept, the profile's sentence) when the competence the skill names is one the profile shows in its own
    words; None otherwise."""
    for form in (skill.name, *skill.keywords):
        concept = concept_of(form)
        if concept is not None and concept in evidence:
            return concept, evidence[concept]
    return None


def unmatched_skills(cell: AnalysisUser, analysis: JobAnalysis) -> list[str]:
    """The posting's skills the profile neither names nor shows: the ones worth an embedding comparison."""
    terms = set(cell.terms)
    return [s.name for s in analysis.requirements.skills
            if not named_in_profile(s, terms) and shown_by_evidence(s, cell.evidence) is None]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of two vectors; 0.0 when either is missing (an old analysis without its embedding)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norm if norm else 0.0


def decide(cell: AnalysisUser, analysis: JobAnalysis, *, fuzzy_matches: dict[str, str], at: datetime,
           posting_at: datetime | None = None) -> tuple[AnalysisUser, JobAnalyzed]:
    """Score one analyzed posting for the cell's user and decide. `fuzzy_matches` maps a required skill's name to
    the profile term the embeddings found close enough (beyond exact name and keyword matches). A user never goes
    ahead with two postings of one canonical job. The decision is dated `at` (the analysis's own time), so one
    made again on redelivery or replay is the very same event."""
    terms = set(cell.terms)
    requirements = analysis.requirements
    similarity = cosine(cell.embedding, analysis.embedding)
    matched, missing, reasons, evidence_reasons = [], [], [], []
    weight_have = weight_all = 0.0
    from_model = analysis.extractor.startswith("model:")
    for skill in requirements.skills:
        weight = 1.0 if skill.required else PREFERRED_WEIGHT
        if from_model and not is_named_skill(skill):
            weight *= PHRASE_WEIGHT
        weight_all += weight
        shown = None if named_in_profile(skill, terms) else shown_by_evidence(skill, cell.evidence)
        if named_in_profile(skill, terms) or shown is not None or skill.name in fuzzy_matches:
            matched.append(skill.name)
            weight_have += weight
            if shown is not None:
                evidence_reasons.append(f'"{skill.name}" shown by the profile: "{_quote(shown[1])}"')
            elif skill.name in fuzzy_matches:
                evidence_reasons.append(f'"{skill.name}" shown by the profile\'s "{fuzzy_matches[skill.name]}"')
        elif skill.required:
            missing.append(skill.name)
    skills_fit = weight_have / weight_all if weight_all else 0.5
    similarity_fit = min(max((similarity - SIMILARITY_FLOOR) / SIMILARITY_SPAN, 0.0), 1.0)
    years_min = requirements.experience.years_min
    if years_min:
        experience_fit = min(cell.years_of_experience / years_min, 1.0)
        reasons.append(f"asks for {years_min}+ years; the profile shows {cell.years_of_experience:g}")
    else:
        experience_fit = 1.0
    score = round(SKILLS_WEIGHT * skills_fit + SIMILARITY_WEIGHT * similarity_fit + EXPERIENCE_WEIGHT * experience_fit,
                  3)
    if requirements.skills:
        reasons.insert(0, f"{len(matched)} of {len(requirements.skills)} skills shown in the profile")
        reasons[1:1] = evidence_reasons
    reasons.append(f"profile and posting similarity {similarity:.2f}")

    job_id = analysis.canonical_job_id
    duplicate_of = analysis.duplicate_of
    same_job = duplicate_of or job_id
    taken_by = next(
        (other for other, canonical in cell.proceeding.items() if canonical == same_job and other != job_id), None)
    if job_id in cell.proceeding:
        decision = MatchDecision.PROCEED
        reasons.append("already going ahead")
    elif taken_by is not None:
        decision = MatchDecision.SKIP
        reasons.append(f"the same job as {taken_by}, which is already going ahead")
    elif duplicate_of is not None and (duplicate_of in cell.pending or duplicate_of in cell.decided):
        # Whichever analysis arrives first, the user goes ahead with the original posting they also found.
        decision = MatchDecision.SKIP
        reasons.append(f"the same job as {duplicate_of}, which the user found too: decided there")
    elif score >= PROCEED_AT:
        decision = MatchDecision.PROCEED
        cell = cell.model_copy(update={"proceeding": {**cell.proceeding, job_id: same_job}})
    else:
        decision = MatchDecision.SKIP
        reasons.append(f"score {score:.2f} is below {PROCEED_AT}")
    analyzed = JobAnalyzed(
        event_id=derived_id("analyzed", cell.user_id, job_id, analysis.content_hash),
        user_id=cell.user_id, occurred_at=at, canonical_job_id=job_id, score=score,
        matched_skills=matched, missing_skills=missing, duplicate_of=duplicate_of, decision=decision,
        reasons=reasons, requirements=requirements if decision is MatchDecision.PROCEED else None,
        posting=analysis.posting,
    )
    return _decided(cell, job_id, analysis.content_hash, posting_at), analyzed


_QUOTE_CHARS = 160


def _quote(sentence: str) -> str:
    return sentence if len(sentence) <= _QUOTE_CHARS else sentence[: _QUOTE_CHARS - 1].rstrip() + "…"


def unanalyzable(cell: AnalysisUser, canonical_job_id: str, failure: str, *, at: datetime,
                 posting_at: datetime | None = None) -> tuple[AnalysisUser, JobAnalyzed]:
    """A posting that could not be analyzed is skipped, and the user sees why (dated `at`, as `decide`)."""
    analyzed = JobAnalyzed(
        event_id=derived_id("analyzed", cell.user_id, canonical_job_id, "failed", failure),
        user_id=cell.user_id, occurred_at=at, canonical_job_id=canonical_job_id, score=0.0,
        decision=MatchDecision.SKIP, reasons=[f"the posting could not be analyzed: {failure}"],
    )
    return _decided(cell, canonical_job_id, f"failed:{failure}", posting_at), analyzed


def _decided(cell: AnalysisUser, canonical_job_id: str, content_hash: str, posting_at: datetime | None
             ) -> AnalysisUser:
    pending = {job: p for job, p in cell.pending.items() if job != canonical_job_id}
    decided = {**cell.decided, canonical_job_id: DecidedMatch(content_hash=content_hash, posting_at=posting_at,
                                                              profile_version=cell.profile_version)}
    return cell.model_copy(update={"pending": pending, "decided": decided})
