"""Records for submission's unit tests, and a fake world for its ports: a ledger with the real one's rules (a
claim is won only over no row or a released one), a channel that records what it sent, a mailbox of BCC copies.

The fake ports stand in for PostgreSQL and SMTP only in these pure tests of `step`; the integration tests run the
real ones."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from processors.submission.model import (
    ClaimResolved,
    InDoubt,
    Reconcile,
    Reconciled,
    ResolveClaim,
    SendApplication,
    SendFailed,
    Sent,
)
from streams.ids import derived_id, user_id_for_email
from streams.messages import (
    ApplicationCommand,
    ApplicationCommandKind,
    Experience,
    JobAnalyzed,
    JobRequirements,
    MatchDecision,
    PostingSummary,
    Preferences,
    ResumeGenerated,
    SubmissionMode,
    UserProfile,
)
from streams.processor import PortRequest, PortResult

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
EMAIL = "ada@example.org"
USER = user_id_for_email(EMAIL)
PROFILE = {"basics": {"name": "Ada Park", "email": EMAIL, "phone": "+351 900 000 000",
                      "location": {"city": "Lisbon", "countryCode": "PT"},
                      "profiles": [{"network": "LinkedIn", "url": "https://linkedin.com/in/ada"}]},
           "work": [{"name": "Acme", "position": "Engineer", "startDate": "2019-01"}],
           "education": [{"institution": "IST", "studyType": "MSc", "area": "Computer Science"}]}


def profile(mode: SubmissionMode = SubmissionMode.AUTO, *, version: int = 1, daily_cap: int = 10,
            company_cap: int = 0, company_cap_days: int = 30) -> UserProfile:
    prefs = Preferences(submission_mode=mode, daily_cap=daily_cap, company_cap=company_cap,
                        company_cap_days=company_cap_days)
    return UserProfile(event_id=f"profile-{version}", user_id=USER, occurred_at=NOW, email=EMAIL,
                       profile_version=version, profile_json=json.dumps(PROFILE), preferences=prefs)


def decision(job: str, *, company: str = "Acme", duplicate_of: str | None = None, apply_email: str | None = None,
             source: str = "GREENHOUSE", board: str = "acme", at: datetime = NOW) -> JobAnalyzed:
    posting = PostingSummary(source=source, board_token=board, source_job_id=job.rsplit(":", 1)[-1],
                             title="Backend Engineer", company=company, url=f"https://jobs.example/{job}",
                             apply_url=f"https://jobs.example/{job}/apply", apply_email=apply_email)
    return JobAnalyzed(event_id=f"decision-{job}", user_id=USER, occurred_at=at, canonical_job_id=job, score=0.8,
                       matched_skills=["python"], missing_skills=["go"], duplicate_of=duplicate_of,
                       decision=MatchDecision.PROCEED, posting=posting,
                       requirements=JobRequirements(title="Backend Engineer", company=company,
                                                    experience=Experience(level="Senior")))


def resumes(job: str, *, total: int = 3, decision_id: str | None = None) -> list[ResumeGenerated]:
    return [ResumeGenerated(event_id=f"resume-{job}-{v}", user_id=USER, occurred_at=NOW, canonical_job_id=job,
                            variant_id=v, template="classic", artifact_uri=f"file:///art/{job}/{v}.pdf",
                            sha256=f"{i:064x}", ats_score=0.7 + i / 100, decision_id=decision_id or f"decision-{job}",
                            variants_total=total, cover_letter_uri=f"file:///art/{job}/letter.pdf",
                            cover_letter_sha256="c" * 64)
            for i, v in enumerate(["experience-first", "skills-first", "projects-first"][:total])]


def command(kind: ApplicationCommandKind, job: str, *, n: int = 0, variant: str | None = None,
            at: datetime = NOW) -> ApplicationCommand:
    return ApplicationCommand(event_id=f"command-{kind.value}-{job}-{n}", user_id=USER, occurred_at=at,
                              application_id=application_id(job), kind=kind, variant_id=variant)


def application_id(job: str) -> str:
    return derived_id("application", USER, job)


class Crash(Exception):
    """The worker died here: the record's cell is not stored; side effects done so far stay done."""


