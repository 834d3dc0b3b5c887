"""The outcomes processor's pure core: one record in, the user's new outcomes cell and the events out.

Deterministic: a response's id derives from the report and the application, a completion's from the application
alone (a correction's from the application and the answer), so a record redelivered after a crash yields the same
ids, and a record the cell has already answered yields nothing. An application completes once
(`workflow.completed`, the first terminal answer: REJECTED, OFFER, ACCEPTED, WITHDRAWN, or NO_RESPONSE from the
timer); a later answer that makes it interviewed (SCREEN, INTERVIEW) or offered (OFFER, ACCEPTED) where it was
not sends a correction, another `workflow.completed` with outcome INTERVIEW, OFFER or ACCEPTED; any other later
answer only extends its timeline.

Counting: an automatic acknowledgement (ACKNOWLEDGED) or an unclassifiable mail (OTHER) is not a response:
`responded` and `days_to_response` count REJECTED, SCREEN, INTERVIEW, OFFER and ACCEPTED only, so an
application that was only acknowledged still ends NO_RESPONSE. One that reached a screen or an interview and then
heard nothing for the user's `no_response_days` ends INTERVIEW (its learner counts it a success either way).
"""

from __future__ import annotations

from datetime import date, datetime

from processors.outcomes.linking import Link, link
from processors.outcomes.model import ClassifyReply, ReplyClassified
from processors.outcomes.rules import MAIL_KINDS, classify
from streams.dates import plus_days
from streams.ids import derived_id
from streams.messages import (
    ApplicationStatus,
    ApplicationSubmitted,
    ApplicationUpdated,
    BudgetCrossed,
    OutcomeReport,
    OutcomesUser,
    OutcomeTick,
    OutcomeUnlinked,
    PostingSummary,
    ResponseKind,
    ResponseReceived,
    ResponseSource,
    TrackedApplication,
    UserProfile,
    WorkflowCompleted,
    WorkflowOutcome,
    ats_score_band,
    segment_of,
)

Event = ApplicationSubmitted | ApplicationUpdated | UserProfile | OutcomeReport | OutcomeTick | ReplyClassified
Output = ResponseReceived | WorkflowCompleted | OutcomeUnlinked | BudgetCrossed | ClassifyReply

RESPONDED = frozenset({ResponseKind.REJECTED, ResponseKind.SCREEN, ResponseKind.INTERVIEW, ResponseKind.OFFER,
                       ResponseKind.ACCEPTED})
INTERVIEWED = frozenset({ResponseKind.SCREEN, ResponseKind.INTERVIEW, ResponseKind.OFFER, ResponseKind.ACCEPTED})
OFFERED = frozenset({ResponseKind.OFFER, ResponseKind.ACCEPTED})
TERMINAL: dict[ResponseKind, WorkflowOutcome] = {
    ResponseKind.REJECTED: WorkflowOutcome.REJECTED,
    ResponseKind.OFFER: WorkflowOutcome.OFFER,
    ResponseKind.ACCEPTED: WorkflowOutcome.ACCEPTED,
    ResponseKind.WITHDRAWN: WorkflowOutcome.WITHDRAWN,
    ResponseKind.NO_RESPONSE: WorkflowOutcome.NO_RESPONSE,
}
MAX_RESPONSES = 50  # per application: a timeline, not a mailbox
MAX_UNLINKED = 200  # the oldest beyond this leave the cell (each was published on outcome.unlinked)
REMEMBERED_REPORTS = 500
DETAIL_CHARS = 300


