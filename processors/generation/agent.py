"""Faust wiring of generation.

- `generation.profiles` (user.profiles, user cells): keeps the user's latest master profile.
- `generation.resumes` (job.analyzed, user cells): for a posting the user goes ahead with, the three tailored,
  verified variants and a cover letter, rendered (Typst, HTML, Markdown), stored by content hash, and a
  `resume.generated` per variant carrying its URI, sha256, variant id, template, ATS score and provenance.

The job's requirements come from the analysis read model (PostgreSQL, by canonical job id). Rendering is CPU
work and runs in a thread.
"""

from __future__ import annotations

import asyncio
import json
import uuid

from faust.types import StreamT

from processors.analysis.analysis_store import AnalysisStore
from processors.generation.artifacts import LocalArtifactStore
from processors.generation.pipeline import Generated, generate
from processors.generation.rephrase import rephrase
from processors.generation.tailoring import tailor_variants
from streams.ai_gateway import AiGateway
from streams.faust_wiring import Processor, ResumeflowApp, wait_for
from streams.messages import (
    GenerationUser,
    JobAnalyzed,
    MatchDecision,
    ResumeGenerated,
    UserProfile,
    utc_now,
)
from streams.topics import AI_BUDGET, GENERATION_USERS, JOB_ANALYZED, RESUME_GENERATED, USER_PROFILES

_IDS = uuid.UUID("5d7e9a1c-3b2f-4e6d-8a0b-1c2d3e4f5a6b")


def install(app: ResumeflowApp) -> None:
    profiles = app.catalog_topic(USER_PROFILES)
    analyzed = app.catalog_topic(JOB_ANALYZED)
    generated = app.catalog_topic(RESUME_GENERATED)
    users = app.cell_table(GENERATION_USERS, help="Each user's latest master profile.")
    budget_topic = app.catalog_topic(AI_BUDGET)
    artifacts = LocalArtifactStore(app.settings.artifact_dir)
    analyses: AnalysisStore | None = None
    gateway: AiGateway | None = None

    @app.agent(profiles, name="generation.profiles")
    async def keep_profiles(stream: StreamT) -> None:
        async for profile, _ in app.valid_events(stream, UserProfile, USER_PROFILES):
            stored = users.get(profile.user_id)
            if stored is None or GenerationUser.model_validate(stored).profile_version < profile.profile_version:
                users[profile.user_id] = GenerationUser(user_id=profile.user_id,
                                                        profile_version=profile.profile_version,
                                                        profile_json=profile.profile_json)

    async def generate_for(decision: JobAnalyzed, partition: int) -> list[ResumeGenerated]:
        nonlocal analyses, gateway
        if analyses is None:
            analyses = await AnalysisStore.connect(app.settings.database_url)
            gateway = await AiGateway.start(app.settings)
        store, ai = analyses, gateway
        assert ai is not None

        async def read_user() -> GenerationUser | None:
            stored = users.get(decision.user_id)
            return GenerationUser.model_validate(stored) if stored is not None else None

        user = await wait_for(read_user, f"the profile of user {decision.user_id}")
        analysis = await wait_for(lambda: store.get(decision.canonical_job_id),
                                  f"the analysis of {decision.canonical_job_id}")
        now = utc_now()
        profile = json.loads(user.profile_json)
        resumes = tailor_variants(profile, analysis.requirements, today=now.date())
        if ai.enabled:  # optional: the deterministic tailoring stands on its own
            rephrased = []
            for resume in resumes:
                resume, crossed = await rephrase(resume, analysis.requirements, ai, user_id=decision.user_id,
                                                 cell=partition)
                rephrased.append(resume)
                for event in crossed:
                    await budget_topic.send(key=event.event_key, value=event.to_event())
            resumes = rephrased
        # `generate` verifies every line (a rejected rewrite falls back to the profile's words) and renders.
        result: Generated = await asyncio.to_thread(
            generate, profile, analysis.requirements, today=now.date(), resumes=resumes)
        events = []
        for variant in result.variants:
            stored = await asyncio.to_thread(artifacts.put, variant.pdf, suffix=".pdf", content_type="application/pdf")
            for data, suffix, kind in ((variant.html.encode(), ".html", "text/html"),
                                       (variant.markdown.encode(), ".md", "text/markdown")):
                await asyncio.to_thread(artifacts.put, data, suffix=suffix, content_type=kind)
            resume_json = await asyncio.to_thread(artifacts.put, variant.resume.model_dump_json().encode(),
                                                  suffix=".json", content_type="application/json")
            events.append(ResumeGenerated(
                event_id=str(uuid.uuid5(_IDS, f"{decision.user_id}\x1f{decision.canonical_job_id}\x1f"
                                              f"{variant.resume.variant_id}\x1f{stored.sha256}")),
                user_id=decision.user_id, occurred_at=now, canonical_job_id=decision.canonical_job_id,
                variant_id=variant.resume.variant_id, template=variant.template, artifact_uri=stored.uri,
                sha256=stored.sha256, ats_score=round(variant.ats.after.score, 3),
                provenance_summary=variant.provenance_summary, resume_json_uri=resume_json.uri,
            ))
        await asyncio.to_thread(artifacts.put, result.letter_pdf, suffix=".pdf", content_type="application/pdf")
        return events

    @app.agent(analyzed, name="generation.resumes")
    async def make_resumes(stream: StreamT) -> None:
        async for decision, event in app.valid_events(stream, JobAnalyzed, JOB_ANALYZED):
            if decision.decision is not MatchDecision.PROCEED:
                continue
            for out in await generate_for(decision, event.message.partition):
                await generated.send(key=out.user_id, value=out)

    async def close(sender: object, **kwargs: object) -> None:
        if analyses is not None:
            await analyses.close()
        if gateway is not None:
            await gateway.close()

    app.on_before_shutdown.connect(close)


PROCESSOR = Processor(
    name="generation",
    install=install,
    doc="Tailors, verifies and renders three resume variants per posting a user goes ahead with.",
    consumes=(USER_PROFILES, JOB_ANALYZED),
)
