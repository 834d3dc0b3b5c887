"""Facts read from a JSON Resume document (https://jsonresume.org/schema): skill terms and years of experience.

Pure and total: dates that do not parse count as nothing rather than raising, since a profile has already been
validated by the profiles processor and an odd field must not cost a match.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from textkit.skill_concepts import concepts_in


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


def profile_prose(profile: dict[str, Any]) -> list[str]:
    """The profile's own sentences about what the person did: summaries and highlights of work, projects and
    volunteering, in document order."""
    lines: list[str] = [(profile.get("basics") or {}).get("summary") or ""]
    for section in ("work", "projects", "volunteer"):
        for entry in profile.get(section) or []:
            lines += [entry.get("summary") or "", entry.get("description") or "", *(entry.get("highlights") or [])]
    return [line for line in lines if isinstance(line, str) and line.strip()]


def profile_evidence(profile: dict[str, Any]) -> dict[str, str]:
    """Competences the profile shows in its own words (`skill_concepts`) -> the first sentence that shows each."""
    evidence: dict[str, str] = {}
    for line in profile_prose(profile):
        for found in concepts_in(line):
            evidence.setdefault(found.concept, found.sentence)
    return evidence


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