def step(cell: OutcomesUser | None, event: Event, *, now: datetime) -> tuple[OutcomesUser, list[Output]]:
    """Apply `event` to the user's outcomes `cell` (None for a user never seen). Nothing reads the clock (`now` is
    unused): each output is dated by the record it answers (a report's, an update's, a tick's `occurred_at`), so a
    record processed again, however much later, gives the very same events; a new record brings its own time."""
    user_id = event.report.user_id if isinstance(event, ReplyClassified) else event.user_id
    cell = cell or OutcomesUser(user_id=user_id)
    match event:
        case UserProfile():
            days = event.preferences.no_response_days
            return (cell if days == cell.no_response_days else cell.model_copy(update={"no_response_days": days})), []
        case ApplicationSubmitted():
            return _submitted(cell, event)
        case ApplicationUpdated():
            if event.status is ApplicationStatus.WITHDRAWN:
                return _withdrawn(cell, event)
            return cell, []
        case OutcomeReport():
            return _report(cell, event)
        case ReplyClassified():
            return _answer(cell, event.report, Link(event.application_id, event.linked_by), model=event)
        case OutcomeTick():
            if event.event_id in cell.answered:
                return cell, []  # a tick seen again decides nothing: records after it may have made more due
            return _tick(_remember(cell, event.event_id), event.occurred_at)
    raise TypeError(f"outcomes has no input {type(event).__name__}")


# --- applications -----------------------------------------------------------------------------------------------


def _index(cell: OutcomesUser, application_id: str) -> int | None:
    return next((i for i, a in enumerate(cell.applications) if a.application_id == application_id), None)


def _put(cell: OutcomesUser, app: TrackedApplication) -> OutcomesUser:
    apps = list(cell.applications)
    i = _index(cell, app.application_id)
    if i is None:
        apps.append(app)
    else:
        apps[i] = app
    return cell.model_copy(update={"applications": apps})


def _submitted(cell: OutcomesUser, submitted: ApplicationSubmitted) -> tuple[OutcomesUser, list[Output]]:
    i = _index(cell, submitted.application_id)
    if i is not None and cell.applications[i].submitted is not None:
        return cell, []  # seen before
    app = (cell.applications[i] if i is not None else
           TrackedApplication(application_id=submitted.application_id, canonical_job_id=submitted.canonical_job_id))
    cell = _put(cell, app.model_copy(update={"submitted": submitted}))
    outputs: list[Output] = []
    for report in list(cell.unlinked):  # reports that came first may name this application now
        found = link(report, cell.applications)
        if found is not None:
            cell = cell.model_copy(update={"unlinked": [u for u in cell.unlinked if u.event_id != report.event_id]})
            cell, more = _answer(cell, report, found)
            outputs += more
    return cell, outputs


def _withdrawn(cell: OutcomesUser, update: ApplicationUpdated) -> tuple[OutcomesUser, list[Output]]:
    i = _index(cell, update.application_id)
    if i is not None and cell.applications[i].withdrawn_on is not None:
        return cell, []  # withdrawn once is enough (a redelivery, or the status published again)
    app = (cell.applications[i] if i is not None else
           TrackedApplication(application_id=update.application_id, canonical_job_id=update.canonical_job_id))
    app = app.model_copy(update={"withdrawn_on": update.occurred_at.date()})
    response = ResponseReceived(
        event_id=derived_id("response", update.event_id, app.application_id), user_id=cell.user_id,
        occurred_at=update.occurred_at, application_id=app.application_id, kind=ResponseKind.WITHDRAWN,
        detail=update.reason[:DETAIL_CHARS], canonical_job_id=app.canonical_job_id, source=ResponseSource.USER,
        responded_on=update.occurred_at.date(), classified_by="user", confidence=1.0, linked_by="application_id",
    )
    return _record(cell, app, response, update=update)


# --- reports ----------------------------------------------------------------------------------------------------


def _remember(cell: OutcomesUser, report_id: str) -> OutcomesUser:
    return cell.model_copy(update={"answered": [*cell.answered, report_id][-REMEMBERED_REPORTS:]})


