"""Applications and what happened to them: the review queue, submission, employers' responses, the end of a
workflow, and what the learner concluded from them.

One application per (user, canonical job): `application_id` is `derived_id("application", user_id,
canonical_job_id)`, so every stage, replay and redelivery names the same application the same way.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import Field

from streams.messages.common import Message, NonEmptyStr, UtcDatetime
from streams.messages.postings import PostingSummary

Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


# The submission channels an application can record (`Application.channel`, the submissions' `channel`).
CHANNELS = frozenset({"email", "greenhouse", "lever", "manual"})


class ApplicationStatus(StrEnum):
    """Where an application is. Terminal for submission: SUBMITTED, FAILED, DECLINED, SKIPPED, WITHDRAWN."""

    AWAITING_REVIEW = "AWAITING_REVIEW"  # REVIEW mode: in the user's queue until approved or rejected
    WAITING = "WAITING"  # approved (or AUTO) but over a limit: `reason` says which, `wait_until` until when
    SENDING = "SENDING"  # claimed in the ledger; the channel is being called
    AWAITING_MANUAL = "AWAITING_MANUAL"  # manual channel: the packet is ready, the user applies and marks it
    IN_DOUBT = "IN_DOUBT"  # claimed, no confirmation after a crash: reconciled or confirmed by the user
    SUBMITTED = "SUBMITTED"
    FAILED = "FAILED"  # the channel refused or kept failing: see application.failed
    DECLINED = "DECLINED"  # the user rejected it in review
    SKIPPED = "SKIPPED"  # submission mode OFF: prepared, never sent
    WITHDRAWN = "WITHDRAWN"  # the user withdrew it (before or after sending)


class VariantOption(Message):
    """One rendered variant an application may be sent with (from `resume.generated`)."""

    variant_id: NonEmptyStr
    template: str
    ats_score: Annotated[float, Field(ge=0.0, le=1.0)]
    artifact_uri: str
    sha256: Sha256
    resume_json_uri: str = ""


class PreparedAnswer(Message):
    """An answer to a usual application question, prepared from the profile (manual packet)."""

    question: NonEmptyStr
    answer: str
    source: str = ""  # the profile path the answer came from ("basics.email"), for the user to check


class ApplicationUpdated(Message):
    """The application's state after each change: the source of the review queue and the applications view.
    Carries everything the user needs to decide (variants, the learner's pick, the posting, the packet)."""

    avro_schema: ClassVar[str] = "application_updated"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    application_id: NonEmptyStr
    canonical_job_id: NonEmptyStr
    status: ApplicationStatus
    reason: str = ""  # why it is in this status, in a sentence the user reads
    channel: str | None = None  # "email", "greenhouse", "lever", "manual"
    variant_id: str | None = None  # chosen (approved or sent) variant
    recommended_variant_id: str | None = None  # the learner's pick
    variants: list[VariantOption] = []
    cover_letter_uri: str = ""
    cover_letter_sha256: str = ""
    posting: PostingSummary | None = None
    score: float | None = None  # the match score from job.analyzed
    matched_skills: list[str] = []
    missing_skills: list[str] = []
    seniority: str | None = None
    wait_until: UtcDatetime | None = None
    answers: list[PreparedAnswer] = []  # the manual channel's packet


class ApplicationCommandKind(StrEnum):
    APPROVE = "APPROVE"  # send (variant_id or the learner's pick)
    REJECT = "REJECT"  # do not send
    WITHDRAW = "WITHDRAW"  # the user withdrew (tracked; nothing is sent to the employer)
    MARK_APPLIED = "MARK_APPLIED"  # the user applied by hand (manual channel or outside resumeflow)
    CONFIRM_SENT = "CONFIRM_SENT"  # an IN_DOUBT application did reach the employer
    CONFIRM_NOT_SENT = "CONFIRM_NOT_SENT"  # an IN_DOUBT application did not: it may be sent again


class ApplicationCommand(Message):
    """A user's decision about one application, from the web client, the API or the CLI."""

    avro_schema: ClassVar[str] = "application_command"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    application_id: NonEmptyStr
    kind: ApplicationCommandKind
    variant_id: str | None = None
    note: str = ""


class ApplicationSubmitted(Message):
    """An application reached the employer (or the user marked it applied): at most one per user and job."""

    avro_schema: ClassVar[str] = "application_submitted"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    application_id: NonEmptyStr
    canonical_job_id: NonEmptyStr
    variant_id: NonEmptyStr
    channel: NonEmptyStr
    idempotency_key: str = ""  # the ledger's claim key, also sent to channels that take one
    template: str = ""
    resume_sha256: str = ""
    cover_letter_sha256: str = ""
    message_id: str | None = None  # the email's Message-ID: replies are linked by it
    external_id: str | None = None  # the ATS's own id for the application, where it returns one
    posting: PostingSummary | None = None
    ats_score: float | None = None
    seniority: str | None = None
    segment: str = ""  # the learner's segment the variant was chosen in (`streams.messages.learning.segment_of`)
    dry_run: bool = False  # recorded by the dry-run channel (RESUMEFLOW_SUBMISSION_DRY_RUN), not sent


class ApplicationFailed(Message):
    avro_schema: ClassVar[str] = "application_failed"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    application_id: NonEmptyStr
    canonical_job_id: NonEmptyStr
    channel: NonEmptyStr
    reason: NonEmptyStr
    attempts: Annotated[int, Field(ge=1)] = 1
    retryable: bool = False  # a user may approve it again (e.g. the channel was down for hours)


class ResponseKind(StrEnum):
    ACKNOWLEDGED = "ACKNOWLEDGED"
    REJECTED = "REJECTED"
    SCREEN = "SCREEN"  # a recruiter's screening call
    INTERVIEW = "INTERVIEW"
    OFFER = "OFFER"
    ACCEPTED = "ACCEPTED"  # the user accepted an offer
    WITHDRAWN = "WITHDRAWN"  # the user withdrew
    NO_RESPONSE = "NO_RESPONSE"  # nothing for the configured number of days
    OTHER = "OTHER"


class ResponseSource(StrEnum):
    USER = "USER"  # web client, API or CLI
    INBOX = "INBOX"  # a reply found in the user's mail (Maildir, mbox, IMAP)
    WEBHOOK = "WEBHOOK"  # an ATS notification
    TIMER = "TIMER"  # no response after the user's `no_response_days`


class InboundMessage(Message):
    """A mail (or ATS notification) as read, bounded: headers used for linking, text for classifying."""

    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = []
    from_address: str = ""
    to_address: str = ""
    from_name: str = ""  # the From header's display name ("Acme Talent Team"): names the company when the address
    # is an ATS's (no-reply@greenhouse.io)
    subject: str = ""
    body_text: Annotated[str, Field(max_length=20_000)] = ""
    received_at: UtcDatetime | None = None


class OutcomeReport(Message):
    """Something that may be an employer's answer, before it is linked to an application and classified: the
    user's own report (`kind` given), a mail from the inbox reader, or an ATS webhook (`message` given)."""

    avro_schema: ClassVar[str] = "outcome_report"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    source: ResponseSource
    application_id: str | None = None
    canonical_job_id: str | None = None
    kind: ResponseKind | None = None
    responded_on: date | None = None
    note: Annotated[str, Field(max_length=2000)] = ""
    message: InboundMessage | None = None
    external_id: str | None = None  # the ATS's own application id (a webhook's), matched to the submission's
    links_report_id: str | None = None  # the user's fix of an unlinked report: link that report to application_id


class ResponseReceived(Message):
    """An answer linked to an application and classified."""

    avro_schema: ClassVar[str] = "response_received"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    application_id: NonEmptyStr
    kind: ResponseKind
    detail: str = ""
    canonical_job_id: str = ""
    source: ResponseSource = ResponseSource.USER
    responded_on: date | None = None
    message_id: str | None = None
    classified_by: str = ""  # "user", "rules", "model:<name>", "webhook"
    confidence: float | None = None
    linked_by: str = ""  # "application_id", "in_reply_to", "references", "company_and_title"


class WorkflowOutcome(StrEnum):
    SKIPPED = "SKIPPED"
    NO_RESPONSE = "NO_RESPONSE"
    REJECTED = "REJECTED"
    INTERVIEW = "INTERVIEW"
    OFFER = "OFFER"
    ACCEPTED = "ACCEPTED"
    WITHDRAWN = "WITHDRAWN"


class OutcomeUnlinked(Message):
    """A report the outcomes processor could not link to any of the user's applications, so the user sees it and
    can fix it (`resumeflow outcomes link REPORT_ID APPLICATION_ID`). The report is kept in the user's cell: an
    application submitted (or delivered) later still links it, and then a `ResponseReceived` follows."""

    avro_schema: ClassVar[str] = "outcome_unlinked"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    report_id: NonEmptyStr  # the OutcomeReport's event_id
    source: ResponseSource
    reason: NonEmptyStr
    kind: ResponseKind | None = None  # what it was classified as, when it was
    subject: Annotated[str, Field(max_length=300)] = ""
    from_address: str = ""
    responded_on: date | None = None


class OutcomeTick(Message):
    """Time to look at one user's open applications (NO_RESPONSE after the user's days): the outcomes timer sends
    it to the user's own cell, whose partition must be processing a record to change the cell."""

    avro_schema: ClassVar[str] = "outcome_tick"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime


class TrackedApplication(Message):
    """One application in the outcomes cell: what was sent (or, for one withdrawn before its submission was seen,
    what the update said), its answers in order, and its completion once it has one."""

    application_id: NonEmptyStr
    canonical_job_id: NonEmptyStr
    submitted: ApplicationSubmitted | None = None
    withdrawn_on: date | None = None  # from application.updates (WITHDRAWN)
    responses: list[ResponseReceived] = []
    completed: WorkflowOutcome | None = None


class OutcomesUser(Message):
    """The outcomes processor's state for one user: applications, reports that link to none (yet), and the ids
    of the reports and ticks answered."""

    avro_schema: ClassVar[str] = "outcomes_user"
    user_id: NonEmptyStr
    no_response_days: Annotated[int, Field(ge=1, le=365)] = 30
    applications: list[TrackedApplication] = []
    unlinked: list[OutcomeReport] = []
    answered: list[str] = []


class WorkflowCompleted(Message):
    """An application reached a terminal state, with what the learner segments by."""

    avro_schema: ClassVar[str] = "workflow_completed"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    canonical_job_id: NonEmptyStr
    application_id: str | None = None
    variant_id: str | None = None
    outcome: WorkflowOutcome
    template: str = ""
    ats_score_band: str = ""  # `ats_score_band(score)`: "<0.5", "0.5-0.6", ... "0.9-1.0"
    board: str = ""  # "GREENHOUSE", "LEVER", "ASHBY", "FEED", "FILE"
    seniority: str = ""
    channel: str = ""
    segment: str = ""
    responded: bool = False  # any answer other than NO_RESPONSE
    interviewed: bool = False  # reached SCREEN or INTERVIEW (or further)
    offered: bool = False  # reached OFFER or ACCEPTED
    days_to_response: int | None = None  # from submission to the first answer
    days_posting_to_submission: int | None = None


def ats_score_band(score: float | None) -> str:
    """The ATS score's tenth ("0.7-0.8"), everything under 0.5 together; "" when unknown."""
    if score is None:
        return ""
    if score < 0.5:
        return "<0.5"
    low = min(int(score * 10), 9) / 10
    return f"{low:.1f}-{low + 0.1:.1f}"
