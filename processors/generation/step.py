"""Generation's pure core: for each posting a user goes ahead with, tailored variants that the profile supports.

In the user's cell (keyed by user id), with the latest master profile from `user.profiles`:

    JobAnalyzed (PROCEED, with requirements)
      -> tailoring (pure)                    -> Rephrase        (port: the LLM, or unchanged without one)
    Rephrased
      -> truthfulness, ATS, cover letter     -> RenderResumes   (port: fitting to the pages on the measured Typst
         (pure: `pipeline.prepare`)                              layout, Typst, HTML, Markdown, artifact store)
    Rendered      -> one ResumeGenerated per variant
    RenderFailed, or a variant the profile does not support -> ResumeFailed, with the reason

A decision that arrives before the user's profile waits in the cell and is taken up when the profile comes. The
cell remembers which decision each job's resumes answer, so a redelivered decision costs nothing; a new decision
for the job (its posting changed) is generated again. Nothing here reads the clock (`now` is unused): resumes are
written as of the decision's date and dated by it, so a decision processed again, however much later, gives the
very same events.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from processors.generation.errors import GenerationError
from processors.generation.model import Rendered, RenderFailed, RenderResumes, Rephrase, Rephrased
from processors.generation.pipeline import prepare
from processors.generation.tailoring import tailor_variants
from streams.ids import derived_id
from streams.messages import GenerationUser, JobAnalyzed, MatchDecision, ResumeFailed, ResumeGenerated, UserProfile
from textkit.jsonresume import upgrade_legacy_names

GenerationEvent = UserProfile | JobAnalyzed | Rephrased | Rendered | RenderFailed
# More than a crash can redeliver (one commit interval of one user's decisions) is never needed.
REMEMBERED_DECISIONS = 256


def step(cell: GenerationUser | None, event: GenerationEvent, *, now: datetime
         ) -> tuple[GenerationUser | None, list[Any]]:
    match event:
        case UserProfile():
            if cell is not None and event.profile_version <= cell.profile_version:
                return cell, []  # a replayed or older profile
            waiting = cell.pending if cell is not None else []
            cell = (cell or GenerationUser(user_id=event.user_id)).model_copy(update={
                "profile_version": event.profile_version, "profile_json": event.profile_json, "pending": []})
            outputs: list[Any] = []
            for decision in waiting:
                cell, more = _begin(cell, decision)
                outputs += more
            return cell, outputs
        case JobAnalyzed():
            if event.decision is not MatchDecision.PROCEED:
                return cell, []
            cell = cell or GenerationUser(user_id=event.user_id)
            if event.event_id in cell.answered or cell.generated.get(event.canonical_job_id) == event.event_id:
                return cell, []  # answered already: a redelivery
            if cell.profile_version == 0:  # the profile has not arrived: wait for it here
                waiting = [d for d in cell.pending if d.event_id != event.event_id]
                return cell.model_copy(update={"pending": [*waiting, event]}), []
            return _begin(cell, event)
        case Rephrased():
            assert cell is not None and event.decision.requirements is not None
            try:
                prepared = prepare(_profile(cell), event.decision.requirements, today=_today(event.decision),
                                   resumes=event.resumes)
            except GenerationError as exc:
                return _failed(cell, event.decision, "truthfulness", str(exc))
            return cell, [*event.budget_events, RenderResumes(decision=event.decision, prepared=prepared,
                                                              profile_json=json.dumps(_profile(cell)),
                                                              today=_today(event.decision))]
        case Rendered():
            assert cell is not None
            decision = event.decision
            resumes = [ResumeGenerated(
                event_id=derived_id("resume", decision.user_id, decision.canonical_job_id, v.variant_id, v.sha256),
                user_id=decision.user_id, occurred_at=decision.occurred_at,
                canonical_job_id=decision.canonical_job_id, variant_id=v.variant_id, template=v.template,
                artifact_uri=v.artifact_uri, sha256=v.sha256,
                ats_score=round(v.ats_score, 3), provenance_summary=v.provenance_summary,
                resume_json_uri=v.resume_json_uri, render_notes=v.render_notes, decision_id=decision.event_id,
                variants_total=len(event.variants), cover_letter_uri=event.cover_letter_uri,
                cover_letter_sha256=event.cover_letter_sha256,
            ) for v in event.variants]
            return _done(cell, decision), resumes
        case RenderFailed():
            assert cell is not None
            return _failed(cell, event.decision, "render", event.reason)
    raise TypeError(f"a generation cell does not take {type(event).__name__}")


def _today(decision: JobAnalyzed) -> date:
    """The day a decision's resumes are written as of (durations, "present"): the decision's own date, never the
    clock, so a decision redelivered or replayed later gives the very same resumes (same bytes, same ids)."""
    return decision.occurred_at.date()


def _begin(cell: GenerationUser, decision: JobAnalyzed) -> tuple[GenerationUser, list[Any]]:
    if decision.requirements is None:
        return _failed(cell, decision, "requirements", "the decision carries no requirements to tailor to "
                       "(it predates them on job.analyzed): replaying job.analyzed from analysis fixes it")
    resumes = tailor_variants(_profile(cell), decision.requirements, today=_today(decision))
    return cell, [Rephrase(decision=decision, resumes=resumes)]


def _profile(cell: GenerationUser) -> dict[str, Any]:
    """The master profile with JSON Resume 0.x names read as today's: the profiles processor publishes it so, but a
    profile accepted before it did may still say `company` for the employer (the user was told when it did)."""
    return upgrade_legacy_names(json.loads(cell.profile_json)).profile


def _done(cell: GenerationUser, decision: JobAnalyzed) -> GenerationUser:
    answered = [*(i for i in cell.answered if i != decision.event_id), decision.event_id][-REMEMBERED_DECISIONS:]
    return cell.model_copy(update={"generated": {**cell.generated, decision.canonical_job_id: decision.event_id},
                                   "answered": answered})


def _failed(cell: GenerationUser, decision: JobAnalyzed, stage: str, reason: str
            ) -> tuple[GenerationUser, list[Any]]:
    """The decision answered with a failure, dated like its resumes would be: by the decision."""
    failed = ResumeFailed(event_id=derived_id("resume-failed", decision.user_id, decision.event_id, stage),
                          user_id=decision.user_id, occurred_at=decision.occurred_at,
                          canonical_job_id=decision.canonical_job_id, stage=stage, reason=reason[:2000])
    return _done(cell, decision), [failed]
