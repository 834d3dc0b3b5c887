"""Submission's pure core: `step(cell, event, *, now)` for one user's cell (`SubmissionUser`).

Events: the user's profile, PROCEED decisions (`job.analyzed`), rendered variants (`resume.generated`), the
user's commands, the learner's posteriors, ticks, and the results of the ports (`model.py`). Every event ends in
`_advance`, which hands each approved application that is due to its channel, within the user's caps.

The states (`ApplicationStatus`; None while the variants or the profile are still coming):

    None --(all variants in)--> AWAITING_REVIEW (REVIEW) | SKIPPED (OFF) | queued (AUTO, or once APPROVEd)
    queued --(over a cap, rate limited, retry backoff)--> WAITING --(due)--> queued
    queued (auto-approved, mode now OFF) --> WAITING, held until AUTO again or the user's APPROVE
    queued --> SENDING --> SUBMITTED | FAILED | IN_DOUBT | WAITING (retry)      (email, greenhouse, lever)
    queued --> AWAITING_MANUAL --(MARK_APPLIED)--> SUBMITTED                    (manual)
    IN_DOUBT --(its copy found in the mailbox, or CONFIRM_SENT)--> SUBMITTED
    IN_DOUBT --(no copy after the grace period)--> IN_DOUBT asking the user (still looked for)
    IN_DOUBT --(CONFIRM_NOT_SENT)--> queued

Every released claim (a failure known to come before anything was handed over, or the user's CONFIRM_NOT_SENT)
starts a new claim round: a new idempotency key and Message-ID, so a late copy of an earlier attempt can never
confirm a later one. A command older than the last one applied to its application (a replay) changes nothing and
publishes nothing.

SENDING is published but never stored: the port's result comes back within the same record. Output ids derive
from the application and its `version` (one per update), so a redelivered record repeats the same ids — and the
same times: outputs are dated by the record that caused them (its `occurred_at`), or, after a send, by when the
ledger confirmed it (`sent_at`, recorded once), so the same record processed again later gives the very same
events. The clock (`now`) only decides what is due (caps, retry waits); a new port answer without a ledger time
(a failure, a rate limit) is a new effect, dated by it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from processors.submission.channels.manual import prepared_answers
from processors.submission.limits import company_key, over_limit, pruned
from processors.submission.model import (
    Applicant,
    ClaimResolved,
    InDoubt,
    RateLimited,
    Reconcile,
    Reconciled,
    ResolveClaim,
    SendApplication,
    SendFailed,
    Sent,
)
from streams.errors import PoisonRecord
from streams.ids import derived_id, sent_message_id
from streams.messages import (
    ApplicationCommand,
    ApplicationCommandKind,
    ApplicationFailed,
    ApplicationStatus,
    ApplicationSubmitted,
    ApplicationUpdated,
    BoardSource,
    Dispatch,
    JobAnalyzed,
    LearningUpdated,
    MatchDecision,
    Message,
    ResumeGenerated,
    SubmissionApplication,
    SubmissionMode,
    SubmissionTick,
    SubmissionUser,
    UserProfile,
    VariantOption,
    choose_variant,
    segment_of,
)
from streams.processor import PortRequest

S = ApplicationStatus
TERMINAL = frozenset({S.SUBMITTED, S.FAILED, S.DECLINED, S.SKIPPED, S.WITHDRAWN})
QUEUEABLE = frozenset({None, S.AWAITING_REVIEW, S.WAITING})  # an approved application here is sent when due
MAX_EARLY_RESUMES = 200
MAX_SEEN_COMMANDS = 500
MAX_SAME_INSTANT_COMMANDS = 50
HOLD_REASON = "your submission mode is OFF: held, not sent (approve it to send it anyway, or switch back to AUTO)"
OVERDUE_PREFIX = "no copy in your mailbox"
MAX_RESUMES_PER_APPLICATION = 24
MAX_BACKOFF = timedelta(hours=6)
MIN_WAIT = timedelta(seconds=1)


@dataclass(frozen=True)
class Config:
    """What the deployment offers (from `Settings`): which channels can send, retries, the clock's shift."""

    email: bool = False  # an SMTP server is configured
    reconcile_email: bool = False  # the BCC copies can be looked up (a mailbox directory is configured)
    greenhouse_boards: frozenset[str] = field(default_factory=frozenset)  # boards with an apply key
    lever_sites: frozenset[str] = field(default_factory=frozenset)
    retry: timedelta = timedelta(minutes=1)  # the first retry's wait; doubled per failure, capped at 6 h
    max_attempts: int = 5
    clock_offset: timedelta = timedelta(0)