def _unlinked(report: OutcomeReport, reason: str, *, kind: ResponseKind | None = None) -> OutcomeUnlinked:
    message = report.message
    return OutcomeUnlinked(
        event_id=derived_id("outcome-unlinked", report.event_id), user_id=report.user_id,
        occurred_at=report.occurred_at,
        report_id=report.event_id, source=report.source, reason=reason, kind=kind,
        subject=(message.subject if message else report.note)[:300],
        from_address=message.from_address if message else "", responded_on=_responded_on(report),
    )


def _report(cell: OutcomesUser, report: OutcomeReport) -> tuple[OutcomesUser, list[Output]]:
    if report.event_id in cell.answered or any(u.event_id == report.event_id for u in cell.unlinked):
        return cell, []  # answered (or kept) already: its outputs were sent before the cell was stored
    if report.links_report_id:
        return _fix(cell, report)
    if report.kind is None and report.message is None:
        return _remember(cell, report.event_id), [_unlinked(report, "the report has neither a kind nor a message")]
    found = link(report, cell.applications)
    if found is not None:
        return _answer(cell, report, found)
    kind = report.kind
    if kind is None and report.message is not None:
        kind = classify(report.message.subject, report.message.body_text).kind
    named = _index(cell, report.application_id) if report.application_id else None
    reason = (f"dated before application {report.application_id} was sent: link it if it is its answer"
              if named is not None else
              f"no application {report.application_id} yet: linked when it arrives" if report.application_id else
              "no application matches its thread, or its company and title unambiguously, among those sent before "
              "it: linked when one arrives, or link it")
    kept = [*cell.unlinked, report][-MAX_UNLINKED:]
    return cell.model_copy(update={"unlinked": kept}), [_unlinked(report, reason, kind=kind)]


def _fix(cell: OutcomesUser, fix: OutcomeReport) -> tuple[OutcomesUser, list[Output]]:
    """The user links an unlinked report to an application (`outcomes link`), optionally saying its kind."""
    target = next((u for u in cell.unlinked if u.event_id == fix.links_report_id), None)
    problem = ("the link names no application" if not fix.application_id else
               f"no unlinked report {fix.links_report_id}" if target is None else
               f"no application {fix.application_id}" if _index(cell, fix.application_id) is None else None)
    if problem is not None or target is None or not fix.application_id:
        return _remember(cell, fix.event_id), [_unlinked(fix, problem or "nothing to link")]
    cell = _remember(cell, fix.event_id)
    cell = cell.model_copy(update={"unlinked": [u for u in cell.unlinked if u.event_id != target.event_id]})
    if fix.kind is not None:
        target = target.model_copy(update={"kind": fix.kind})
    return _answer(cell, target, Link(fix.application_id, "user"))


def _responded_on(report: OutcomeReport) -> date:
    if report.responded_on is not None:
        return report.responded_on
    if report.message is not None and report.message.received_at is not None:
        return report.message.received_at.date()
    return report.occurred_at.date()


def _answer(cell: OutcomesUser, report: OutcomeReport, found: Link, *,
            model: ReplyClassified | None = None) -> tuple[OutcomesUser, list[Output]]:
    """Classify a linked report (the user's or the webhook's kind; else the rules, and the model when they are
    unsure) and record the response, dated by the report (whichever record linked it: one id, one time)."""
    i = _index(cell, found.application_id)
    if i is None:  # only a fix or a model's answer can name an application; both were checked, but stay total
        kept = [*cell.unlinked, report][-MAX_UNLINKED:]
        return (cell.model_copy(update={"unlinked": kept}),
                [_unlinked(report, f"no application {found.application_id} yet")])
    message = report.message
    if report.kind is not None:
        kind, by, confidence = report.kind, "webhook" if report.source is ResponseSource.WEBHOOK else "user", 1.0
    else:
        assert message is not None  # reports with neither were refused in _report
        verdict = classify(message.subject, message.body_text)
        if model is None and not verdict.sure:
            return cell, [ClassifyReply(report=report, application_id=found.application_id,
                                        linked_by=found.linked_by, rules_kind=verdict.kind,
                                        rules_confidence=verdict.confidence)]
        if model is not None and model.kind in MAIL_KINDS:
            kind, by, confidence = model.kind, f"model:{model.model}", model.confidence
        else:
            kind, by, confidence = verdict.kind, "rules", verdict.confidence
    app = cell.applications[i]
    response = ResponseReceived(
        event_id=derived_id("response", report.event_id, app.application_id), user_id=cell.user_id,
        occurred_at=report.occurred_at, application_id=app.application_id, kind=kind,
        detail=(report.note or (message.subject if message else ""))[:DETAIL_CHARS],
        canonical_job_id=app.canonical_job_id, source=report.source, responded_on=_responded_on(report),
        message_id=(message.message_id or None) if message else None, classified_by=by, confidence=confidence,
        linked_by=found.linked_by,
    )
    cell, outputs = _record(_remember(cell, report.event_id), app, response)
    return cell, [*(model.budget_events if model else ()), *outputs]


