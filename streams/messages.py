"""The messages on the topics: frozen pydantic models that agree field for field with `schemas/*.avsc`.

`tests/unit/streams/test_messages_agree_with_schemas.py` proves the agreement, so a change to one without the
other fails fast. Enum values are the Avro symbols.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


def _require_utc(value: datetime) -> datetime:
    # Avro timestamp-millis has no zone; a naive datetime would be read back shifted.
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a time zone")
    return value.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_require_utc)]
# A Greenhouse/Lever/Ashby board or an imported file is named by a plain name: it goes into a URL path or a
# file name, so nothing that could climb out of either. (A FEED board's token is its URL instead.)
BOARD_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
NonEmptyStr = Annotated[str, Field(min_length=1)]


def new_event_id() -> str:
    return str(uuid.uuid4())


class Message(BaseModel):
    """A record on a topic. `avro_schema` names its `schemas/<name>.avsc` file."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    avro_schema: ClassVar[str]

    def to_avro(self) -> dict[str, Any]:
        return self.model_dump(mode="python")


class BoardSource(StrEnum):
    GREENHOUSE = "GREENHOUSE"
    LEVER = "LEVER"
    ASHBY = "ASHBY"
    FEED = "FEED"
    FILE = "FILE"


class RemotePreference(StrEnum):
    ANY = "ANY"
    REMOTE_ONLY = "REMOTE_ONLY"
    REMOTE_OR_HYBRID = "REMOTE_OR_HYBRID"
    ONSITE_ONLY = "ONSITE_ONLY"


class SubmissionMode(StrEnum):
    REVIEW = "REVIEW"
    AUTO = "AUTO"
    OFF = "OFF"


class BoardRef(Message):
    source: BoardSource
    token: NonEmptyStr


class SavedSearch(Message):
    name: NonEmptyStr
    keywords: list[str] = []
    locations: list[str] = []
    remote: RemotePreference = RemotePreference.ANY
    boards: list[BoardRef] = []
    companies: list[str] = []
    salary_floor: Annotated[int, Field(ge=0)] | None = None
    salary_currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    exclusions: list[str] = []


class Preferences(Message):
    avro_schema: ClassVar[str] = "preferences"
    saved_searches: list[SavedSearch] = []
    submission_mode: SubmissionMode = SubmissionMode.REVIEW
    daily_cap: Annotated[int, Field(ge=0, le=1000)] = 10


class UserCommandKind(StrEnum):
    REGISTER_USER = "REGISTER_USER"
    UPDATE_PROFILE = "UPDATE_PROFILE"
    UPDATE_PREFERENCES = "UPDATE_PREFERENCES"


class UserCommand(Message):
    """One flat record for every kind, so analysts read one schema; which fields a kind needs is checked by
    the profiles processor and reported back as a rejection, never as a crash."""

    avro_schema: ClassVar[str] = "user_command"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    kind: UserCommandKind
    email: str | None = None
    profile_json: str | None = None
    preferences: Preferences | None = None


class UserProfile(Message):
    avro_schema: ClassVar[str] = "user_profile"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    email: NonEmptyStr
    profile_version: Annotated[int, Field(ge=1)]
    profile_json: str
    preferences: Preferences


class ProfileRejected(Message):
    avro_schema: ClassVar[str] = "profile_rejected"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    command_id: NonEmptyStr
    command_kind: UserCommandKind
    reasons: Annotated[list[str], Field(min_length=1)]


class UserCell(Message):
    avro_schema: ClassVar[str] = "user_cell"
    user_id: NonEmptyStr
    email: NonEmptyStr
    profile_version: Annotated[int, Field(ge=1)]
    profile_json: str
    preferences: Preferences
    created_at: UtcDatetime
    updated_at: UtcDatetime
    applied_command_ids: list[str] = []


class DeadLetter(Message):
    avro_schema: ClassVar[str] = "dead_letter"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    processor: str
    source_topic: str
    source_partition: int
    source_offset: int
    error_type: str
    error: str
    key: bytes | None = None
    value: bytes | None = None


class PostingStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class Workplace(StrEnum):
    REMOTE = "REMOTE"
    HYBRID = "HYBRID"
    ONSITE = "ONSITE"
    UNKNOWN = "UNKNOWN"


