"""Generation: rendered resume variants and the generation cell."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from streams.messages.analysis import JobAnalyzed
from streams.messages.common import Message, NonEmptyStr, UtcDatetime


class ResumeGenerated(Message):
    avro_schema: ClassVar[str] = "resume_generated"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    canonical_job_id: NonEmptyStr
    variant_id: NonEmptyStr
    template: str
    artifact_uri: str
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    ats_score: Annotated[float, Field(ge=0.0, le=1.0)]
    provenance_summary: str = ""
    resume_json_uri: str = ""
    # The render report in sentences: employers shortened to a heading line or left out to fit the pages, lines
    # left out, characters no font could draw (the user sees them; nothing is cut silently).
    render_notes: list[str] = []
    # The decision (`job.analyzed` event id) these variants answer and how many variants it has: a consumer
    # knows every variant of a decision has arrived when it holds `variants_total` with the same `decision_id`.
    decision_id: str = ""
    variants_total: Annotated[int, Field(ge=0)] = 0
    cover_letter_uri: str = ""
    cover_letter_sha256: str = ""


class GenerationUser(Message):
    avro_schema: ClassVar[str] = "generation_user"
    user_id: NonEmptyStr
    profile_version: int = 0
    profile_json: str = ""
    pending: list[JobAnalyzed] = []
    generated: dict[str, str] = {}
    answered: list[str] = []


class ResumeFailed(Message):
    avro_schema: ClassVar[str] = "resume_failed"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    canonical_job_id: NonEmptyStr
    stage: str
    reason: str
