"""How much a piece of profile text speaks to a job: the weighted job skills it shows.

A job's skills are read into `JobTerm`s once: the canonical vocabulary names of the skill's name and keywords
(so "Postgres" in a profile meets "PostgreSQL" in a posting) plus the raw forms for a stemmed phrase search
(for skills outside the vocabulary, "Experimentation"). A required skill weighs 1, a nice-to-have 0.5, and a
vocabulary term that only the posting's free text names 0.25.

A competence the job names and a line shows in other words counts too (`textkit/skill_concepts`: a line
"Presented quarterly results to clients" shows the job's "stakeholder communication"), so tailoring keeps the
line that proves it. The ATS score does not take that route: an ATS matches keywords (`ats.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from processors.generation.facts import contains_phrase, skill_terms, stems
from streams.messages import JobRequirements
from textkit.skill_concepts import concept_of, concepts_in

REQUIRED_WEIGHT, PREFERRED_WEIGHT, TEXT_ONLY_WEIGHT = 1.0, 0.5, 0.25


@dataclass(frozen=True, slots=True)
class JobTerm:
    label: str  # as the job names it, for reports
    names: frozenset[str]  # canonical vocabulary names, casefolded
    forms: tuple[str, ...]  # name and keywords as written
    weight: float
    required: bool
    concepts: frozenset[str] = frozenset()  # competences the skill names (`skill_concepts`)

    def found_in(self, found_names: set[str], text_stems: list[str], text_concepts: frozenset[str] = frozenset()
                 ) -> bool:
        """Named (canonical name or a keyword as a phrase), or, given the text's concepts, shown in other words."""
        return (bool(self.names & found_names) or any(contains_phrase(text_stems, form) for form in self.forms)
                or bool(self.concepts & text_concepts))


def job_terms(job: JobRequirements, job_text: str = "") -> list[JobTerm]:
    terms: list[JobTerm] = []
    seen: set[str] = set()
    for skill in job.skills:
        forms = tuple(f for f in dict.fromkeys([skill.name, *skill.keywords]) if f.strip())
        names = {skill.name.casefold()}
        for form in forms:
            names |= skill_terms(form)
        if skill.name.casefold() in seen:
            continue
        seen |= names
        concepts = frozenset(c for c in (concept_of(form) for form in forms) if c is not None)
        terms.append(JobTerm(skill.name, frozenset(names), forms,
                             REQUIRED_WEIGHT if skill.required else PREFERRED_WEIGHT, skill.required, concepts))
    for name in sorted(skill_terms(job_text) - seen):
        terms.append(JobTerm(name, frozenset({name}), (name,), TEXT_ONLY_WEIGHT, False))
    return terms


def evidence(text: str, terms: list[JobTerm]) -> list[JobTerm]:
    """The job terms `text` shows, by name or in other words."""
    found, text_stems = skill_terms(text), stems(text)
    text_concepts = frozenset(c.concept for c in concepts_in(text)) if any(t.concepts for t in terms) else frozenset()
    return [term for term in terms if term.found_in(found, text_stems, text_concepts)]


def score(text: str, terms: list[JobTerm]) -> float:
    return sum(term.weight for term in evidence(text, terms))
