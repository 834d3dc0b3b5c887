"""From a profile and an analyzed job to verified variants (`prepare`, pure) and their renderings (`render`, CPU
work in Typst): the one path both `resumeflow render` and the generation processor take, in two halves so the
processor's `step` decides and its render port only lays out what was decided."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from processors.generation.ats import ats_report
from processors.generation.cover_letter import cover_letter
from processors.generation.errors import GenerationError
from processors.generation.facts import profile_text
from processors.generation.model import AtsReport, CoverLetter, Prepared, PreparedVariant, TailoredResume, Template
from processors.generation.render_text import render_html, render_markdown
from processors.generation.render_typst import render_cover_letter_pdf, render_pdf
from processors.generation.tailoring import tailor_variants
from processors.generation.truthfulness import fallback_to_profile_words, verify, verify_cover_letter
from streams.messages import JobRequirements

# Two templates across the three variants, so learning can also tell templates apart.
TEMPLATE_FOR: dict[str, Template] = {
    "skills_first": "classic", "experience_first": "compact", "projects_first": "classic",
}


@dataclass(frozen=True)
class RenderedVariant:
    resume: TailoredResume
    template: Template
    ats: AtsReport
    pdf: bytes
    html: str
    markdown: str
    provenance_summary: str


@dataclass(frozen=True)
class Generated:
    variants: list[RenderedVariant]
    letter: CoverLetter
    letter_pdf: bytes


def truthful(profile: dict[str, Any], resume: TailoredResume, job: JobRequirements, today: date) -> TailoredResume:
    """`resume` if the profile supports every line; else with rejected lines put back in the profile's own words.
    What still fails raises `GenerationError`: nothing untruthful is ever rendered."""
    violations = verify(profile, resume, job=job, today=today)
    if not violations:
        return resume
    repaired = fallback_to_profile_words(profile, resume, violations)
    remaining = verify(profile, repaired, job=job, today=today)
    if remaining:
        raise GenerationError(f"{len(remaining)} lines stay unsupported by the profile: {remaining[0].reason}")
    return repaired


def prepare(profile: dict[str, Any], job: JobRequirements, *, today: date, job_text: str = "",
            pages: Literal[1, 2] = 1, resumes: list[TailoredResume] | None = None) -> Prepared:
    """Verify and score the variants — `resumes` when given (e.g. rephrased by an LLM), else the deterministic
    tailoring's — and write the cover letter from the best. Pure; raises `GenerationError` when a variant or the
    letter stays unsupported by the profile."""
    before = profile_text(profile)
    variants = []
    for resume in resumes or tailor_variants(profile, job, pages=pages, job_text=job_text, today=today):
        resume = truthful(profile, resume, job, today)
        variants.append(PreparedVariant(resume=resume, template=TEMPLATE_FOR[resume.strategy],
                                        ats=ats_report(job, before, resume.plain_text())))
    best = max(variants, key=lambda v: v.ats.after.score).resume
    prepared = Prepared(variants=variants, letter=cover_letter(profile, job, best))
    if violations := verify_cover_letter(profile, prepared.letter, job, today=today):
        raise GenerationError(f"the cover letter is not supported by the profile: {violations[0].reason}")
    return prepared


def render(prepared: Prepared) -> Generated:
    """Lay out every prepared variant (PDF, HTML, Markdown) and the cover letter. CPU work; no decisions."""
    rendered = [RenderedVariant(resume=v.resume, template=v.template, ats=v.ats,
                                pdf=render_pdf(v.resume, template=v.template),
                                html=render_html(v.resume, template=v.template),
                                markdown=render_markdown(v.resume), provenance_summary=v.provenance_summary)
                for v in prepared.variants]
    best = prepared.best
    return Generated(rendered, prepared.letter,
                     render_cover_letter_pdf(prepared.letter, name=best.name, contact=best.contact))