def _record(cell: OutcomesUser, app: TrackedApplication, response: ResponseReceived, *,
            update: ApplicationUpdated | None = None) -> tuple[OutcomesUser, list[Output]]:
    """Add `response` to the application's timeline; complete the application if it is its first terminal one
    (the completion dated by that response). A response is never dated before one already in the timeline: reports
    from different topics may be processed in another order than their times, and the learner takes a correction
    only when it is later than the completion it corrects (so the time is the later of the two, fixed by the cell)."""
    if any(r.event_id == response.event_id for r in app.responses):
        return _put(cell, app), []
    latest = max((r.occurred_at for r in app.responses), default=response.occurred_at)
    if latest > response.occurred_at:
        response = response.model_copy(update={"occurred_at": latest})
    raises = _raises(app, response.kind)
    app = app.model_copy(update={"responses": [*app.responses, response][-MAX_RESPONSES:]})
    outputs: list[Output] = [response]
    outcome = TERMINAL.get(response.kind)
    if app.completed is None and outcome is not None:
        app = app.model_copy(update={"completed": outcome})
        outputs.append(completion(cell.user_id, app, outcome, at=response.occurred_at, update=update))
    elif app.completed is not None and raises:
        # A later verdict on a completed application (an interview after NO_RESPONSE, an offer after the
        # interview): a correction, its own id, which the learner takes as newer than the completion it counted.
        outcome = TERMINAL[response.kind] if response.kind in OFFERED else WorkflowOutcome.INTERVIEW
        app = app.model_copy(update={"completed": outcome})
        outputs.append(completion(cell.user_id, app, outcome, at=response.occurred_at, update=update,
                                  event_id=derived_id("workflow-correction", app.application_id, response.event_id)))
    return _put(cell, app), outputs


def _raises(app: TrackedApplication, kind: ResponseKind) -> bool:
    """Whether an answer of `kind` makes the application interviewed or offered where it was not before."""
    interviewed = app.completed is WorkflowOutcome.INTERVIEW or any(r.kind in INTERVIEWED for r in app.responses)
    offered = any(r.kind in OFFERED for r in app.responses)
    return (kind in INTERVIEWED and not interviewed) or (kind in OFFERED and not offered)


# --- the timer --------------------------------------------------------------------------------------------------


def _silent_until(app: TrackedApplication, days: int) -> datetime | None:
    """When an open application's silence makes it complete: `days` after sending with no response, or after its
    last screen or interview. None for a completed application, one never seen sent, or a time past
    `datetime.max`."""
    if app.completed is not None or app.submitted is None:
        return None
    counted = [r for r in app.responses if r.kind in RESPONDED]
    if not counted:
        return plus_days(app.submitted.occurred_at, days)
    last = max(r.responded_on or r.occurred_at.date() for r in counted)
    # plus_days: a date near 9999-12-31 (a record from before the edges bounded dates) is "never", not a crash
    return plus_days(datetime.combine(last, app.submitted.occurred_at.timetz()), days)