def step_for(config: Config) -> Any:
    def bound(cell: SubmissionUser | None, event: Any, *, now: datetime
              ) -> tuple[SubmissionUser, list[Message | PortRequest]]:
        return step(cell, event, now=now + config.clock_offset, config=config)

    return bound


def step(cell: SubmissionUser | None, event: Any, *, now: datetime, config: Config = Config()
         ) -> tuple[SubmissionUser, list[Message | PortRequest]]:
    if cell is None:
        cell = SubmissionUser(user_id=event.user_id)
    run = _Run(cell, now, config, at=_dated_by(event, now, config.clock_offset))
    match event:
        case UserProfile():
            run.profile(event)
        case JobAnalyzed():
            run.decision(event)
        case ResumeGenerated():
            run.resume(event)
        case ApplicationCommand():
            run.command(event)
        case LearningUpdated():
            if run.cell.learning is None or event.occurred_at >= run.cell.learning.occurred_at:
                run.cell = run.cell.model_copy(update={"learning": event})
        case SubmissionTick():
            pass  # only `_advance`
        case Sent() | SendFailed() | RateLimited() | InDoubt() | Reconciled() | ClaimResolved():
            run.result(event)
        case _:
            raise TypeError(f"submission has no step for {type(event).__name__}")
    run.advance()
    return run.cell, run.out


def _dated_by(event: Any, now: datetime, offset: timedelta) -> datetime:
    """The time the outputs of `event` carry: a record's own time; a send's time as the ledger recorded it; for any
    other port answer (a new effect: a failure, a wait) the clock (`now`, already shifted by `offset`, the test
    clock's shift, which the other two get as well so the step sees one clock)."""
    if isinstance(event, Message):
        return event.occurred_at + offset
    sent_at = getattr(event, "sent_at", None)
    return sent_at + offset if isinstance(sent_at, datetime) else now


def options(app: SubmissionApplication) -> list[ResumeGenerated]:
    """The variants the application may be sent with: those of its decision (records without a decision id are
    older ones: then whatever arrived), one per variant id, the latest winning."""
    mine = [r for r in app.resumes if r.decision_id == app.decision.event_id]
    if not mine:
        mine = [r for r in app.resumes if not r.decision_id]
    return list({r.variant_id: r for r in mine}.values())


def complete(app: SubmissionApplication) -> bool:
    """Every variant of the decision is in (`variants_total` 0: unknown, so what arrived is all)."""
    have = options(app)
    return bool(have) and len(have) >= max(r.variants_total for r in have)


def seniority(decision: JobAnalyzed) -> str | None:
    level = decision.requirements.experience.level if decision.requirements else None
    return level.value if level is not None else None


def choose_channel(decision: JobAnalyzed, config: Config) -> str:
    """An employer's own apply API where the deployment holds its key, else email where the posting names an
    address, else the user applies by hand (most postings)."""
    posting = decision.posting
    if posting is None:
        return "manual"
    if posting.source == BoardSource.GREENHOUSE and posting.board_token in config.greenhouse_boards:
        return "greenhouse"
    if posting.source == BoardSource.LEVER and posting.board_token in config.lever_sites:
        return "lever"
    if posting.apply_email and config.email:
        return "email"
    return "manual"


