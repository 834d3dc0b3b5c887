"""Analysis's pure core: `job_step` in a posting's cell, `user_step` in a user's cell.

A posting is analyzed once per content, in its own cell (keyed by canonical job id): `ExaminePosting` reads its
requirements and embedding and finds its nearest stored postings, `job_step` decides whether it duplicates one,
stores the embedding (`IndexPosting`) and publishes the `JobAnalysis`.

A user's cell needs the analyses of the postings the user discovered, which live in other partitions. It asks
for them through a topic, never a database: a `JobDiscovered` parks the posting in the user's cell and sends an
`AnalysisRequested` to the posting's cell, which subscribes the user and answers with an `AnalysisDelivered`
(at once when it has the analysis, else when it is done, and again whenever the posting's content changes). A
delivery, once the user's profile is known, becomes the user's `JobAnalyzed`. A record whose input is missing
waits in its cell; replaying the topics rebuilds every cell.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from processors.analysis.dedup import PostingTraits, decide_duplicate, traits_and_chunks
from processors.analysis.match import decide, on_profile, unanalyzable, unmatched_skills
from processors.analysis.model import (
    CompareSkills,
    EmbedProfile,
    ExaminationFailed,
    ExaminePosting,
    IndexPosting,
    PostingExamined,
    ProfileEmbedded,
    SkillsCompared,
)
from streams.ids import derived_id
from streams.messages import (
    AnalysisDelivered,
    AnalysisFailed,
    AnalysisJob,
    AnalysisRequested,
    AnalysisUser,
    JobAnalysis,
    JobDiscovered,
    JobPosting,
    PendingMatch,
    PostingStatus,
    PostingSummary,
    UserProfile,
)
from textkit.apply_address import apply_email

JobEvent = JobPosting | AnalysisRequested | PostingExamined | ExaminationFailed
UserEvent = UserProfile | ProfileEmbedded | JobDiscovered | AnalysisDelivered | SkillsCompared


# --- a posting's cell ------------------------------------------------------------------------------------------


def job_step(cell: AnalysisJob | None, event: JobEvent, *, now: datetime) -> tuple[AnalysisJob | None, list[Any]]:
    match event:
        case JobPosting():
            if event.status is PostingStatus.CLOSED:
                return cell, []
            if cell is not None and cell.content_hash == event.content_hash:
                return cell, []  # analyzed once: a re-publication of the same content changes nothing
            if cell is not None and cell.posting_at is not None and event.occurred_at <= cell.posting_at:
                return cell, []  # an older record seen again (a replay): the newer content was analyzed
            return cell or AnalysisJob(canonical_job_id=event.canonical_job_id), [ExaminePosting(posting=event)]
        case PostingExamined():
            return _analyzed(cell, event)
        case ExaminationFailed():
            posting = event.posting
            cell = (cell or AnalysisJob(canonical_job_id=posting.canonical_job_id)).model_copy(update={
                "content_hash": posting.content_hash, "posting_at": posting.occurred_at, "analysis": None,
                "failure": event.reason})
            failed = AnalysisFailed(event_id=derived_id("analysis-failed", posting.canonical_job_id,
                                                        posting.content_hash),
                                    occurred_at=posting.occurred_at, canonical_job_id=posting.canonical_job_id,
                                    content_hash=posting.content_hash, reason=event.reason)
            return cell, [failed, *(_delivery(cell, user, posting.occurred_at) for user in cell.subscribers)]
        case AnalysisRequested():
            cell = cell or AnalysisJob(canonical_job_id=event.canonical_job_id)
            asked = max(cell.requested.get(event.user_id, 0), event.profile_version)
            if event.user_id not in cell.subscribers or asked != cell.requested.get(event.user_id):
                cell = cell.model_copy(update={"subscribers": sorted({*cell.subscribers, event.user_id}),
                                               "requested": {**cell.requested, event.user_id: asked}})
            if cell.analysis is None and cell.failure is None:
                return cell, []  # answered when the analysis is done
            return cell, [_delivery(cell, event.user_id, event.occurred_at)]
    raise TypeError(f"a posting's cell does not take {type(event).__name__}")


def _analyzed(cell: AnalysisJob | None, examined: PostingExamined) -> tuple[AnalysisJob, list[Any]]:
    """The analysis of one posting's content, dated by that content's record (`posting.occurred_at`, when discovery
    published it), not by the clock: a posting redelivered or replayed days later gives the very same analysis."""
    posting = examined.posting
    candidate, _ = traits_and_chunks(posting, examined.requirements, aliases=examined.company_aliases)
    decision = decide_duplicate(candidate, examined.neighbours)
    analysis = JobAnalysis(
        event_id=derived_id("analysis", posting.canonical_job_id, posting.content_hash),
        occurred_at=posting.occurred_at, canonical_job_id=posting.canonical_job_id, content_hash=posting.content_hash,
        extractor=examined.extractor,
        requirements=examined.requirements, duplicate_of=decision.duplicate_of, same_role_as=decision.same_role_as,
        dedup_evidence=decision.evidence, embedding=examined.embedding, posting=summarize(posting),
    )
    index = IndexPosting(
        canonical_job_id=posting.canonical_job_id, canonical_of=decision.duplicate_of,
        traits=PostingTraits(**candidate.model_dump()), content_hash=posting.content_hash,
        embedding=examined.embedding, chunk_embeddings=examined.chunk_embeddings, chunk_words=examined.chunk_words,
    )
    cell = (cell or AnalysisJob(canonical_job_id=posting.canonical_job_id)).model_copy(update={
        "content_hash": posting.content_hash, "posting_at": posting.occurred_at, "analysis": analysis,
        "failure": None})
    deliveries = [_delivery(cell, user, posting.occurred_at) for user in cell.subscribers]
    return cell, [index, *examined.budget_events, analysis, *deliveries]


def summarize(posting: JobPosting) -> PostingSummary:
    """What the stages after analysis need of a posting: where it is, how to apply (the address a posting asks
    applications to be mailed to, when it names one), when it was posted."""
    return PostingSummary(
        source=posting.source, board_token=posting.board_token, source_job_id=posting.source_job_id,
        title=posting.title, company=posting.company, locations=posting.locations, url=posting.url,
        apply_url=posting.apply_url, apply_email=apply_email(posting.apply_url, posting.description_text),
        posted_at=posting.posted_at,
    )


def _delivery(cell: AnalysisJob, user_id: str, otherwise: datetime) -> AnalysisDelivered:
    """One user's copy of the cell's analysis (or failure), dated like the analysis by its content's record, so
    each delivery id always carries the same time, whichever record (the analysis, a request) sent it; `otherwise`
    (the sending record's time) only for a cell from before cells kept that time."""
    version = cell.requested.get(user_id, 0)
    return AnalysisDelivered(
        event_id=derived_id("analysis-delivered", user_id, cell.canonical_job_id, cell.content_hash or "",
                            str(version)),
        occurred_at=cell.posting_at or otherwise, user_id=user_id, canonical_job_id=cell.canonical_job_id,
        analysis=cell.analysis,
        failure=cell.failure, posting_at=cell.posting_at, for_version=version)


# --- a user's cell ---------------------------------------------------------------------------------------------


def user_step(cell: AnalysisUser | None, event: UserEvent, *, now: datetime) -> tuple[AnalysisUser | None, list[Any]]:
    match event:
        case UserProfile():
            if cell is not None and event.profile_version <= cell.profile_version:
                return cell, []  # a replayed or older profile
            return cell, [EmbedProfile(profile=event)]
        case ProfileEmbedded():
            # Years of experience as of the profile's own date, so a profile replayed later scores the same.
            updated = on_profile(cell, event.profile, event.embedding, today=event.profile.occurred_at.date())
            if updated is None:
                return cell, []
            return _resume_pending(updated, now=now)
        case JobDiscovered():
            cell = cell or AnalysisUser(user_id=event.user_id)
            job = event.canonical_job_id
            wanted = event.profile_version or 1  # (records from before discoveries named their profile: 1)
            waiting = cell.pending.get(job)
            done = cell.decided.get(job)
            if waiting is not None and waiting.profile_version >= wanted:
                return cell, []  # already asked for
            if waiting is None and done is not None and done.profile_version >= wanted:
                return cell, []  # decided on this profile or a newer one (a new analysis is delivered anyway)
            if waiting is not None:  # the posting was found again for a newer profile: decide on that one
                raised = waiting.model_copy(update={"profile_version": wanted})
                cell = cell.model_copy(update={"pending": {**cell.pending, job: raised}})
                return _resume_pending(cell, now=now)
            request = AnalysisRequested(
                event_id=derived_id("analysis-requested", cell.user_id, job, str(wanted)),
                occurred_at=event.occurred_at, canonical_job_id=job, user_id=cell.user_id, profile_version=wanted)
            pending = PendingMatch(profile_version=wanted, asked_at=event.occurred_at)
            return cell.model_copy(update={"pending": {**cell.pending, job: pending}}), [request]
        case AnalysisDelivered():
            cell = cell or AnalysisUser(user_id=event.user_id)
            if not _news(cell, event):
                return cell, []  # not asked for, or not newer than what the cell has (a delivery seen again)
            job = event.canonical_job_id
            waiting = cell.pending.get(job)
            wanted = waiting.profile_version if waiting is not None else cell.profile_version
            if cell.profile_version == 0 or cell.profile_version < wanted:  # wait here for the profile
                parked = PendingMatch(analysis=event.analysis, failure=event.failure, posting_at=event.posting_at,
                                      profile_version=wanted, asked_at=waiting.asked_at if waiting else None)
                return cell.model_copy(update={"pending": {**cell.pending, job: parked}}), []
            return _match(cell, job, event.analysis, event.failure, event.posting_at, now=now)
        case SkillsCompared():
            if cell is None:
                return cell, []
            cell, analyzed = decide(cell, event.analysis, fuzzy_matches=event.fuzzy_matches,
                                    posting_at=event.posting_at, at=_decided_at(cell, event.analysis.canonical_job_id,
                                                                                event.analysis.occurred_at))
            return cell, [analyzed]
    raise TypeError(f"a user's cell does not take {type(event).__name__}")


def _news(cell: AnalysisUser, delivery: AnalysisDelivered) -> bool:
    """Whether a delivery tells the cell something: it answers the request the cell is waiting on (not an older
    one) with content no older than the cell already has, or it brings newer content of a posting already
    decided. Deliveries of one posting carry the times discovery published its contents, in order, and the
    profile version they answer, so one seen again is never news."""
    at = delivery.posting_at
    waiting = delivery.canonical_job_id in cell.pending and cell.pending[delivery.canonical_job_id]
    done = cell.decided.get(delivery.canonical_job_id)
    if waiting:
        if delivery.for_version < waiting.profile_version:
            return False  # the answer to an older request
        if waiting.analysis is not None or waiting.failure is not None:  # one is parked already
            return at is not None and waiting.posting_at is not None and at > waiting.posting_at
        return at is None or done is None or done.posting_at is None or at >= done.posting_at
    if done is None:
        return False  # never asked for
    if at is None or done.posting_at is None:  # records from before deliveries carried times
        content = delivery.analysis.content_hash if delivery.analysis is not None else f"failed:{delivery.failure}"
        return content != done.content_hash
    return at > done.posting_at


def _match(cell: AnalysisUser, job: str, analysis: JobAnalysis | None, failure: str | None,
           posting_at: datetime | None, *, now: datetime) -> tuple[AnalysisUser, list[Any]]:
    if analysis is None:
        # A delivery from before deliveries carried the content's time: dated by the clock.
        cell, skipped = unanalyzable(cell, job, failure or "no analysis", posting_at=posting_at,
                                     at=_decided_at(cell, job, posting_at or now))
        return cell, [skipped]
    unmatched = unmatched_skills(cell, analysis)
    if not unmatched:
        cell, analyzed = decide(cell, analysis, fuzzy_matches={}, posting_at=posting_at,
                                at=_decided_at(cell, job, analysis.occurred_at))
        return cell, [analyzed]
    return cell, [CompareSkills(analysis=analysis, terms=cell.terms, unmatched=unmatched, posting_at=posting_at)]


def _decided_at(cell: AnalysisUser, job: str, content_at: datetime) -> datetime:
    """When a decision is dated: the later of the content's record (`content_at`) and the user's finding it (the
    discovery's time, kept while the decision is pending). Both are fixed by the inputs, so a decision made again
    on redelivery or replay, however much later, is the very same event; and a posting found by a user long after
    it was published is dated when they found it."""
    pending = cell.pending.get(job)
    asked_at = pending.asked_at if pending is not None else None
    return max(content_at, asked_at) if asked_at is not None else content_at


def _resume_pending(cell: AnalysisUser, *, now: datetime) -> tuple[AnalysisUser, list[Any]]:
    """Decide every parked posting whose analysis is here and whose profile has arrived."""
    outputs: list[Any] = []
    for job, parked in sorted(cell.pending.items()):
        ready = cell.profile_version > 0 and parked.profile_version <= cell.profile_version
        if ready and (parked.analysis is not None or parked.failure is not None):
            cell, more = _match(cell, job, parked.analysis, parked.failure, parked.posting_at, now=now)
            outputs += more
    return cell, outputs
