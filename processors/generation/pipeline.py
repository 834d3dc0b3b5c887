"""From a profile and an analyzed job to verified variants (`prepare`, pure) and their renderings (`render`, CPU
work in Typst): the one path both `resumeflow render` and the generation processor take, in two halves so the
processor's `step` decides and its render port only lays out what was decided.

`render` lays each variant out on its pages (`fitting.fit`: compile, measure, keep what fits, never an employer
dropped silently), then scores what is shown for the ATS and renders it. Its `RenderReport` lists what was
shortened or left out and any character the fonts cannot draw."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from processors.generation.ats import ats_report, ats_score
from processors.generation.cover_letter import cover_letter
from processors.generation.errors import GenerationError
from processors.generation.facts import profile_text
from processors.generation.fitting import fit
from processors.generation.fonts import Undrawable, undrawable
from processors.generation.model import (
    AtsReport,
    CoverLetter,
    Line,
    Prepared,
    PreparedVariant,
    RenderReport,
    TailoredResume,
    Template,
)
from processors.generation.render_text import render_html, render_markdown
from processors.generation.render_typst import Paper, render_cover_letter_pdf, render_pdf
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
    report: RenderReport


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


def render(prepared: Prepared, *, job: JobRequirements, job_text: str = "", profile: dict[str, Any] | None = None,
           today: date | None = None, paper: Paper = "us-letter") -> Generated:
    """Fit every prepared variant to its pages, score what it shows, and lay it out (PDF, HTML, Markdown), and the
    cover letter. CPU work; what is left out is decided by the measured layout and reported, never silently.
    With `profile`, a fitted variant is checked against it once more, and a summary whose employers had to be
    left out is written again over those shown."""
    rendered = []
    for variant in prepared.variants:
        drop = _emoji_to_drop(variant.resume.lines())
        fitted = fit(variant.resume, template=variant.template, job=job, job_text=job_text, paper=paper, drop=drop,
                     profile=profile, today=today)
        resume = fitted.resume
        if profile is not None and (violations := verify(profile, resume, job=job, today=today)):
            raise GenerationError(f"a fitted line is not supported by the profile: {violations[0].reason}")
        report = fitted.report.model_copy(update=_glyph_report(undrawable(_texts(resume.lines()))))
        ats = AtsReport(before=variant.ats.before, after=ats_score(job, resume.plain_text()))
        rendered.append(RenderedVariant(
            resume=resume, template=variant.template, ats=ats,
            pdf=render_pdf(resume, template=variant.template, paper=paper, drop=drop),
            html=render_html(resume, template=variant.template), markdown=render_markdown(resume),
            provenance_summary=PreparedVariant(resume=resume, template=variant.template, ats=ats).provenance_summary,
            report=report))
    best = max(rendered, key=lambda v: v.ats.after.score).resume
    drop = _emoji_to_drop(prepared.letter.lines())
    return Generated(rendered, prepared.letter,
                     render_cover_letter_pdf(prepared.letter, name=best.name, contact=best.contact, paper=paper,
                                             drop=drop))


def _texts(lines: Iterable[Line]) -> list[tuple[str, str]]:
    return [(line.paths[0] if line.paths else "", line.text) for line in lines]


def _emoji_to_drop(lines: Iterable[Line]) -> frozenset[str]:
    return frozenset(found.char for found in undrawable(_texts(lines)) if found.emoji)


def _glyph_report(found: list[Undrawable]) -> dict[str, list[str]]:
    return {"undrawable": [item.describe() for item in found if not item.emoji],
            "dropped_emoji": [item.describe() for item in found if item.emoji]}