def idempotency_key(app: SubmissionApplication) -> str:
    return derived_id("submission", app.application_id, str(app.claim_round))


def message_id(app: SubmissionApplication) -> str:
    """The email's Message-ID (RFC 5322 msg-id), the same for every attempt of one claim round."""
    return sent_message_id(idempotency_key(app))


def next_due(cell: SubmissionUser) -> datetime | None:
    """When the timer should next wake this cell: the earliest wait of an approved application or of an email
    being reconciled. None: nothing waits on time."""
    due = [app.not_before for app in cell.applications.values()
           if app.not_before is not None
           and ((app.approved and app.status in QUEUEABLE) or app.status == S.IN_DOUBT)]
    return min(due, default=None)


def applicant(cell: SubmissionUser) -> Applicant:
    try:
        profile = json.loads(cell.profile_json) if cell.profile_json else {}
    except (ValueError, RecursionError):
        profile = {}
    basics = profile.get("basics") if isinstance(profile, dict) else None
    basics = basics if isinstance(basics, dict) else {}

    def text(key: str) -> str:
        value = basics.get(key)
        return _line(value, 255) if isinstance(value, str) else ""

    name = text("name") or cell.email
    first, _, last = name.rpartition(" ")
    return Applicant(name=name, first_name=first or last, last_name=last if first else "", email=cell.email or
                     text("email"), phone=text("phone"))