@dataclass
class World:
    """PostgreSQL's ledger rows, the employer's inbox and the user's BCC mailbox, as plain data, with the real ports'
    rules: a claim is won over no row or a released one; only the key holding a claim confirms or releases it; a
    missing copy never releases a claim.

    Faults, for the next sends: `fail_next` (a failure known to come before anything was handed over: released),
    `crash_after_send` (the worker dies between the channel and the confirmation), `in_doubt_next` (the channel
    fails after handing it over; each entry says whether it reached the employer). `hide_copies`: the user's
    mailbox never shows the BCC copy (a provider that hides the sender's own copy, or a copy still delayed)."""

    ledger: dict[tuple[str, str], list[str]] = field(default_factory=dict)  # (user, job) -> [key, state]
    sent: Counter[str] = field(default_factory=Counter)  # canonical job -> messages the employer received
    mailbox: set[str] = field(default_factory=set)  # Message-IDs in the user's mailbox
    fail_next: list[SendFailed] = field(default_factory=list)
    crash_after_send: int = 0  # the next N sends die between the channel and the confirmation
    in_doubt_next: list[bool] = field(default_factory=list)  # the next sends fail after handing over; arrived?
    hide_copies: bool = False
    grace_over: bool = True
    # When each (user, job) row was confirmed, set once, like the real ledger's `confirmed_at`; `clock` is the
    # ledger's clock (a test moves it to send later).
    confirmed_at: dict[tuple[str, str], datetime] = field(default_factory=dict)
    clock: datetime = NOW

    def confirm(self, ids: tuple[str, str]) -> datetime:
        self.ledger[ids][1] = "CONFIRMED"
        return self.confirmed_at.setdefault(ids, self.clock)

    def deliver(self, request: SendApplication) -> None:
        self.sent[request.canonical_job_id] += 1
        if not self.hide_copies:
            self.mailbox.add(request.message_id)

    def port(self, request: PortRequest) -> list[PortResult]:
        match request:
            case SendApplication():
                ids = (request.user_id, request.canonical_job_id)
                row = self.ledger.get(ids)
                if row is not None and row[1] == "CONFIRMED":
                    return [Sent(application_id=request.application_id, idempotency_key=row[0],
                                 message_id=request.message_id, earlier=True, sent_at=self.confirmed_at.get(ids))]
                if row is not None and row[1] == "CLAIMED":
                    return [InDoubt(application_id=request.application_id, idempotency_key=row[0])]
                self.ledger[ids] = [request.idempotency_key, "CLAIMED"]
                self.confirmed_at.pop(ids, None)  # a new claim round: confirmed (if ever) anew
                if self.fail_next:
                    self.ledger[ids][1] = "RELEASED"
                    return [self.fail_next.pop(0).model_copy(update={"application_id": request.application_id})]
                if self.in_doubt_next:
                    if self.in_doubt_next.pop(0):
                        self.deliver(request)
                    return [InDoubt(application_id=request.application_id, idempotency_key=request.idempotency_key,
                                    reason="the mail server stopped answering after it was handed the message")]
                self.deliver(request)
                if self.crash_after_send > 0:
                    self.crash_after_send -= 1
                    raise Crash()
                return [Sent(application_id=request.application_id, idempotency_key=request.idempotency_key,
                             message_id=request.message_id, sent_at=self.confirm(ids))]
            case Reconcile():
                ids = (request.user_id, request.canonical_job_id)
                row = self.ledger.get(ids)
                found = dict(application_id=request.application_id, idempotency_key=request.idempotency_key)
                if row is None or row[0] != request.idempotency_key or row[1] in ("RELEASED", "FAILED"):
                    return [Reconciled(**found, found=False, settled=True)]
                if row[1] == "CONFIRMED" or request.message_id in self.mailbox:
                    return [Reconciled(**found, found=True, sent_at=self.confirm(ids))]
                if not self.grace_over:
                    return [Reconciled(**found, found=False, retry_after_s=60)]
                return [Reconciled(**found, found=False, overdue=True, retry_after_s=300, waited_s=300)]
            case ResolveClaim():
                ids = (request.user_id, request.canonical_job_id)
                row = self.ledger[ids]
                sent_at = None
                if row[0] == request.idempotency_key and row[1] in ("CLAIMED", "CONFIRMED"):
                    if request.sent:
                        sent_at = self.confirm(ids)
                    elif row[1] == "CLAIMED":
                        row[1] = "RELEASED"
                return [ClaimResolved(application_id=request.application_id,
                                      idempotency_key=request.idempotency_key, sent=request.sent, sent_at=sent_at)]
        raise AssertionError(request)
