"""From a profile and an analyzed job to rendered, verified variants: the one path both `resumeflow render`
and the generation processor take. Pure but for the rendering, which is CPU work (Typst); no I/O."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from processors.generation.ats import ats_report
from processors.generation.cover_letter import cover_letter
from processors.generation.errors import GenerationError
from processors.generation.facts import profile_text
from processors.generation.model import AtsReport, CoverLetter, TailoredResume
from processors.generation.render_text import render_html, render_markdown
from processors.generation.render_typst import render_cover_letter_pdf, render_pdf
from processors.generation.tailoring import tailor_variants
from processors.generation.truthfulness import fallback_to_profile_words, verify, verify_cover_letter
from streams.messages import JobRequirements

# Two templates across the three variants, so learning can also tell templates apart.
TEMPLATE_FOR: dict[str, Literal["classic", "compact"]] = {
    "skills_first": "classic", "experience_first": "compact", "projects_first": "classic",
}


@dataclass(frozen=True)
class RenderedVariant:
    resume: TailoredResume
    template: Literal["classic", "compact"]
    ats: AtsReport
    pdf: bytes
    html: str
    markdown: str

    @property
    def provenance_summary(self) -> str:
        """How each line came from the profile, e.g. `31 lines: 24 verbatim, 5 selected, 2 template`."""
        counts = Counter(line.transform for line in self.resume.lines())
        return f"{sum(counts.values())} lines: " + ", ".join(f"{n} {kind}" for kind, n in counts.most_common())


@dataclass(frozen=True)
class Generated:
    variants: list[RenderedVariant]
    letter: CoverLetter
    letter_pdf: bytes


def truthful(profile: dict[str, Any], resume: TailoredResume, job: JobRequirements, today: date) -> TailoredResume:
    """`resume` if the profile supports every line; else with rejected lines put back in the profile's own words.
    What still fails is an error of ours: nothing untruthful is ever rendered."""
    violations = verify(profile, resume, job=job, today=today)
    if not violations:
        return resume
    repaired = fallback_to_profile_words(profile, resume, violations)
    remaining = verify(profile, repaired, job=job, today=today)
    if remaining:
        raise GenerationError(f"{len(remaining)} lines stay unsupported by the profile: {remaining[0].reason}")
    return repaired


def generate(profile: dict[str, Any], job: JobRequirements, *, job_text: str = "", pages: Literal[1, 2] = 1,
             today: date, resumes: list[TailoredResume] | None = None) -> Generated:
    """Verify, score and render the variants: `resumes` when given (e.g. rephrased by an LLM), else the
    deterministic tailoring's."""
    before = profile_text(profile)
    variants = []
    tailored = resumes or tailor_variants(profile, job, pages=pages, job_text=job_text, today=today)
    for resume in tailored:
        resume = truthful(profile, resume, job, today)
        template = TEMPLATE_FOR[resume.strategy]
        variants.append(RenderedVariant(
            resume=resume, template=template, ats=ats_report(job, before, resume.plain_text()),
            pdf=render_pdf(resume, template=template), html=render_html(resume, template=template),
            markdown=render_markdown(resume),
        ))
    best = max(variants, key=lambda v: v.ats.after.score).resume
    letter = cover_letter(profile, job, best)
    if violations := verify_cover_letter(profile, letter, job, today=today):
        raise GenerationError(f"the cover letter is not supported by the profile: {violations[0].reason}")
    return Generated(variants, letter, render_cover_letter_pdf(letter, name=best.name, contact=best.contact))
