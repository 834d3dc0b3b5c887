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
    UserProfile,
)

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
            return cell or AnalysisJob(canonical_job_id=event.canonical_job_id), [ExaminePosting(posting=event)]
        case PostingExamined():
            return _analyzed(cell, event, now=now)
        case ExaminationFailed():
            posting = event.posting
            cell = (cell or AnalysisJob(canonical_job_id=posting.canonical_job_id)).model_copy(update={
                "content_hash": posting.content_hash, "analysis": None, "failure": event.reason})
            failed = AnalysisFailed(event_id=derived_id("analysis-failed", posting.canonical_job_id,
                                                        posting.content_hash),
                                    occurred_at=now, canonical_job_id=posting.canonical_job_id,
                                    content_hash=posting.content_hash, reason=event.reason)
            return cell, [failed, *(_delivery(cell, user, now=now) for user in cell.subscribers)]
        case AnalysisRequested():
            cell = cell or AnalysisJob(canonical_job_id=event.canonical_job_id)
            if event.user_id not in cell.subscribers:
                cell = cell.model_copy(update={"subscribers": sorted({*cell.subscribers, event.user_id})})
            if cell.analysis is None and cell.failure is None:
                return cell, []  # answered when the analysis is done
            return cell, [_delivery(cell, event.user_id, now=now)]
    raise TypeError(f"a posting's cell does not take {type(event).__name__}")


def _analyzed(cell: AnalysisJob | None, examined: PostingExamined, *, now: datetime) -> tuple[AnalysisJob, list[Any]]:
    posting = examined.posting
    candidate, _ = traits_and_chunks(posting, examined.requirements)
    decision = decide_duplicate(candidate, examined.neighbours)
    analysis = JobAnalysis(
        event_id=derived_id("analysis", posting.canonical_job_id, posting.content_hash), occurred_at=now,
        canonical_job_id=posting.canonical_job_id, content_hash=posting.content_hash, extractor=examined.extractor,
        requirements=examined.requirements, duplicate_of=decision.duplicate_of, same_role_as=decision.same_role_as,
        dedup_evidence=decision.evidence, embedding=examined.embedding,
    )
    index = IndexPosting(
        canonical_job_id=posting.canonical_job_id, canonical_of=decision.duplicate_of,
        traits=PostingTraits(**candidate.model_dump()), content_hash=posting.content_hash,
        embedding=examined.embedding, chunk_embeddings=examined.chunk_embeddings, chunk_words=examined.chunk_words,
    )
    cell = (cell or AnalysisJob(canonical_job_id=posting.canonical_job_id)).model_copy(update={
        "content_hash": posting.content_hash, "analysis": analysis, "failure": None})
    deliveries = [_delivery(cell, user, now=now) for user in cell.subscribers]
    return cell, [index, *examined.budget_events, analysis, *deliveries]


def _delivery(cell: AnalysisJob, user_id: str, *, now: datetime) -> AnalysisDelivered:
    return AnalysisDelivered(
        event_id=derived_id("analysis-delivered", user_id, cell.canonical_job_id, cell.content_hash or ""),
        occurred_at=now, user_id=user_id, canonical_job_id=cell.canonical_job_id, analysis=cell.analysis,
        failure=cell.failure)


# --- a user's cell ---------------------------------------------------------------------------------------------


def user_step(cell: AnalysisUser | None, event: UserEvent, *, now: datetime) -> tuple[AnalysisUser | None, list[Any]]:
    match event:
        case UserProfile():
            if cell is not None and event.profile_version <= cell.profile_version:
                return cell, []  # a replayed or older profile
            return cell, [EmbedProfile(profile=event)]
        case ProfileEmbedded():
            updated = on_profile(cell, event.profile, event.embedding, today=now.date())
            if updated is None:
                return cell, []
            return _resume_pending(updated, now=now)
        case JobDiscovered():
            cell = cell or AnalysisUser(user_id=event.user_id)
            job = event.canonical_job_id
            done = cell.decided.get(job)
            if job in cell.pending or (done is not None and done.profile_version == cell.profile_version):
                return cell, []  # awaited, or decided on this profile (a new analysis is delivered anyway)
            request = AnalysisRequested(
                event_id=derived_id("analysis-requested", cell.user_id, job, str(cell.profile_version)),
                occurred_at=now, canonical_job_id=job, user_id=cell.user_id)
            return cell.model_copy(update={"pending": {**cell.pending, job: PendingMatch()}}), [request]
        case AnalysisDelivered():
            cell = cell or AnalysisUser(user_id=event.user_id)
            job = event.canonical_job_id
            done = cell.decided.get(job)
            content = event.analysis.content_hash if event.analysis is not None else f"failed:{event.failure}"
            if job not in cell.pending and (done is None or done.content_hash == content):
                return cell, []  # not asked for, or already decided on this content
            if cell.profile_version == 0:  # the profile has not arrived: wait for it here
                parked = PendingMatch(analysis=event.analysis, failure=event.failure)
                return cell.model_copy(update={"pending": {**cell.pending, job: parked}}), []
            return _match(cell, job, event.analysis, event.failure, now=now)
        case SkillsCompared():
            if cell is None:
                return cell, []
            cell, analyzed = decide(cell, event.analysis, fuzzy_matches=event.fuzzy_matches, now=now)
            return cell, [analyzed]
    raise TypeError(f"a user's cell does not take {type(event).__name__}")


def _match(cell: AnalysisUser, job: str, analysis: JobAnalysis | None, failure: str | None, *, now: datetime
           ) -> tuple[AnalysisUser, list[Any]]:
    if analysis is None:
        cell, skipped = unanalyzable(cell, job, failure or "no analysis", now=now)
        return cell, [skipped]
    unmatched = unmatched_skills(cell, analysis)
    if not unmatched:
        cell, analyzed = decide(cell, analysis, fuzzy_matches={}, now=now)
        return cell, [analyzed]
    return cell, [CompareSkills(analysis=analysis, terms=cell.terms, unmatched=unmatched)]


def _resume_pending(cell: AnalysisUser, *, now: datetime) -> tuple[AnalysisUser, list[Any]]:
    """After a profile arrives: decide every parked posting whose analysis is already here."""
    outputs: list[Any] = []
    for job, parked in sorted(cell.pending.items()):
        if parked.analysis is not None or parked.failure is not None:
            cell, more = _match(cell, job, parked.analysis, parked.failure, now=now)
            outputs += more
    return cell, outputs