class JobPosting(Message):
    avro_schema: ClassVar[str] = "job_posting"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    canonical_job_id: NonEmptyStr
    source: BoardSource
    board_token: str
    source_job_id: str
    status: PostingStatus = PostingStatus.OPEN
    title: str
    company: str
    locations: list[str] = []
    workplace: Workplace = Workplace.UNKNOWN
    employment_type: str | None = None
    salary_min: int | None = None
    salary_max: int | None = None
    salary_currency: str | None = None
    posted_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    url: str
    apply_url: str | None = None
    description_text: str
    description_html: str | None = None
    content_hash: str


class JobDiscovered(Message):
    avro_schema: ClassVar[str] = "job_discovered"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    canonical_job_id: NonEmptyStr
    search_name: str
    title: str
    company: str
    match_reasons: list[str] = []


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


class ApplicationSubmitted(Message):
    avro_schema: ClassVar[str] = "application_submitted"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    application_id: NonEmptyStr
    canonical_job_id: NonEmptyStr
    variant_id: NonEmptyStr
    channel: NonEmptyStr


class ResponseKind(StrEnum):
    ACKNOWLEDGED = "ACKNOWLEDGED"
    REJECTED = "REJECTED"
    INTERVIEW = "INTERVIEW"
    OFFER = "OFFER"
    OTHER = "OTHER"


class ResponseReceived(Message):
    avro_schema: ClassVar[str] = "response_received"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    application_id: NonEmptyStr
    kind: ResponseKind
    detail: str = ""


class WorkflowOutcome(StrEnum):
    SKIPPED = "SKIPPED"
    NO_RESPONSE = "NO_RESPONSE"
    REJECTED = "REJECTED"
    INTERVIEW = "INTERVIEW"
    OFFER = "OFFER"


class WorkflowCompleted(Message):
    avro_schema: ClassVar[str] = "workflow_completed"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    canonical_job_id: NonEmptyStr
    application_id: str | None = None
    variant_id: str | None = None
    outcome: WorkflowOutcome


class BoardSubscription(Message):
    avro_schema: ClassVar[str] = "board_subscription"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    board_key: NonEmptyStr
    board: BoardRef
    user_id: NonEmptyStr
    profile_version: int
    searches: list[SavedSearch] = []


class BoardFollower(Message):
    user_id: NonEmptyStr
    profile_version: int
    searches: list[SavedSearch]
    matched_version: int = 0


class KnownPosting(Message):
    content_hash: str
    source_job_id: str
    title: str
    company: str
    url: str


class BoardCell(Message):
    avro_schema: ClassVar[str] = "board_cell"
    board_key: NonEmptyStr
    board: BoardRef
    followers: list[BoardFollower] = []
    postings: dict[str, KnownPosting] = {}
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: UtcDatetime | None = None
    consecutive_failures: int = 0


class FollowedBoards(Message):
    avro_schema: ClassVar[str] = "followed_boards"
    user_id: NonEmptyStr
    profile_version: int
    board_keys: list[str] = []


class PollRequested(Message):
    avro_schema: ClassVar[str] = "poll_requested"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    board_key: NonEmptyStr
    force: bool = False


class SourceFailed(Message):
    avro_schema: ClassVar[str] = "source_failed"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    board_key: NonEmptyStr
    board: BoardRef
    error_kind: str
    error: str
    attempts: int
    consecutive_failures: int


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


class AnalysisUser(Message):
    avro_schema: ClassVar[str] = "analysis_user"
    user_id: NonEmptyStr
    profile_version: int
    terms: list[str] = []
    years_of_experience: float = 0.0
    embedding: list[float] = []
    proceeding: dict[str, str] = {}


class BudgetCrossed(Message):
    avro_schema: ClassVar[str] = "budget_crossed"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    scope: str
    scope_id: str
    budget_usd: float
    spent_usd: float
    day: str


class GenerationUser(Message):
    avro_schema: ClassVar[str] = "generation_user"
    user_id: NonEmptyStr
    profile_version: int
    profile_json: str


def utc_now() -> datetime:
    return datetime.now(UTC)
