"""An explainable ATS-style keyword score: which of the job's skills a text shows, and which it lacks.

A skill counts as found when the text names it under any name the vocabulary maps to the same canonical skill
("Postgres" for "PostgreSQL"), or when its name or a keyword occurs as a phrase after a crude stemming ("REST
API" in "REST APIs"). Score = weighted share found, a required skill weighing 1 and a nice-to-have 0.5; a job
that names no skills scores 1 (nothing is missing).
"""

from __future__ import annotations

from processors.generation.facts import skill_terms, stems
from processors.generation.model import AtsReport, AtsScore
from processors.generation.relevance import job_terms
from streams.messages import JobRequirements


def ats_score(job: JobRequirements, resume_text: str) -> AtsScore:
    terms = job_terms(job)
    found_names, text_stems = skill_terms(resume_text), stems(resume_text)
    lists: dict[tuple[bool, bool], list[str]] = {(r, f): [] for r in (True, False) for f in (True, False)}
    have = total = 0.0
    for term in terms:
        found = term.found_in(found_names, text_stems)
        lists[(term.required, found)].append(term.label)
        total += term.weight
        have += term.weight if found else 0.0
    return AtsScore(
        score=round(have / total, 4) if total else 1.0,
        required_found=lists[(True, True)], required_missing=lists[(True, False)],
        preferred_found=lists[(False, True)], preferred_missing=lists[(False, False)],
    )


def ats_report(job: JobRequirements, profile_text_before: str, resume_text_after: str) -> AtsReport:
    """Before: the untailored profile's text (`facts.profile_text`); after: the tailored resume's
    (`TailoredResume.plain_text()`). Tailoring can only select profile text, so "after" can at best keep every
    keyword "before" shows; the report proves none was lost to the page budget, and lists what is missing."""
    return AtsReport(before=ats_score(job, profile_text_before), after=ats_score(job, resume_text_after))