class _Run:
    """One event's work on one cell: the cell as it changes and the outputs in order."""

    def __init__(self, cell: SubmissionUser, now: datetime, config: Config, *, at: datetime) -> None:
        self.cell = cell
        self.now = now  # decides what is due
        self.at = at  # dates the outputs (`_dated_by`)
        self.config = config
        self.out: list[Message | PortRequest] = []

    # --- inputs ---------------------------------------------------------------------------------------------------

    def profile(self, profile: UserProfile) -> None:
        if profile.profile_version < self.cell.profile_version:
            return  # an older profile, replayed
        self.cell = self.cell.model_copy(update={
            "email": profile.email, "profile_version": profile.profile_version,
            "profile_json": profile.profile_json, "preferences": profile.preferences})
        for app in list(self.cell.applications.values()):
            if app.status is None:
                self.ready(app)

    def decision(self, decision: JobAnalyzed) -> None:
        if decision.decision != MatchDecision.PROCEED:
            return  # only decisions to go ahead become applications
        job = decision.duplicate_of or decision.canonical_job_id
        application_id = derived_id("application", self.cell.user_id, job)
        app = self.cell.applications.get(application_id)
        if app is None:
            early = [r for r in self.cell.early_resumes if r.canonical_job_id == decision.canonical_job_id]
            self.cell = self.cell.model_copy(update={"early_resumes": [
                r for r in self.cell.early_resumes if r.canonical_job_id != decision.canonical_job_id]})
            app = SubmissionApplication(application_id=application_id, canonical_job_id=job,
                                        posting_job_id=decision.canonical_job_id, decision=decision,
                                        resumes=early[-MAX_RESUMES_PER_APPLICATION:])
        elif (app.status is None and decision.canonical_job_id == app.posting_job_id
              and decision.event_id != app.decision.event_id and decision.occurred_at >= app.decision.occurred_at):
            app = app.model_copy(update={"decision": decision})  # re-analyzed before its variants were all in
        else:
            return  # the same decision again, an older one, or another board's posting of a job applied to
        self.put(app)
        self.ready(app)

    def resume(self, resume: ResumeGenerated) -> None:
        app = next((a for a in self.cell.applications.values() if a.posting_job_id == resume.canonical_job_id), None)
        if app is None:  # its decision is not here yet (topics are not ordered with each other)
            early = [r for r in self.cell.early_resumes if not _same(r, resume)] + [resume]
            self.cell = self.cell.model_copy(update={"early_resumes": early[-MAX_EARLY_RESUMES:]})
            return
        if app.status is not None and app.status != S.AWAITING_REVIEW:
            return  # decided already: the variants it had are the ones it was sent (or not) with
        if any(_same(r, resume) for r in app.resumes):
            return  # redelivered (the same variant of another decision is another option: ids ignore decisions)
        app = app.model_copy(update={"resumes": [*app.resumes, resume][-MAX_RESUMES_PER_APPLICATION:]})
        self.put(app)
        if app.status is None:
            self.ready(app)
        elif resume.decision_id in ("", app.decision.event_id):  # one more option for the review
            self.publish(app, reason=app.reason)

    def command(self, command: ApplicationCommand) -> None:
        if command.event_id in self.cell.seen_commands:
            return  # redelivered: applied already
        app = self.cell.applications.get(command.application_id)
        if app is None or not _replayed(app, command):
            self.handle(command)
            self.applied(command)
        seen = [*self.cell.seen_commands, command.event_id][-MAX_SEEN_COMMANDS:]
        self.cell = self.cell.model_copy(update={"seen_commands": seen})

    def applied(self, command: ApplicationCommand) -> None:
        """Remember the command as its application's latest, so a replay of it or of an older one is dropped."""
        app = self.cell.applications[command.application_id]
        if app.last_command_at is not None and command.occurred_at == app.last_command_at:
            ids = [*app.last_command_ids, command.event_id][-MAX_SAME_INSTANT_COMMANDS:]
        else:
            ids = [command.event_id]
        self.put(app.model_copy(update={"last_command_at": command.occurred_at, "last_command_ids": ids}))

    def handle(self, command: ApplicationCommand) -> None:
        app = self.cell.applications.get(command.application_id)
        if app is None:
            raise PoisonRecord(f"no application {command.application_id} for this user")
        kind, status = command.kind, app.status
        K = ApplicationCommandKind
        if kind == K.APPROVE and status in (None, S.AWAITING_REVIEW):
            ids = [r.variant_id for r in options(app)]
            if command.variant_id and status is not None and command.variant_id not in ids:
                self.ignored(app, f"there is no variant {command.variant_id!r}; choose one of {', '.join(ids)}")
                return
            variant = command.variant_id or app.variant_id or app.recommended_variant_id
            self.put(app.model_copy(update={"approved": True, "auto_approved": False, "variant_id": variant,
                                            "attempts": 0, "not_before": None}))
        elif kind == K.APPROVE and status == S.FAILED:  # try again: the user judges whether the cause is gone
            self.put(app.model_copy(update={"approved": True, "auto_approved": False, "attempts": 0,
                                            "not_before": None, "status": S.WAITING}))
        elif kind == K.APPROVE and status == S.WAITING and app.auto_approved:  # the user's own go, whatever the mode
            self.put(app.model_copy(update={"auto_approved": False}))
        elif kind == K.REJECT and status in (None, S.AWAITING_REVIEW, S.WAITING, S.AWAITING_MANUAL):
            self.publish(app, S.DECLINED, reason=command.note or "declined by you", approved=False,
                         not_before=None)
            self.release_dispatch(app)
        elif kind == K.WITHDRAW and status not in (S.WITHDRAWN, S.DECLINED, S.SKIPPED):
            self.publish(app, S.WITHDRAWN, reason=command.note or "withdrawn by you", approved=False,
                         not_before=None)
        elif kind == K.MARK_APPLIED and status in (None, S.AWAITING_REVIEW, S.WAITING, S.AWAITING_MANUAL, S.FAILED,
                                                   S.DECLINED, S.SKIPPED):
            chosen = self.chosen(app, command.variant_id)
            if chosen is None:
                raise PoisonRecord(f"application {app.application_id} has no resume variant yet to mark applied")
            app = app.model_copy(update={"variant_id": chosen.variant_id, "channel": "manual"})
            self.submitted(app, reason=command.note or "applied by you", key="", message=None, external=None)
        elif kind in (K.CONFIRM_SENT, K.CONFIRM_NOT_SENT) and status == S.IN_DOUBT:
            self.out.append(ResolveClaim(application_id=app.application_id, user_id=self.cell.user_id,
                                         canonical_job_id=app.canonical_job_id, idempotency_key=idempotency_key(app),
                                         sent=kind == K.CONFIRM_SENT))
        elif status is None:
            raise PoisonRecord(f"{kind.value} does not apply to application {app.application_id} before its "
                               "variants are ready")
        else:
            self.ignored(app, f"{kind.value.lower().replace('_', ' ')} does not apply to an application that is "
                              f"{status.value.lower().replace('_', ' ')}")

    def result(self, result: Any) -> None:
        app = self.cell.applications[result.application_id]
        channel = app.channel or "?"
        if isinstance(result, SendFailed):  # the claim was released: the next attempt claims a new round
            app = app.model_copy(update={"claim_round": app.claim_round + 1})
        match result:
            case Sent():
                how = (f"recorded by the dry run in place of {channel} (not sent)" if result.dry_run
                       else f"sent by {channel}")
                self.submitted(app, reason=how, key=result.idempotency_key, message=result.message_id,
                               external=result.external_id, dry_run=result.dry_run)
            case SendFailed(permanent=True):
                self.failed(app, result.reason, retryable=False)
            case SendFailed():
                attempts = app.attempts + 1
                if attempts >= self.config.max_attempts:
                    self.failed(app.model_copy(update={"attempts": attempts - 1}), result.reason, retryable=True)
                    return
                wait = min(self.config.retry * 2 ** (attempts - 1), MAX_BACKOFF)
                self.release_dispatch(app)
                self.publish(app, S.WAITING, attempts=attempts, not_before=self.now + wait,
                             reason=f"{channel} failed ({result.reason}); attempt {attempts + 1} of "
                                    f"{self.config.max_attempts} at {(self.now + wait).isoformat(timespec='seconds')}")
            case RateLimited():
                self.release_dispatch(app)
                wait = max(timedelta(seconds=result.retry_after_s), MIN_WAIT)
                self.publish(app, S.WAITING, not_before=self.now + wait,
                             reason=f"the {channel} channel's rate limit, shared by every user: a moment")
            case InDoubt():
                self.in_doubt(app, result.reason)
            case Reconciled(found=True):
                self.submitted(app, reason="sent by email (its copy was found in your mailbox)",
                               key=result.idempotency_key, message=message_id(app), external=None)
            case Reconciled(settled=True):
                self.resend(app, "the earlier attempt's claim was released (nothing went out): sending again")
            case Reconciled(overdue=True):
                wait = max(timedelta(seconds=result.retry_after_s), MIN_WAIT)
                if app.reason.startswith(OVERDUE_PREFIX):  # asked already: only look again later
                    self.put(app.model_copy(update={"not_before": self.now + wait}))
                else:
                    minutes = max(1, round(result.waited_s / 60))
                    self.publish(app, S.IN_DOUBT, not_before=self.now + wait, reason=(
                        f"{OVERDUE_PREFIX} {minutes} minutes after sending: it may still have reached the employer "
                        "(mail can be delayed, and some providers hide your own copy); check, then confirm-sent or "
                        "confirm-not-sent (only confirm-not-sent sends it again)"))
            case Reconciled():
                wait = max(timedelta(seconds=result.retry_after_s), MIN_WAIT)
                self.put(app.model_copy(update={"not_before": self.now + wait}))
            case ClaimResolved(sent=True):
                self.submitted(app, reason="you confirmed it reached the employer", key=result.idempotency_key,
                               message=app.message_id, external=app.external_id)
            case ClaimResolved():
                self.resend(app, "you confirmed it did not reach the employer: sending again")

    # --- transitions ----------------------------------------------------------------------------------------------

    def ready(self, app: SubmissionApplication) -> None:
        """A collecting application whose variants may all be in: decide what happens to it."""
        if self.cell.profile_version == 0 or not complete(app):
            return
        ids = [r.variant_id for r in options(app)]
        segment = segment_of(seniority(app.decision))
        posterior = self.cell.learning.segment(segment) if self.cell.learning else None
        recommended = choose_variant(ids, posterior, seed=app.application_id)
        app = app.model_copy(update={"recommended_variant_id": recommended,
                                     "channel": choose_channel(app.decision, self.config)})
        mode = self.cell.preferences.submission_mode
        if app.approved:  # approved before its variants were in
            self.put(app.model_copy(update={"variant_id": app.variant_id if app.variant_id in ids else recommended}))
        elif mode == SubmissionMode.OFF:
            self.publish(app, S.SKIPPED, reason="your submission mode is OFF: prepared, not sent")
        elif mode == SubmissionMode.AUTO:
            self.put(app.model_copy(update={"approved": True, "auto_approved": True, "variant_id": recommended}))
        else:
            self.publish(app, S.AWAITING_REVIEW, reason="waiting for your review")

    def advance(self) -> None:
        """Hand every approved application that is due to its channel, oldest decision first, within the caps;
        look again for in-doubt emails whose wait is over."""
        self.cell = self.cell.model_copy(update={"dispatches": pruned(self.cell.dispatches, now=self.now)})
        due = [a for a in self.cell.applications.values()
               if a.not_before is None or a.not_before <= self.now]
        for app in sorted(due, key=lambda a: (a.decision.occurred_at, a.application_id)):
            if app.status == S.IN_DOUBT and app.not_before is not None:
                self.put(app.model_copy(update={"not_before": None}))
                self.out.append(self.reconcile(app))
            elif (app.approved and app.status in QUEUEABLE and app.variant_id is not None
                  and (app.status is not None or (self.cell.profile_version and complete(app)))):
                if app.auto_approved and self.cell.preferences.submission_mode == SubmissionMode.OFF:
                    self.hold(app)
                else:
                    self.dispatch(app)

    def hold(self, app: SubmissionApplication) -> None:
        """AUTO approved it, and the user has since switched to OFF: it waits (told once) for AUTO or an APPROVE."""
        if (app.status, app.reason, app.not_before) != (S.WAITING, HOLD_REASON, None):
            self.release_dispatch(app)
            self.publish(app, S.WAITING, reason=HOLD_REASON, not_before=None)

    def dispatch(self, app: SubmissionApplication) -> None:
        channel = app.channel or choose_channel(app.decision, self.config)
        posting = app.decision.posting
        company = company_key(posting.company if posting else "")
        limit = over_limit(self.cell.dispatches, self.cell.preferences, company, now=self.now)
        if limit is not None:
            reason, until = limit
            if (app.status, app.reason, app.not_before) != (S.WAITING, reason, until):
                self.publish(app, S.WAITING, reason=reason, not_before=until, channel=channel)
            return
        self.cell = self.cell.model_copy(update={"dispatches": [
            *self.cell.dispatches, Dispatch(application_id=app.application_id, company=company, at=self.now)]})
        if channel == "manual" or posting is None:
            self.publish(app, S.AWAITING_MANUAL, channel="manual", not_before=None,
                         reason="apply with this packet, then mark it applied")
            return
        app = self.publish(app, S.SENDING, channel=channel, not_before=None, reason=f"sending by {channel}")
        variant = self.chosen(app, app.variant_id)
        assert variant is not None  # approved applications have their variants
        cover = variant if variant.cover_letter_uri else next((r for r in options(app) if r.cover_letter_uri), variant)
        who = applicant(self.cell)
        title, company = _line(posting.title, 200), _line(posting.company, 200)  # posting text: one bounded line
        self.out.append(SendApplication(
            application_id=app.application_id, user_id=self.cell.user_id, canonical_job_id=app.canonical_job_id,
            channel=channel, idempotency_key=idempotency_key(app), message_id=message_id(app), posting=posting,
            variant=_option(variant), cover_letter_uri=cover.cover_letter_uri,
            cover_letter_sha256=cover.cover_letter_sha256, applicant=who,
            subject=f"Application for {title} – {who.name}",
            body=(f"Dear {company} hiring team,\n\nplease find attached my resume and cover letter for the "
                  f"{title} position{f' ({_line(posting.url, 500)})' if posting.url else ''}.\n\nKind regards,\n"
                  f"{who.name}\n{who.email}{f' · {who.phone}' if who.phone else ''}\n")))

    def in_doubt(self, app: SubmissionApplication, cause: str = "") -> None:
        """It may have reached the employer: never sent again without proof it did not (the user's word)."""
        cause = f"{cause[:300]}: " if cause else "an earlier attempt may have sent it: "
        if app.channel == "email" and self.config.reconcile_email:
            self.publish(app, S.IN_DOUBT, reason=f"{cause}looking for its copy in your mailbox before anything is "
                                                 "sent again")
            self.out.append(self.reconcile(app))
        else:
            self.publish(app, S.IN_DOUBT, reason=f"{cause}it may have reached the employer by {app.channel} and this "
                                                 "cannot be checked: confirm-sent or confirm-not-sent")

    def reconcile(self, app: SubmissionApplication) -> Reconcile:
        return Reconcile(application_id=app.application_id, user_id=self.cell.user_id,
                         canonical_job_id=app.canonical_job_id, idempotency_key=idempotency_key(app),
                         message_id=message_id(app), mailbox=self.cell.email)

    def resend(self, app: SubmissionApplication, reason: str) -> None:
        self.release_dispatch(app)
        self.publish(app, S.WAITING, reason=reason, claim_round=app.claim_round + 1, attempts=0, not_before=None,
                     approved=True)

    def submitted(self, app: SubmissionApplication, *, reason: str, key: str, message: str | None,
                  external: str | None, dry_run: bool = False) -> None:
        app = self.publish(app, S.SUBMITTED, reason=reason, not_before=None, message_id=message, external_id=external)
        variant = self.chosen(app, app.variant_id)
        assert variant is not None
        level = seniority(app.decision)
        self.out.append(ApplicationSubmitted(
            event_id=derived_id("application-submitted", app.application_id), user_id=self.cell.user_id,
            occurred_at=self.at, application_id=app.application_id, canonical_job_id=app.canonical_job_id,
            variant_id=variant.variant_id, channel=app.channel or "manual", idempotency_key=key,
            template=variant.template, resume_sha256=variant.sha256, cover_letter_sha256=variant.cover_letter_sha256,
            message_id=message, external_id=external, posting=app.decision.posting, ats_score=variant.ats_score,
            seniority=level, segment=segment_of(level), dry_run=dry_run))
        self.put(_compacted(app))

    def failed(self, app: SubmissionApplication, reason: str, *, retryable: bool) -> None:
        self.release_dispatch(app)
        attempts = app.attempts + 1
        app = self.publish(app, S.FAILED, reason=reason[:1000], attempts=attempts, not_before=None)
        self.out.append(ApplicationFailed(
            event_id=derived_id("application-failed", app.application_id, str(app.version)),
            user_id=self.cell.user_id, occurred_at=self.at, application_id=app.application_id,
            canonical_job_id=app.canonical_job_id, channel=app.channel or "manual", reason=reason[:1000] or "failed",
            attempts=attempts, retryable=retryable))

    def ignored(self, app: SubmissionApplication, reason: str) -> None:
        """A command that does not apply: the user is told in an update; nothing else changes."""
        previous = app.reason
        self.publish(app, reason=reason)
        self.put(self.cell.applications[app.application_id].model_copy(update={"reason": previous}))

    # --- helpers --------------------------------------------------------------------------------------------------

    def put(self, app: SubmissionApplication) -> None:
        self.cell = self.cell.model_copy(update={"applications": {**self.cell.applications,
                                                                  app.application_id: app}})

    def release_dispatch(self, app: SubmissionApplication) -> None:
        """What was counted against the caps for this application did not go out after all."""
        kept = [d for d in self.cell.dispatches if d.application_id != app.application_id]
        self.cell = self.cell.model_copy(update={"dispatches": kept})

    def chosen(self, app: SubmissionApplication, variant_id: str | None) -> ResumeGenerated | None:
        have = options(app) or list({r.variant_id: r for r in app.resumes}.values())
        return next((r for r in have if r.variant_id == variant_id), None) or next(
            (r for r in have if r.variant_id == app.recommended_variant_id), None) or (have[0] if have else None)

    def publish(self, app: SubmissionApplication, status: ApplicationStatus | None = None, **changes: Any
                ) -> SubmissionApplication:
        """Apply `changes` (and `status`), store the application and publish its state."""
        app = app.model_copy(update={**changes, "status": status or app.status, "version": app.version + 1})
        self.put(app)
        assert app.status is not None
        decision = app.decision
        variant = self.chosen(app, app.variant_id)
        cover = variant if variant is not None and variant.cover_letter_uri else next(
            (r for r in options(app) if r.cover_letter_uri), None)
        waiting = app.status in (S.WAITING, S.IN_DOUBT)
        self.out.append(ApplicationUpdated(
            event_id=derived_id("application-update", app.application_id, str(app.version)),
            user_id=self.cell.user_id, occurred_at=self.at, application_id=app.application_id,
            canonical_job_id=app.canonical_job_id, status=app.status, reason=app.reason, channel=app.channel,
            variant_id=app.variant_id, recommended_variant_id=app.recommended_variant_id,
            variants=[_option(r) for r in options(app)],
            cover_letter_uri=cover.cover_letter_uri if cover else "",
            cover_letter_sha256=cover.cover_letter_sha256 if cover else "",
            posting=decision.posting, score=decision.score, matched_skills=decision.matched_skills,
            missing_skills=decision.missing_skills, seniority=seniority(decision),
            wait_until=app.not_before if waiting else None,
            answers=prepared_answers(self.cell.profile_json) if app.status == S.AWAITING_MANUAL else []))
        return app


