"""Facts read from a JSON Resume document (https://jsonresume.org/schema): skill terms, years of experience,
calendar dates, and the field names of JSON Resume before 1.0.

Pure and total: dates that do not parse count as nothing rather than raising, since a profile has already been
validated by the profiles processor and an odd field must not cost a match.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from textkit.skill_concepts import concepts_in

# --- dates ------------------------------------------------------------------------------------------------------

# The fields JSON Resume types as its `iso8601` date (a year, a year-month or a full date).
DATE_FIELDS = ("startDate", "endDate", "date", "releaseDate")
_DATE_SHAPE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# Words people write for "still there"; JSON Resume's way to say it is to leave endDate out.
_CURRENT_WORDS = frozenset({"present", "current", "currently", "now", "today", "ongoing", "till date", "to date",
                            "heute", "actuel", "actual", "presente", "aujourd'hui", "jetzt"})


def parse_date(value: Any) -> date | None:
    """The first day a JSON Resume date denotes ("2020" → 2020-01-01, "2020-06" → 2020-06-01), or None when it
    is not a date on the calendar ("2020-13", "2023-02-30", "Present")."""
    if not isinstance(value, str):
        return None
    match = _DATE_SHAPE.match(value.strip())
    if match is None:
        return None
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_problem(value: Any, field: str) -> str | None:
    """Why `value` (the value of `field`) is not a date that exists, in words a person can act on; None when
    it is one. Only the calendar is judged here: the shape is the schema's job, but a word for "current" gets
    its own advice, since the schema's message would not say what to do."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.casefold() in _CURRENT_WORDS or (not text and field == "endDate"):
        if field == "endDate":
            return f"{value!r} is not a date: for a current role, leave endDate out"
        return f"{value!r} is not a date; write it like 2024, 2024-06 or 2024-06-29"
    match = _DATE_SHAPE.match(text)
    if match is None:
        return None  # not the schema's shape either: the schema's own message says so
    year, month, day = match.groups()
    if month is not None and not 1 <= int(month) <= 12:
        return f"{value!r} is not a date: there is no month {int(month)} (months run from 01 to 12)"
    if day is not None:
        try:
            date(int(year), int(month), int(day))
        except ValueError:
            return f"{value!r} is not a date: {_MONTH_NAMES[int(month) - 1]} {int(year)} has no day {int(day)}"
    return None


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")


def dated_entries(profile: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """`(pointer, entry)` for every object of a top-level section list (work, education, awards, ...)."""
    for section, entries in profile.items():
        if isinstance(entries, list):
            for index, entry in enumerate(entries):
                if isinstance(entry, dict):
                    yield f"/{section}/{index}", entry


def calendar_problems(profile: dict[str, Any]) -> list[str]:
    """Every date of the profile that is not on the calendar, and every entry that ends before it starts."""
    problems: list[str] = []
    for pointer, entry in dated_entries(profile):
        for field in DATE_FIELDS:
            if field in entry and (problem := date_problem(entry[field], field)):
                problems.append(f"{pointer}/{field}: {problem}")
        start, end = parse_date(entry.get("startDate")), parse_date(entry.get("endDate"))
        if start and end and _precision_end(entry["endDate"], end) < start:
            problems.append(f"{pointer}: it ends ({entry['endDate']}) before it starts ({entry['startDate']})")
    return problems


def _precision_end(text: str, first: date) -> date:
    """The last day a date of this precision can mean ("2020" may end on 2020-12-31), so "2020" – "2020-06"
    or "2020-06" – "2020" are not reported as ending before they start."""
    parts = text.strip().count("-")
    if parts == 0:
        return date(first.year, 12, 31)
    if parts == 1:
        return date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first


def _months(start: str | None, end: str | None, today: date) -> int:
    begin = parse_date(start) if start else today
    finish = parse_date(end) if end else today
    if begin is None or finish is None:
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
        first = parse_date(start)
        if first is not None and span:
            year, month = first.year, first.month
            for offset in range(span):
                months.add((year + (month - 1 + offset) // 12, (month - 1 + offset) % 12 + 1))
    return round(len(months) / 12, 1)


# --- field names of JSON Resume before 1.0 -----------------------------------------------------------------------

# Names the 0.0.x schemas used where 1.0 has others. Each is mapped when its entry lacks the new name; when both
# are given with different values, the profile is refused (which one is meant cannot be guessed).
LEGACY_NAMES: dict[str, dict[str, str]] = {
    "basics": {"website": "url", "picture": "image"},
    "work": {"company": "name", "website": "url"},
    "volunteer": {"website": "url"},
    "publications": {"website": "url"},
    "education": {"gpa": "score"},
}
LEGACY_SECTIONS: dict[str, str] = {"hobbies": "interests"}


@dataclass(frozen=True)
class Upgraded:
    """A profile with the older field names mapped: the document, a note per mapping (for the user), and the
    conflicts that make it unusable (an older and a newer name with different values)."""

    profile: dict[str, Any]
    notes: list[str]
    conflicts: list[str]


def upgrade_legacy_names(profile: dict[str, Any]) -> Upgraded:
    """`profile` with the field names of JSON Resume before 1.0 (`company`, `website`, ...) renamed to today's.
    Never drops a value silently: a mapped name is a note, a clash is a conflict."""
    document = copy.deepcopy(profile)
    notes: list[str] = []
    conflicts: list[str] = []
    for old, new in LEGACY_SECTIONS.items():
        if old in document:
            if new in document and document[new] != document[old]:
                conflicts.append(f"/{old}: JSON Resume 1.0 calls this section {new!r}, and the profile has both; "
                                 f"keep only {new!r}")
                continue
            document[new] = document.pop(old)
            notes.append(f"/{old}: the section is called {new!r} since JSON Resume 1.0; read as {new!r}")
    for section, names in LEGACY_NAMES.items():
        node = document.get(section)
        targets = [(f"/{section}", node)] if isinstance(node, dict) else \
            [(f"/{section}/{i}", entry) for i, entry in enumerate(node) if isinstance(entry, dict)] \
            if isinstance(node, list) else []
        for pointer, entry in targets:
            for old, new in names.items():
                if old not in entry:
                    continue
                if new in entry and entry[new] != entry[old]:
                    conflicts.append(f"{pointer}: both {old!r} ({entry[old]!r}) and {new!r} ({entry[new]!r}) are "
                                     f"given; {old!r} is the name before JSON Resume 1.0 for {new!r}: keep one")
                    continue
                value = entry.pop(old)
                entry[new] = value
                notes.append(f"{pointer}/{old}: read as {new!r} (the name JSON Resume 1.0 uses)")
    return Upgraded(document, notes, conflicts)
