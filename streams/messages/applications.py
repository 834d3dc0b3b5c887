"""Applications and what happened to them: submission, employers' responses, the end of a workflow."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from streams.messages.common import Message, NonEmptyStr, UtcDatetime


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
