"""Records for the outcomes tests: applications, reports, mails and ticks with readable defaults."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from streams.ids import derived_id
from streams.messages import (
    ApplicationStatus,
    ApplicationSubmitted,
    ApplicationUpdated,
    InboundMessage,
    OutcomeReport,
    OutcomeTick,
    PostingSummary,
    Preferences,
    ResponseKind,
    ResponseSource,
    UserProfile,
)

USER = "u1"
T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def application_id(job: str) -> str:
    return derived_id("application", USER, job)


def submitted(job: str, *, company: str = "Acme Robotics GmbH", title: str = "Data Engineer",
              at: datetime = T0, message_id: str | None = None, external_id: str | None = None,
              posted: datetime | None = T0 - timedelta(days=4), ats_score: float = 0.83) -> ApplicationSubmitted:
    posting = PostingSummary(source="GREENHOUSE", board_token="acme", source_job_id=job, title=title,
                             company=company, posted_at=posted)
    return ApplicationSubmitted(
        event_id=f"sub-{job}", user_id=USER, occurred_at=at, application_id=application_id(job),
        canonical_job_id=job, variant_id="skills_first-v2", channel="email", template="classic",
        message_id=message_id, external_id=external_id, posting=posting, ats_score=ats_score,
        seniority="Senior", segment="Senior",
    )


def mail(event_id: str, *, subject: str = "", body: str = "", in_reply_to: str = "",
         references: list[str] | None = None, from_address: str = "talent@example.net", from_name: str = "",
         received: datetime = T0 + timedelta(days=5)) -> OutcomeReport:
    message = InboundMessage(message_id=f"<{event_id}@mail>", in_reply_to=in_reply_to, references=references or [],
                             from_address=from_address, from_name=from_name, to_address="ada@example.org",
                             subject=subject, body_text=body, received_at=received)
    return OutcomeReport(event_id=event_id, user_id=USER, occurred_at=received, source=ResponseSource.INBOX,
                         message=message)


def user_report(event_id: str, job: str, kind: ResponseKind, *, on: date | None = None) -> OutcomeReport:
    return OutcomeReport(event_id=event_id, user_id=USER, occurred_at=T0 + timedelta(days=3),
                         source=ResponseSource.USER, application_id=application_id(job), kind=kind,
                         responded_on=on, note="told by phone")


def withdrawn(job: str, *, at: datetime = T0 + timedelta(days=2)) -> ApplicationUpdated:
    return ApplicationUpdated(event_id=f"wd-{job}", user_id=USER, occurred_at=at, application_id=application_id(job),
                              canonical_job_id=job, status=ApplicationStatus.WITHDRAWN, reason="found another job",
                              variant_id="skills_first-v2", channel="email")


def profile(days: int) -> UserProfile:
    return UserProfile(event_id=f"p-{days}", user_id=USER, occurred_at=T0, email="ada@example.org",
                       profile_version=1, profile_json="{}", preferences=Preferences(no_response_days=days))


def tick(at: datetime) -> OutcomeTick:
    return OutcomeTick(event_id=f"tick-{at.isoformat()}", user_id=USER, occurred_at=at)


REJECTION = ("Thank you for your interest in the Data Engineer role. After careful consideration, we have decided "
             "not to move forward with your application.")
INTERVIEW = "We would like to invite you to an interview with our engineering team next week."
ACK = "Thank you for applying! We have received your application and will review it."
