"""Tailoring: the profile's own lines, chosen and ordered for one job, within a page budget.

Nothing is written that the profile does not say. Lines are copied (verbatim), cut from lists (selected) or,
for the summary and the date ranges only, composed by a fixed template from cited profile fields.

Relevance of a line = the weighted job skills it shows (`relevance.score`), plus a small recency bonus (the
newest job first), plus an optional embedding similarity from the `relevance` hook (a port: the agent passes a
function of the candidate texts; the default is none, so the core stays pure).

Page budget — a heuristic in rendered rows, not a layout engine: about 38 rows fit one page (A4/Letter, 10–11 pt,
~2 cm margins) and 80 two. A bullet or summary sentence costs one row per started 95 characters; the name two
rows, the contact row one, a section title two (title and gap), an entry's heading row (with its dates) one and
its subheading one. Mandatory parts (header, summary, skills, education, the newest job's heading) are placed
first; then bullets in order of relevance, each with its entry's and section's cost when it is the first one,
until the budget is spent; then headings of the remaining jobs that still fit. At most 4 bullets an entry on one
page, 6 on two.

Strategies are three variants of the same selection: they change the section order, and the first content
section's bullets get a head start in the budget. Variant ids are `f"{strategy}-{TEMPLATE_VERSION}"`, stable for
a template version.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
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

TEMPLATE_VERSION = "v1"
PAGE_ROWS: dict[int, int] = {1: 38, 2: 80}
CHARS_PER_ROW = 95
MAX_BULLETS: dict[int, int] = {1: 4, 2: 6}
RECENCY_WEIGHT = 0.3
EMBEDDING_WEIGHT = 1.0
LEAD_SECTION_BONUS = 0.5
SUMMARY_SKILLS = 3
SECTION_TITLES: dict[SectionKind, str] = {
    "summary": "Summary", "experience": "Experience", "projects": "Projects", "skills": "Skills",
    "education": "Education",
}  # fmt: skip
SECTION_ORDER: dict[Strategy, tuple[SectionKind, ...]] = {
    "skills_first": ("summary", "skills", "experience", "projects", "education"),
    "experience_first": ("summary", "experience", "projects", "skills", "education"),
    "projects_first": ("summary", "projects", "experience", "skills", "education"),
}
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
    """The profile tailored to `job`. `today` lets the summary state years of experience ("8+ years"); without
    it the summary says since when ("working since 2017"), so the output never depends on the clock."""
    terms = job_terms(job, job_text)
    basics = profile.get("basics") or {}
    plan = _Plan(budget=PAGE_ROWS[pages], max_bullets=MAX_BULLETS[pages])

    name = Line.verbatim(str(basics.get("name") or ""), "/basics/name")
    contact = _contact(basics)
    plan.spend(2 + (1 if contact else 0))

    summary = _summary(profile, terms, today)
    plan.spend(2 + sum(_rows(line.text) for line in summary))
    skills = _skills(profile, terms)
    if skills:
        plan.spend(2 + sum(_rows(", ".join(line.text for line in e.lines())) for e in skills))
    education = _education(profile)
    if education:
        plan.spend(2 + sum(1 + (1 if e.subheading else 0) for e in education))

    jobs = _work_items(profile)
    projects = _project_items(profile)
    lead = SECTION_ORDER[strategy][1]
    candidates = [(item, index, line) for item in [*jobs, *projects] for index, line in enumerate(item.lines)]
    scores = [relevance_score(line.text, terms) for _, _, line in candidates]
    if relevance is not None and candidates:
        similarity = relevance([line.text for _, _, line in candidates])
        scores = [s + EMBEDDING_WEIGHT * float(x) for s, x in zip(scores, similarity, strict=True)]
    ranked = sorted(
        zip(candidates, scores, strict=True),
        key=lambda c: (-(c[1] + c[0][0].recency + (LEAD_SECTION_BONUS if c[0][0].section == lead else 0.0)),
                       c[0][0].order, c[0][1]),
    )
    if jobs:
        plan.place(jobs[0])
    for (item, index, line), line_score in ranked:
        plan.add_bullet(item, index, line, line_score)
    for item in jobs:
        plan.place(item)

    built: dict[SectionKind, list[Entry]] = {
        "summary": [Entry(bullets=summary)] if summary else [],
        "skills": skills,
        "experience": plan.entries(jobs),
        "projects": plan.entries(sorted(projects, key=lambda p: -p.score(plan))),
        "education": education,
    }
    sections = [ResumeSection(kind=kind, title=SECTION_TITLES[kind], entries=built[kind])
                for kind in SECTION_ORDER[strategy] if built[kind]]
    return TailoredResume(variant_id=variant_id(strategy), strategy=strategy, name=name, contact=contact,
                          sections=sections, pages=pages)


def _rows(text: str) -> int:
    return max(1, math.ceil(len(text) / CHARS_PER_ROW))


# --- candidates and the budget --------------------------------------------------------------------------------


@dataclass(eq=False)
class _Item:
    """A work or project entry: its fixed rows and its candidate bullets."""

    section: SectionKind
    order: int  # display order among its section (work: newest first)
    recency: float
    entry: Entry  # heading, subheading, dates; bullets empty
    lines: list[Line]

    @property
    def head_rows(self) -> int:
        return 1 + (1 if self.entry.subheading else 0)

    def score(self, plan: _Plan) -> float:
        return sum(plan.line_scores.get((id(self), i), 0.0) for i in plan.chosen.get(id(self), []))


@dataclass
class _Plan:
    budget: int
    max_bullets: int
    used: int = 0
    placed: set[int] = field(default_factory=set)
    sections: set[SectionKind] = field(default_factory=set)
    chosen: dict[int, list[int]] = field(default_factory=dict)
    line_scores: dict[tuple[int, int], float] = field(default_factory=dict)

    def spend(self, rows: int) -> None:
        self.used += rows

    def _entry_cost(self, item: _Item) -> int:
        if id(item) in self.placed:
            return 0
        return item.head_rows + (0 if item.section in self.sections else 2)

    def place(self, item: _Item) -> bool:
        cost = self._entry_cost(item)
        if id(item) in self.placed:
            return True
        if self.used + cost > self.budget and self.placed:
            return False
        self.used += cost
        self.placed.add(id(item))
        self.sections.add(item.section)
        return True

    def add_bullet(self, item: _Item, index: int, line: Line, line_score: float) -> None:
        chosen = self.chosen.setdefault(id(item), [])
        if len(chosen) >= self.max_bullets:
            return
        cost = self._entry_cost(item) + _rows(line.text)
        if self.used + cost > self.budget:
            return
        self.place(item)
        self.used += _rows(line.text)
        chosen.append(index)
        self.line_scores[(id(item), index)] = line_score

    def entries(self, items: list[_Item]) -> list[Entry]:
        """The placed entries in display order, each with its chosen bullets, most relevant first."""
        return [item.entry.model_copy(update={"bullets": [item.lines[i] for i in self.chosen.get(id(item), [])]})
                for item in items if id(item) in self.placed]


def _work_items(profile: dict[str, Any]) -> list[_Item]:
    """Jobs newest first (by end date, a current job first, then start date)."""
    work = list(enumerate(profile.get("work") or []))
    work.sort(key=lambda pair: (str(pair[1].get("endDate") or "9999"), str(pair[1].get("startDate") or "")),
              reverse=True)
    items = []
    for rank, (i, job) in enumerate(work):
        base = f"/work/{i}"
        heading = _field(job, "position", base) or _field(job, "name", base)
        subheading = _field(job, "name", base) if job.get("position") else None
        lines = [Line.verbatim(str(text), f"{base}/highlights/{j}")
                 for j, text in enumerate(job.get("highlights") or []) if str(text).strip()]
        if not lines and str(job.get("summary") or "").strip():
            lines = [Line.verbatim(str(job["summary"]), f"{base}/summary")]
        entry = Entry(heading=heading, subheading=subheading, dates=_dates(job, base))
        items.append(_Item("experience", rank, RECENCY_WEIGHT / (1 + rank), entry, lines))
    return items


def _project_items(profile: dict[str, Any]) -> list[_Item]:
    items = []
    for i, project in enumerate(profile.get("projects") or []):
        base = f"/projects/{i}"
        lines = [Line.verbatim(str(text), f"{base}/highlights/{j}")
                 for j, text in enumerate(project.get("highlights") or []) if str(text).strip()]
        entry = Entry(heading=_field(project, "name", base), subheading=_field(project, "description", base),
                      dates=_dates(project, base))
        items.append(_Item("projects", i, 0.0, entry, lines))
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


def _summary(profile: dict[str, Any], terms: list[JobTerm], today: date | None) -> list[Line]:
    """A targeted sentence composed only of profile facts — label, experience, the skills the job wants most
    that the profile states — then the profile's own summary, verbatim."""
    basics = profile.get("basics") or {}
    label = str(basics.get("label") or "").strip()
    paths: list[str] = []
    text = ""
    if label:
        text, paths = label, ["/basics/label"]
    work = [(i, job) for i, job in enumerate(profile.get("work") or []) if job.get("startDate")]
    if label and work:
        years = int(years_of_experience(profile, today=today)) if today is not None else 0
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