def _same(a: ResumeGenerated, b: ResumeGenerated) -> bool:
    """The same record: a re-analysis renders the same variants again under the same event ids (they derive from
    the content, not the decision), so the decision tells them apart."""
    return a.event_id == b.event_id and a.decision_id == b.decision_id


def _replayed(app: SubmissionApplication, command: ApplicationCommand) -> bool:
    """Older than the last command applied to `app`, or that very one: a replay, beyond `seen_commands`' memory."""
    last = app.last_command_at
    return last is not None and (command.occurred_at < last or (command.occurred_at == last
                                                                 and command.event_id in app.last_command_ids))


def _line(text: str, limit: int) -> str:
    """Text from outside on one line (no header or line breaks can ride in), at most `limit` characters."""
    return " ".join(text.split())[:limit]


def _option(resume: ResumeGenerated) -> VariantOption:
    return VariantOption(variant_id=resume.variant_id, template=resume.template, ats_score=resume.ats_score,
                         artifact_uri=resume.artifact_uri, sha256=resume.sha256,
                         resume_json_uri=resume.resume_json_uri)


def _compacted(app: SubmissionApplication) -> SubmissionApplication:
    """A submitted application keeps only what later commands and a withdrawal need: its sent variant and the
    decision without the posting's requirements (the cell holds every application a user ever made)."""
    sent = [r for r in app.resumes if r.variant_id == app.variant_id][-1:]
    requirements = app.decision.requirements
    if requirements is not None:  # the seniority stays (updates and the learner's segment read it)
        requirements = requirements.model_copy(update={"responsibilities": [], "qualifications": [], "skills": []})
    return app.model_copy(update={"resumes": sent, "decision": app.decision.model_copy(
        update={"requirements": requirements})})
