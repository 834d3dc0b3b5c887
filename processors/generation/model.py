"""Generation's output beyond the resume document — the ATS report, the cover letter, the verifier's findings —
and its ports' requests and results.

The resume document itself (`TailoredResume` and its lines with provenance) is a contract with the query API,
so it lives in `streams.messages.resume_document`; its names are imported here for generation's own code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from streams.messages import BudgetCrossed, JobAnalyzed
from streams.messages.resume_document import (
    JOB_PATH_PREFIX,
    STRATEGIES,
    Entry,
    Line,
    Provenance,
    ResumeSection,
    SectionKind,
    Strategy,
    TailoredResume,
    Transform,
)
from streams.processor import PortRequest, PortResult

__all__ = [
    "JOB_PATH_PREFIX",
    "STRATEGIES",
    "AtsReport",
    "AtsScore",
    "CoverLetter",
    "Entry",
    "Line",
    "Prepared",
    "PreparedVariant",
    "Provenance",
    "RenderFailed",
    "RenderReport",
    "RenderResumes",
    "Rendered",
    "Rephrase",
    "Rephrased",
    "ResumeSection",
    "SectionKind",
    "StoredVariant",
    "Strategy",
    "TailoredResume",
    "Template",
    "Transform",
    "Violation",
]


Template = Literal["classic", "compact"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AtsScore(_Model):
    score: Annotated[float, Field(ge=0.0, le=1.0)]
    required_found: list[str] = []
    required_missing: list[str] = []
    preferred_found: list[str] = []
    preferred_missing: list[str] = []


class AtsReport(_Model):
    before: AtsScore
    after: AtsScore


class CoverLetter(_Model):
    paragraphs: list[Line]

    def lines(self) -> Iterator[Line]:
        yield from self.paragraphs

    def plain_text(self) -> str:
        return "\n\n".join(line.text for line in self.paragraphs)


class Violation(_Model):
    """A line `verify` rejects, and why (for the user and for `fallback_to_profile_words`)."""

    line_text: str
    reason: str


class RenderReport(_Model):
    """What rendering could not do as the tailoring wrote it, for the user: nothing is cut or boxed silently.

    - `pages`, `fill`: the pages the PDF has and how much of the last page's content height it uses;
    - `shortened`: employers shown as their heading line only (position, employer, dates) to fit the pages;
    - `left_out_employers`: employers not even a heading line of which fit (only when the rest is already cut);
    - `left_out`: other parts left out to fit, one sentence each;
    - `summary`: how the summary changed, when it did (years counted over the employers shown);
    - `undrawable`: characters no packaged font draws (kept in the text, drawn as a box), with where;
    - `dropped_emoji`: emoji no font draws, left out of the PDF (kept in HTML and Markdown), with where.
    """

    pages: int = 1
    fill: Annotated[float, Field(ge=0.0)] = 0.0
    shortened: list[str] = []
    left_out_employers: list[str] = []
    left_out: list[str] = []
    summary: str | None = None
    undrawable: list[str] = []
    dropped_emoji: list[str] = []

    def notes(self) -> list[str]:
        """The report as sentences (what `ResumeGenerated.render_notes` carries)."""
        pages = "one page" if self.pages == 1 else f"{self.pages} pages"
        notes = [f"{employer}: shortened to its heading line to fit {pages}" for employer in self.shortened]
        notes += [f"{employer}: left out, not even its heading line fits {pages}"
                  for employer in self.left_out_employers]
        notes += [f"left out to fit {pages}: {part}" for part in self.left_out]
        notes += [self.summary] if self.summary else []
        notes += [f"cannot be drawn by the fonts, shown as a box: {what}" for what in self.undrawable]
        notes += [f"emoji no font draws, left out of the PDF (kept in HTML and Markdown): {what}"
                  for what in self.dropped_emoji]
        return notes


class PreparedVariant(_Model):
    """A verified variant, ready to render: every line supported by the profile."""

    resume: TailoredResume
    template: Template
    ats: AtsReport

    @property
    def provenance_summary(self) -> str:
        """How each line came from the profile, e.g. `31 lines: 24 verbatim, 5 selected, 2 template`."""
        counts = Counter(line.transform for line in self.resume.lines())
        return f"{sum(counts.values())} lines: " + ", ".join(f"{n} {kind}" for kind, n in counts.most_common())


class Prepared(_Model):
    variants: list[PreparedVariant]
    letter: CoverLetter

    @property
    def best(self) -> TailoredResume:
        """The variant with the best ATS score: the cover letter is written from it."""
        return max(self.variants, key=lambda v: v.ats.after.score).resume


# --- the ports' requests and results ----------------------------------------------------------------------------


class Rephrase(PortRequest):
    """Have the LLM rephrase the variants' bullets for the job (the resumes come back unchanged without one)."""

    decision: JobAnalyzed
    resumes: list[TailoredResume]


class Rephrased(PortResult):
    decision: JobAnalyzed
    resumes: list[TailoredResume]
    budget_events: tuple[BudgetCrossed, ...] = ()


class RenderResumes(PortRequest):
    """Fit the verified variants to their pages, render them and the cover letter, and store every artifact by
    content hash. The profile lets fitting keep the summary true to the employers shown and check the result."""

    decision: JobAnalyzed
    prepared: Prepared
    profile_json: str = ""
    today: date | None = None


class StoredVariant(PortResult):
    variant_id: str
    template: str
    ats_score: float
    provenance_summary: str
    artifact_uri: str
    sha256: str
    resume_json_uri: str
    render_notes: list[str] = Field(default_factory=list)


class Rendered(PortResult):
    decision: JobAnalyzed
    variants: list[StoredVariant]
    cover_letter_uri: str = ""
    cover_letter_sha256: str = ""


class RenderFailed(PortResult):
    decision: JobAnalyzed
    reason: str
