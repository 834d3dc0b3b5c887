"""Generation's output beyond the resume document — the ATS report, the cover letter, the verifier's findings —
and its ports' requests and results.

The resume document itself (`TailoredResume` and its lines with provenance) is a contract with the query API,
so it lives in `streams.messages.resume_document`; its names are imported here for generation's own code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
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
    """Render the verified variants and the cover letter, and store every artifact by content hash."""

    decision: JobAnalyzed
    prepared: Prepared


class StoredVariant(PortResult):
    variant_id: str
    template: str
    ats_score: float
    provenance_summary: str
    artifact_uri: str
    sha256: str
    resume_json_uri: str


class Rendered(PortResult):
    decision: JobAnalyzed
    variants: list[StoredVariant]


class RenderFailed(PortResult):
    decision: JobAnalyzed
    reason: str
