"""Analysis: a posting's requirements in JSON Resume's job-schema shape, its analysis, a user's match with it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from streams.messages.common import Message, NonEmptyStr, UtcDatetime
from streams.messages.postings import PostingSummary


class Seniority(StrEnum):
    INTERN = "Intern"
    JUNIOR = "Junior"
    MID = "Mid-level"
    SENIOR = "Senior"
    LEAD = "Lead"
    PRINCIPAL = "Principal"


class RemoteLevel(StrEnum):
    """job-schema.json's `remote` values."""

    FULL = "Full"
    HYBRID = "Hybrid"
    NONE = "None"


class Experience(Message):
    years_min: Annotated[int, Field(ge=0, le=50)] | None = None
    years_max: Annotated[int, Field(ge=0, le=50)] | None = None
    level: Seniority | None = None


class Salary(Message):
    minimum: int | None = None
    maximum: int | None = None
    currency: str | None = None


class RequiredSkill(Message):
    """A skill the posting asks for. `name` is the canonical label (ESCO or the vocabulary's), `keywords` the
    words found in the text; `required` is False for "nice to have"."""

    name: Annotated[str, Field(min_length=1, max_length=120)]
    level: str | None = None
    keywords: list[Annotated[str, Field(max_length=120)]] = []
    required: bool = True


class JobRequirements(Message):
    """JSON Resume job-schema.json's fields (title, company, type, remote, location, salary, experience,
    responsibilities, qualifications, skills), with experience and salary structured."""

    title: str
    company: str
    type: str | None = None
    remote: RemoteLevel | None = None
    location: str | None = None
    salary: Salary | None = None
    experience: Experience = Experience()
    degree: str | None = None
    responsibilities: list[Annotated[str, Field(max_length=500)]] = []
    qualifications: list[Annotated[str, Field(max_length=500)]] = []
    skills: list[RequiredSkill] = []


class JobAnalysis(Message):
    avro_schema: ClassVar[str] = "job_analysis"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    canonical_job_id: NonEmptyStr
    content_hash: str
    extractor: str
    requirements: JobRequirements
    duplicate_of: str | None = None
    same_role_as: list[str] = []
    dedup_evidence: list[str] = []
    embedding: list[float] = []
    posting: PostingSummary | None = None  # where the posting is and how to apply, for the stages after analysis


class MatchDecision(StrEnum):
    PROCEED = "PROCEED"
    SKIP = "SKIP"


class JobAnalyzed(Message):
    avro_schema: ClassVar[str] = "job_analyzed"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    canonical_job_id: NonEmptyStr
    score: Annotated[float, Field(ge=0.0, le=1.0)]
    matched_skills: list[str] = []
    missing_skills: list[str] = []
    duplicate_of: str | None = None
    decision: MatchDecision
    reasons: list[str] = []
    requirements: JobRequirements | None = None
    posting: PostingSummary | None = None


class PendingMatch(Message):
    analysis: JobAnalysis | None = None
    failure: str | None = None
    posting_at: UtcDatetime | None = None
    profile_version: int = 0
    asked_at: UtcDatetime | None = None  # the discovery's time: dates the decision with the analysis's


class DecidedMatch(Message):
    content_hash: str
    profile_version: int
    posting_at: UtcDatetime | None = None


class AnalysisUser(Message):
    avro_schema: ClassVar[str] = "analysis_user"
    user_id: NonEmptyStr
    profile_version: int = 0
    terms: list[str] = []
    evidence: dict[str, str] = {}
    years_of_experience: float = 0.0
    embedding: list[float] = []
    proceeding: dict[str, str] = {}
    pending: dict[str, PendingMatch] = {}
    decided: dict[str, DecidedMatch] = {}


class AnalysisJob(Message):
    avro_schema: ClassVar[str] = "analysis_job"
    canonical_job_id: NonEmptyStr
    content_hash: str | None = None
    posting_at: UtcDatetime | None = None
    analysis: JobAnalysis | None = None
    failure: str | None = None
    subscribers: list[str] = []
    requested: dict[str, int] = {}


class AnalysisRequested(Message):
    avro_schema: ClassVar[str] = "analysis_requested"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    canonical_job_id: NonEmptyStr
    user_id: NonEmptyStr
    profile_version: int = 0


class AnalysisDelivered(Message):
    avro_schema: ClassVar[str] = "analysis_delivered"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    user_id: NonEmptyStr
    canonical_job_id: NonEmptyStr
    analysis: JobAnalysis | None = None
    failure: str | None = None
    posting_at: UtcDatetime | None = None
    for_version: int = 0


class AnalysisFailed(Message):
    avro_schema: ClassVar[str] = "analysis_failed"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    canonical_job_id: NonEmptyStr
    content_hash: str
    reason: str
