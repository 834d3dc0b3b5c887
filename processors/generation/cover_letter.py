"""A cover letter from a fixed template, under the same truthfulness rule as the resume.

Greeting, why this role (the job's title and company, cited as `job:` paths; the profile's label and the skills
it states that the job asks for), two or three strengths copied verbatim from the resume's most relevant
highlights, a closing and the profile's name. Nothing is phrased that `verify_cover_letter` cannot check.
"""

from __future__ import annotations

from typing import Any

from processors.generation.model import CoverLetter, Line, TailoredResume
from processors.generation.relevance import job_terms
from processors.generation.relevance import score as relevance_score
from streams.messages import JobRequirements

MAX_STRENGTHS = 3


def cover_letter(profile: dict[str, Any], job: JobRequirements, resume: TailoredResume) -> CoverLetter:
    basics = profile.get("basics") or {}
    company, title = job.company.strip(), job.title.strip()
    paragraphs = [
        Line.template(f"Dear {company} hiring team,", ["job:/company"]) if company
        else Line.template("Dear hiring team,"),
    ]

    role = f"the {title} role" if title else "this role"
    paths = ["job:/title"] if title else []
    if company:
        role += f" at {company}"
        paths.append("job:/company")
    why = f"I am writing to apply for {role}."
    summary = resume.section("summary")
    if summary and summary.entries and summary.entries[0].bullets:
        targeted = summary.entries[0].bullets[0]
        if targeted.transform == "template":
            why += f" In short: {targeted.text}"
            paths += [p for p in targeted.paths if p not in paths]
    paragraphs.append(Line.template(why, paths or None))

    strengths = _strengths(job, resume)
    if strengths:
        paragraphs.append(Line.template("A few things from my work that match what you are looking for:"))
        paragraphs += strengths

    closing = f"I would welcome the chance to talk about {role}. Thank you for your time."
    paragraphs.append(Line.template(closing, paths[:2] or None))
    paragraphs.append(Line.template("Kind regards,"))
    if str(basics.get("name") or "").strip():
        paragraphs.append(Line.verbatim(str(basics["name"]), "/basics/name"))
    return CoverLetter(paragraphs=paragraphs)


def _strengths(job: JobRequirements, resume: TailoredResume) -> list[Line]:
    """The resume's experience and project bullets that show the most job skills, verbatim."""
    terms = job_terms(job)
    bullets = [line for kind in ("experience", "projects") if (section := resume.section(kind))
               for line in section.lines() if "/highlights/" in line.paths[0] and line.transform == "verbatim"]
    ranked = sorted(enumerate(bullets), key=lambda pair: (-relevance_score(pair[1].text, terms), pair[0]))
    return [line for _, line in ranked[:MAX_STRENGTHS]]
