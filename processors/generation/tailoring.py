"""Tailoring: the profile's own lines, chosen and ordered for one job.

Nothing is written that the profile does not say. Lines are copied (verbatim), cut from lists (selected) or,
for the summary and the date ranges only, composed by a fixed template from cited profile fields.

Relevance of a line = the weighted job skills it shows (`relevance.score`), plus a small recency bonus (the
newest job first), plus an optional embedding similarity from the `relevance` hook (a port: the agent passes a
function of the candidate texts; the default is none, so the core stays pure).

Tailoring writes every candidate: every employer (newest first), every entry of every JSON Resume section the
profile has (certificates, languages, awards, publications, volunteer work, interests; references when the
posting asks for them), each entry's lines most relevant first (at most `CANDIDATE_LINES`). What fits the pages is
decided afterwards by `fitting.py` on the real Typst layout, with `priorities` below: a line's relevance, recency
and the strategy's lead section; a short entry of another section (a certificate, the languages) by its own
relevance plus a small base, so one that speaks to the job comes before lines that do not.

Strategies are three variants of the same selection: they change the section order, and the first content
section's lines get a head start. Variant ids are `f"{strategy}-{TEMPLATE_VERSION}"`, stable for a template
version.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from processors.generation.facts import skill_terms, stems
from processors.generation.model import (
    STRATEGIES,
    Entry,
    Line,
    ResumeSection,
    SectionKind,
    Strategy,
    TailoredResume,
)
from processors.generation.relevance import JobTerm, job_terms
from processors.generation.relevance import score as relevance_score
from streams.messages import JobRequirements
from textkit.jsonresume import years_of_experience

TEMPLATE_VERSION = "v2"
CANDIDATE_LINES = 10  # an entry's lines written as candidates, most relevant first
MAX_BULLETS: dict[int, int] = {1: 4, 2: 6}  # an entry's lines before the rest of the page gets its turn
RECENCY_WEIGHT = 0.3
EMBEDDING_WEIGHT = 1.0
LEAD_SECTION_BONUS = 0.5
SUMMARY_SKILLS = 3
SECTION_TITLES: dict[SectionKind, str] = {
    "summary": "Summary", "experience": "Experience", "projects": "Projects", "skills": "Skills",
    "education": "Education", "certificates": "Certifications", "languages": "Languages", "awards": "Awards",
    "publications": "Publications", "volunteer": "Volunteering", "interests": "Interests",
    "references": "References",
}  # fmt: skip
_OTHER_SECTIONS: tuple[SectionKind, ...] = (
    "certificates", "languages", "publications", "awards", "volunteer", "interests", "references")
SECTION_ORDER: dict[Strategy, tuple[SectionKind, ...]] = {
    "skills_first": ("summary", "skills", "experience", "projects", "education", *_OTHER_SECTIONS),
    "experience_first": ("summary", "experience", "projects", "skills", "education", *_OTHER_SECTIONS),
    "projects_first": ("summary", "projects", "experience", "skills", "education", *_OTHER_SECTIONS),
}
# What an entry of a section is worth before its relevance to the job: a certificate or the languages the job
# does not name still beat an old job's line that names nothing the job wants.
SECTION_BASE: dict[SectionKind, float] = {
    "experience": 0.0, "projects": 0.1, "certificates": 0.25, "languages": 0.25, "awards": 0.15,
    "publications": 0.15, "volunteer": 0.05, "interests": 0.02, "references": 0.0,
}  # fmt: skip
_REFERENCES_ASKED = re.compile(r"\breferences?\b|\breferees?\b", re.IGNORECASE)
Relevance = Callable[[list[str]], list[float]]


def variant_id(strategy: Strategy) -> str:
    return f"{strategy}-{TEMPLATE_VERSION}"


def tailor_variants(
    profile: dict[str, Any], job: JobRequirements, *, pages: Literal[1, 2] = 1, job_text: str = "",
    today: date | None = None, relevance: Relevance | None = None,
) -> list[TailoredResume]:
    """One resume per strategy (the A/B/C variants learning compares)."""
    return [tailor(profile, job, strategy=s, pages=pages, job_text=job_text, today=today, relevance=relevance)
            for s in STRATEGIES]


def tailor(
    profile: dict[str, Any], job: JobRequirements, *, strategy: Strategy, pages: Literal[1, 2] = 1,
    job_text: str = "", today: date | None = None, relevance: Relevance | None = None,
) -> TailoredResume:
    """The profile tailored to `job`: every candidate line, most relevant first within each entry (`fitting.fit`
    then keeps what the pages hold). `today` lets the summary state years of experience ("8+ years"); without it
    the summary says since when ("working since 2017"), so the output never depends on the clock."""
    terms = job_terms(job, job_text)
    basics = profile.get("basics") or {}
    name = Line.verbatim(str(basics.get("name") or ""), "/basics/name")
    contact = _contact(basics)

    jobs = _work_items(profile)
    projects = _project_items(profile)
    volunteer = _volunteer_items(profile)
    lead = SECTION_ORDER[strategy][1]
    items = [*jobs, *projects, *volunteer]
    candidates = [(item, index, line) for item in items for index, line in enumerate(item.lines)]
    scores = [relevance_score(line.text, terms) for _, _, line in candidates]
    if relevance is not None and candidates:
        similarity = relevance([line.text for _, _, line in candidates])
        scores = [s + EMBEDDING_WEIGHT * float(x) for s, x in zip(scores, similarity, strict=True)]
    for (item, index, _), line_score in zip(candidates, scores, strict=True):
        item.scores[index] = line_score + item.recency + (LEAD_SECTION_BONUS if item.section == lead else 0.0)

    built: dict[SectionKind, list[Entry]] = {
        "summary": [Entry(bullets=summary)] if (summary := _summary(profile, terms, today)) else [],
        "skills": _skills(profile, terms),
        "experience": [item.ranked() for item in jobs],
        "projects": [item.ranked() for item in sorted(projects, key=lambda p: (-p.best, p.order))],
        "education": _education(profile),
        "certificates": _by_relevance(_certificates(profile), terms),
        "languages": _languages(profile),
        "awards": _by_relevance(_awards(profile), terms),
        "publications": _by_relevance(_publications(profile), terms),
        "volunteer": [item.ranked() for item in sorted(volunteer, key=lambda v: (-v.best, v.order))],
        "interests": _interests(profile),
        "references": _references(profile) if references_asked(job, job_text) else [],
    }
    sections = [ResumeSection(kind=kind, title=SECTION_TITLES[kind], entries=built[kind])
                for kind in SECTION_ORDER[strategy] if built[kind]]
    return TailoredResume(variant_id=variant_id(strategy), strategy=strategy, name=name, contact=contact,
                          sections=sections, pages=pages)


def references_asked(job: JobRequirements, job_text: str = "") -> bool:
    """Whether the posting asks for references (only then are the profile's references relevant)."""
    return any(_REFERENCES_ASKED.search(text) for text in [job_text, *job.qualifications, *job.responsibilities])


def priorities(resume: TailoredResume, job: JobRequirements, *, job_text: str = "") -> dict[tuple[int, ...], float]:
    """What each removable part of a tailored resume is worth to the job, for `fitting.fit`: `(section, entry)`
    for an entry of a section whose entries may be left out, `(section, entry, line)` for a line. A line is never
    worth more than the line before it in its entry (entries list their lines most relevant first), and lines past
    `MAX_BULLETS` come after everything else."""
    terms = job_terms(job, job_text)
    lead = SECTION_ORDER[resume.strategy][1]
    cap = MAX_BULLETS[resume.pages]
    worth: dict[tuple[int, ...], float] = {}
    for si, section in enumerate(resume.sections):
        kind = section.kind
        if kind not in SECTION_BASE:
            continue
        bonus = LEAD_SECTION_BONUS if kind == lead else 0.0
        for ei, entry in enumerate(section.entries):
            recency = RECENCY_WEIGHT / (1 + ei) if kind == "experience" else 0.0
            text = " ".join(line.text for line in entry.lines())
            worth[(si, ei)] = relevance_score(text, terms) + SECTION_BASE[kind] + bonus + recency
            previous = float("inf")
            for bi, line in enumerate(entry.bullets):
                value = min(previous, relevance_score(line.text, terms) + recency + bonus + SECTION_BASE[kind])
                previous = value
                worth[(si, ei, bi)] = value - (100.0 if bi >= cap else 0.0)
    return worth


def _by_relevance(entries: list[Entry], terms: list[JobTerm]) -> list[Entry]:
    scored = [(-relevance_score(" ".join(line.text for line in e.lines()), terms), i, e) for i, e in enumerate(entries)]
    return [e for *_, e in sorted(scored, key=lambda t: (t[0], t[1]))]


# --- work, projects, volunteering ------------------------------------------------------------------------------


@dataclass(eq=False)
class _Item:
    """A work, project or volunteer entry: its heading lines and its candidate lines with their scores."""

    section: SectionKind
    order: int  # display order among its section (work: newest first)
    recency: float
    entry: Entry  # heading, subheading, dates; bullets empty
    lines: list[Line]
    scores: dict[int, float]

    @property
    def best(self) -> float:
        return max(self.scores.values(), default=0.0)

    def ranked(self) -> Entry:
        """The entry with its lines most relevant first (ties in profile order), at most `CANDIDATE_LINES`."""
        order = sorted(range(len(self.lines)), key=lambda i: (-self.scores.get(i, 0.0), i))[:CANDIDATE_LINES]
        return self.entry.model_copy(update={"bullets": [self.lines[i] for i in order]})


def _highlights(document: dict[str, Any], base: str) -> list[Line]:
    lines = [Line.verbatim(str(text), f"{base}/highlights/{j}")
             for j, text in enumerate(document.get("highlights") or []) if str(text).strip()]
    if not lines and str(document.get("summary") or "").strip():
        lines = [Line.verbatim(str(document["summary"]), f"{base}/summary")]
    return lines


def _newest_first(entries: list[Any]) -> list[tuple[int, dict[str, Any]]]:
    """Entries newest first (by end date, a current one first, then start date)."""
    indexed = [(i, e) for i, e in enumerate(entries) if isinstance(e, dict)]
    indexed.sort(key=lambda pair: (str(pair[1].get("endDate") or "9999"), str(pair[1].get("startDate") or "")),
                 reverse=True)
    return indexed


def _work_items(profile: dict[str, Any]) -> list[_Item]:
    items = []
    for rank, (i, job) in enumerate(_newest_first(profile.get("work") or [])):
        base = f"/work/{i}"
        heading = _field(job, "position", base) or _field(job, "name", base)
        subheading = _field(job, "name", base) if job.get("position") else None
        entry = Entry(heading=heading, subheading=subheading, dates=_dates(job, base))
        items.append(_Item("experience", rank, RECENCY_WEIGHT / (1 + rank), entry, _highlights(job, base), {}))
    return items


def _project_items(profile: dict[str, Any]) -> list[_Item]:
    items = []
    for i, project in enumerate(profile.get("projects") or []):
        base = f"/projects/{i}"
        lines = [Line.verbatim(str(text), f"{base}/highlights/{j}")
                 for j, text in enumerate(project.get("highlights") or []) if str(text).strip()]
        entry = Entry(heading=_field(project, "name", base), subheading=_field(project, "description", base),
                      dates=_dates(project, base))
        items.append(_Item("projects", i, 0.0, entry, lines, {}))
    return items


def _volunteer_items(profile: dict[str, Any]) -> list[_Item]:
    items = []
    for rank, (i, role) in enumerate(_newest_first(profile.get("volunteer") or [])):
        base = f"/volunteer/{i}"
        heading = _field(role, "position", base) or _field(role, "organization", base)
        subheading = _field(role, "organization", base) if role.get("position") else None
        entry = Entry(heading=heading, subheading=subheading, dates=_dates(role, base))
        if heading or subheading:
            items.append(_Item("volunteer", rank, 0.0, entry, _highlights(role, base), {}))
    return items


def _field(document: dict[str, Any], key: str, base: str) -> Line | None:
    value = document.get(key)
    return Line.verbatim(str(value), f"{base}/{key}") if value is not None and str(value).strip() else None


def _dates(document: dict[str, Any], base: str) -> Line | None:
    start, end = document.get("startDate"), document.get("endDate")
    if start and end:
        return Line.template(f"{start} – {end}", [f"{base}/startDate", f"{base}/endDate"])
    if start:
        return Line.template(f"{start} – present", [f"{base}/startDate"])
    if end:
        return Line.verbatim(str(end), f"{base}/endDate")
    return None


# --- the other JSON Resume sections -----------------------------------------------------------------------------


def _certificates(profile: dict[str, Any]) -> list[Entry]:
    entries = []
    for i, cert in enumerate(profile.get("certificates") or []):
        base = f"/certificates/{i}"
        heading = _field(cert, "name", base)
        if heading:
            entries.append(Entry(heading=heading, subheading=_field(cert, "issuer", base),
                                 dates=_field(cert, "date", base)))
    return entries


def _languages(profile: dict[str, Any]) -> list[Entry]:
    """One line: "German (C1), English (Native speaker)", each part cited."""
    parts: list[tuple[str, list[str]]] = []
    for i, language in enumerate(profile.get("languages") or []):
        name, fluency = str(language.get("language") or "").strip(), str(language.get("fluency") or "").strip()
        if name:
            base = f"/languages/{i}"
            parts.append((f"{name} ({fluency})" if fluency else name,
                          [f"{base}/language", *([f"{base}/fluency"] if fluency else [])]))
    if not parts:
        return []
    return [Entry(bullets=[Line.selected(", ".join(text for text, _ in parts), [p for _, ps in parts for p in ps])])]


def _awards(profile: dict[str, Any]) -> list[Entry]:
    entries = []
    for i, award in enumerate(profile.get("awards") or []):
        base = f"/awards/{i}"
        heading = _field(award, "title", base)
        if heading:
            summary = _field(award, "summary", base)
            entries.append(Entry(heading=heading, subheading=_field(award, "awarder", base),
                                 dates=_field(award, "date", base), bullets=[summary] if summary else []))
    return entries


def _publications(profile: dict[str, Any]) -> list[Entry]:
    entries = []
    for i, publication in enumerate(profile.get("publications") or []):
        base = f"/publications/{i}"
        heading = _field(publication, "name", base)
        if heading:
            summary = _field(publication, "summary", base)
            entries.append(Entry(heading=heading, subheading=_field(publication, "publisher", base),
                                 dates=_field(publication, "releaseDate", base), bullets=[summary] if summary else []))
    return entries


def _interests(profile: dict[str, Any]) -> list[Entry]:
    entries = []
    for i, interest in enumerate(profile.get("interests") or []):
        base = f"/interests/{i}"
        keywords = [(j, str(k)) for j, k in enumerate(interest.get("keywords") or []) if str(k).strip()]
        heading = _field(interest, "name", base)
        if keywords:
            entries.append(Entry(heading=heading, bullets=[
                Line.selected(", ".join(k for _, k in keywords), [f"{base}/keywords/{j}" for j, _ in keywords])]))
        elif heading:
            entries.append(Entry(bullets=[heading]))
    return entries


def _references(profile: dict[str, Any]) -> list[Entry]:
    entries = []
    for i, reference in enumerate(profile.get("references") or []):
        base = f"/references/{i}"
        heading, quote = _field(reference, "name", base), _field(reference, "reference", base)
        if heading or quote:
            entries.append(Entry(heading=heading, bullets=[quote] if quote else []))
    return entries


# --- fixed parts ----------------------------------------------------------------------------------------------


def _contact(basics: dict[str, Any]) -> list[Line]:
    lines = [line for key in ("email", "phone", "url") if (line := _field(basics, key, "/basics"))]
    location = basics.get("location") or {}
    parts = [(key, str(location[key])) for key in ("city", "region", "countryCode") if location.get(key)]
    if parts:
        lines.append(Line.selected(", ".join(text for _, text in parts), [f"/basics/location/{k}" for k, _ in parts]))
    for i, network in enumerate(basics.get("profiles") or []):
        if line := _field(network, "url", f"/basics/profiles/{i}"):
            lines.append(line)
    return lines


@dataclass(frozen=True, slots=True)
class _Stated:
    """A skill the profile states, where, and how much the job wants it."""

    text: str
    path: str
    weight: float
    order: int


def _stated_skills(profile: dict[str, Any], terms: list[JobTerm]) -> list[_Stated]:
    stated: list[_Stated] = []
    for i, group in enumerate(profile.get("skills") or []):
        for j, keyword in enumerate(group.get("keywords") or []):
            if str(keyword).strip():
                text = str(keyword)
                stated.append(_Stated(text, f"/skills/{i}/keywords/{j}", _weight(text, terms), len(stated)))
    return stated


def _weight(text: str, terms: list[JobTerm]) -> float:
    found, text_stems = skill_terms(text), stems(text)
    return max((t.weight for t in terms if t.found_in(found, text_stems)), default=0.0)


def _skills(profile: dict[str, Any], terms: list[JobTerm]) -> list[Entry]:
    """Skill groups, the groups and the keywords in each the job wants most first."""
    groups = []
    for i, group in enumerate(profile.get("skills") or []):
        keywords = [(j, str(k), _weight(str(k), terms)) for j, k in enumerate(group.get("keywords") or [])
                    if str(k).strip()]
        keywords.sort(key=lambda k: (-k[2], k[0]))
        heading = _field(group, "name", f"/skills/{i}")
        bullets = [Line.selected(", ".join(k for _, k, _ in keywords),
                                 [f"/skills/{i}/keywords/{j}" for j, _, _ in keywords])] if keywords else []
        if heading or bullets:
            group_weight = sum(w for _, _, w in keywords) + _weight(str(group.get("name") or ""), terms)
            groups.append((-group_weight, i, Entry(heading=heading, bullets=bullets)))
    return [entry for *_, entry in sorted(groups, key=lambda g: (g[0], g[1]))]


def _education(profile: dict[str, Any]) -> list[Entry]:
    entries = []
    for i, school in enumerate(profile.get("education") or []):
        base = f"/education/{i}"
        parts = [key for key in ("studyType", "area") if str(school.get(key) or "").strip()]
        subheading = Line.selected(", ".join(str(school[k]) for k in parts), [f"{base}/{k}" for k in parts]) \
            if parts else None
        heading = _field(school, "institution", base)
        if heading or subheading:
            entries.append(Entry(heading=heading, subheading=subheading, dates=_dates(school, base)))
    return entries


def summary_lines(profile: dict[str, Any], job: JobRequirements, *, job_text: str = "", today: date | None = None,
                  shown_work: set[int] | None = None) -> list[Line]:
    """The summary as `tailor` writes it, counting years only over the jobs in `shown_work` (indices into
    `work`; all when None): fitting writes it again when a job had to be left out, so "N+ years" stays true to
    what the resume shows."""
    return _summary(profile, job_terms(job, job_text), today, shown_work)


def _summary(profile: dict[str, Any], terms: list[JobTerm], today: date | None,
             shown_work: set[int] | None = None) -> list[Line]:
    """A targeted sentence composed only of profile facts — label, experience, the skills the job wants most
    that the profile states — then the profile's own summary, verbatim."""
    basics = profile.get("basics") or {}
    label = str(basics.get("label") or "").strip()
    paths: list[str] = []
    text = ""
    if label:
        text, paths = label, ["/basics/label"]
    work = [(i, job) for i, job in enumerate(profile.get("work") or [])
            if isinstance(job, dict) and job.get("startDate") and (shown_work is None or i in shown_work)]
    if label and work:
        counted = {**profile, "work": [job for _, job in work]}
        years = int(years_of_experience(counted, today=today)) if today is not None else 0
        if years >= 1:
            text += f" with {years}+ years of experience"
            paths += [f"/work/{i}/{key}" for i, job in work for key in ("startDate", "endDate") if job.get(key)]
        elif today is None:
            first, start = min(((i, str(job["startDate"])) for i, job in work), key=lambda pair: pair[1])
            text += f" working since {start[:4]}"
            paths.append(f"/work/{first}/startDate")
    stated = sorted(_stated_skills(profile, terms), key=lambda s: (-s.weight, s.order))
    seen: set[str] = set()
    top = []
    for skill in stated:
        if skill.text.casefold() not in seen and (skill.weight > 0 or not any(s.weight for s in stated)):
            seen.add(skill.text.casefold())
            top.append(skill)
    top = top[:SUMMARY_SKILLS]
    if top:
        names = [s.text for s in top]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        text = f"{text}, skilled in {listed}" if text else f"Skilled in {listed}"
        paths += [s.path for s in top]
    lines = [Line.template(f"{text}.", paths)] if text else []
    if str(basics.get("summary") or "").strip():
        lines.append(Line.verbatim(str(basics["summary"]), "/basics/summary"))
    return lines