def due(cell: OutcomesUser, at: datetime) -> bool:
    """Whether a tick at `at` would complete any of the cell's applications (the timer sends ticks only then)."""
    return any((until := _silent_until(app, cell.no_response_days)) is not None and until <= at
               for app in cell.applications)


def _tick(cell: OutcomesUser, at: datetime) -> tuple[OutcomesUser, list[Output]]:
    """Complete what has been silent long enough at the tick's time `at`, dated `at` (not the clock: a tick
    replayed later decides as it did and says the same)."""
    outputs: list[Output] = []
    for app in list(cell.applications):
        until = _silent_until(app, cell.no_response_days)
        if until is None or until > at:
            continue
        assert app.submitted is not None
        if any(r.kind in RESPONDED for r in app.responses):  # screened or interviewed, then silence
            done = app.model_copy(update={"completed": WorkflowOutcome.INTERVIEW})
            cell = _put(cell, done)
            outputs.append(completion(cell.user_id, done, WorkflowOutcome.INTERVIEW, at=at))
            continue
        response = ResponseReceived(
            event_id=derived_id("response", "no-response", app.application_id), user_id=cell.user_id,
            occurred_at=at, application_id=app.application_id, kind=ResponseKind.NO_RESPONSE,
            detail=f"no response {cell.no_response_days} days after sending",
            canonical_job_id=app.canonical_job_id, source=ResponseSource.TIMER, responded_on=until.date(),
            classified_by="timer", confidence=1.0, linked_by="application_id",
        )
        cell, more = _record(cell, app, response)
        outputs += more
    return cell, outputs


# --- completion -------------------------------------------------------------------------------------------------


def completion(user_id: str, app: TrackedApplication, outcome: WorkflowOutcome, *, at: datetime,
               update: ApplicationUpdated | None = None, event_id: str | None = None) -> WorkflowCompleted:
    """The application's end, with what the learner segments by: from its submission, or, for one withdrawn
    before its submission was seen, from the withdrawing update. Days are whole calendar days (UTC). `event_id`:
    a correction's own id (default: the application's one completion id). Dated `at`: the time of the record that
    ended it."""
    sub = app.submitted
    posting: PostingSummary | None
    if sub is not None:
        variant_id, template, score, channel = sub.variant_id, sub.template, sub.ats_score, sub.channel
        posting, seniority, segment = sub.posting, sub.seniority, sub.segment
    else:
        option = next((v for v in (update.variants if update else []) if update and v.variant_id == update.variant_id),
                      None)
        variant_id = update.variant_id if update else None
        template, score = (option.template, option.ats_score) if option else ("", None)
        channel = (update.channel if update else None) or ""
        posting, seniority = (update.posting, update.seniority) if update else (None, None)
        segment = segment_of(seniority)
    counted = [r for r in app.responses if r.kind in RESPONDED]
    first = min((r.responded_on or r.occurred_at.date() for r in counted), default=None)
    sent_on = sub.occurred_at.date() if sub is not None else None
    return WorkflowCompleted(
        event_id=event_id or derived_id("workflow", app.application_id), user_id=user_id, occurred_at=at,
        canonical_job_id=app.canonical_job_id, application_id=app.application_id, variant_id=variant_id,
        outcome=outcome, template=template, ats_score_band=ats_score_band(score),
        board=posting.source.value if posting else "", seniority=seniority or "", channel=channel,
        segment=segment or segment_of(seniority), responded=bool(counted),
        interviewed=any(r.kind in INTERVIEWED for r in app.responses) or outcome is WorkflowOutcome.INTERVIEW,
        offered=any(r.kind in OFFERED for r in app.responses),
        # never negative: an answer the user linked by hand may carry a date before the sending
        days_to_response=max((first - sent_on).days, 0) if first is not None and sent_on is not None else None,
        days_posting_to_submission=(sent_on - posting.posted_at.date()).days
        if sent_on is not None and posting is not None and posting.posted_at is not None else None,
    )
