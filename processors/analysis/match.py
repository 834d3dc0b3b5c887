"""A user's fit with an analyzed posting, in the user's cell. Pure: the slow parts (embeddings, fuzzy skill
similarity) are computed by the agent and handed in as numbers.

The score is a weighted blend a user can follow: the share of the posting's skills the profile shows, how
close profile and posting read (embedding cosine), and whether the years of experience suffice.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from typing import Any

from streams.messages import AnalysisUser, JobAnalysis, JobAnalyzed, JobDiscovered, MatchDecision, UserProfile

SKILLS_WEIGHT, SIMILARITY_WEIGHT, EXPERIENCE_WEIGHT = 0.5, 0.35, 0.15
PREFERRED_WEIGHT = 0.5  # a "nice to have" counts half
PROCEED_AT = 0.45
# MiniLM cosine between a whole resume and a posting lands roughly in 0.1..0.7; map that span to 0..1.
SIMILARITY_FLOOR, SIMILARITY_SPAN = 0.15, 0.5
_IDS = uuid.UUID("3c0e2f7a-9b1d-4b8e-8f44-2f6c1e0d5a93")


def _months(start: str | None, end: str | None, today: date) -> int:
    def parse(value: str | None, default: date) -> date:
        if not value:
            return default
        parts = [int(p) for p in value.split("-")[:3]]
        return date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)

    try:
        begin, finish = parse(start, today), parse(end, today)
    except (ValueError, TypeError):
        return 0
    # Both months count: JSON Resume's endDate is the last month worked.
    return max(0, (finish.year - begin.year) * 12 + finish.month - begin.month + 1)


def profile_terms(profile: dict[str, Any]) -> set[str]:
    """Skill terms a JSON Resume states: skills and their keywords, project keywords, languages."""
    terms: set[str] = set()
    for skill in profile.get("skills") or []:
        terms.update(t.casefold() for t in [skill.get("name") or "", *(skill.get("keywords") or [])] if t)
    for project in profile.get("projects") or []:
        terms.update(t.casefold() for t in project.get("keywords") or [] if t)
    for language in profile.get("languages") or []:
        if language.get("language"):
            terms.add(language["language"].casefold())
    return terms


def years_of_experience(profile: dict[str, Any], *, today: date) -> float:
    """Years of work, overlapping jobs counted once (by month)."""
    months: set[tuple[int, int]] = set()
    for job in profile.get("work") or []:
        start = job.get("startDate")
        span = _months(start, job.get("endDate"), today)
        if start and span:
            year, month = (int(p) for p in [*start.split("-"), "1"][:2])
            for offset in range(span):
                months.add((year + (month - 1 + offset) // 12, (month - 1 + offset) % 12 + 1))
    return round(len(months) / 12, 1)


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
    """The user's state after a new profile version (None when it is an older or replayed version)."""
    if cell is not None and profile.profile_version <= cell.profile_version:
        return None
    document: dict[str, Any] = json.loads(profile.profile_json)
    return AnalysisUser(
        user_id=profile.user_id, profile_version=profile.profile_version, terms=sorted(profile_terms(document)),
        years_of_experience=years_of_experience(document, today=today), embedding=embedding,
        proceeding=cell.proceeding if cell is not None else {},
    )


def step(
    cell: AnalysisUser,
    discovered: JobDiscovered,
    analysis: JobAnalysis,
    *,
    similarity: float,
    fuzzy_matches: dict[str, str],
    now: datetime,
) -> tuple[AnalysisUser, JobAnalyzed]:
    """Score one discovered posting for its user. `similarity` is the cosine of the profile's and the posting's
    embeddings; `fuzzy_matches` maps a required skill's name to the profile term the embeddings found close
    enough (beyond exact name and keyword matches)."""
    terms = set(cell.terms)
    requirements = analysis.requirements
    matched, missing, reasons = [], [], []
    weight_have = weight_all = 0.0
    for skill in requirements.skills:
        weight = 1.0 if skill.required else PREFERRED_WEIGHT
        weight_all += weight
        forms = {skill.name.casefold(), *(k.casefold() for k in skill.keywords)}
        if forms & terms or skill.name in fuzzy_matches:
            matched.append(skill.name)
            weight_have += weight
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
    reasons.append(f"profile and posting similarity {similarity:.2f}")

    job_id = discovered.canonical_job_id
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
    elif score >= PROCEED_AT:
        decision = MatchDecision.PROCEED
        cell = cell.model_copy(update={"proceeding": {**cell.proceeding, job_id: same_job}})
    else:
        decision = MatchDecision.SKIP
        reasons.append(f"score {score:.2f} is below {PROCEED_AT}")
    analyzed = JobAnalyzed(
        event_id=str(uuid.uuid5(_IDS, f"{discovered.user_id}\x1f{job_id}\x1f{analysis.content_hash}")),
        user_id=discovered.user_id, occurred_at=now, canonical_job_id=job_id, score=score,
        matched_skills=matched, missing_skills=missing, duplicate_of=duplicate_of, decision=decision,
        reasons=reasons,
    )
    return cell, analyzed
