"""Generation's wiring: one cell agent per user, declared (`streams.processor`)."""

from __future__ import annotations

from adapters.ai_gateway import budget_key
from processors.generation.ports import open_ports, warm_up
from processors.generation.step import step
from streams.messages import BudgetCrossed, GenerationUser, JobAnalyzed, ResumeFailed, ResumeGenerated, UserProfile
from streams.processor import CellAgentSpec, CellInput, ProcessorSpec, Route
from streams.topics import AI_BUDGET, GENERATION_USERS, JOB_ANALYZED, RESUME_FAILED, RESUME_GENERATED, USER_PROFILES

RESUMES = CellAgentSpec(
    name="generation.resumes",
    table=GENERATION_USERS,
    cell_model=GenerationUser,
    inputs=(CellInput(USER_PROFILES, UserProfile, key=lambda profile: profile.user_id),
            CellInput(JOB_ANALYZED, JobAnalyzed, key=lambda decision: decision.user_id)),
    step=step,
    routes={
        ResumeGenerated: Route(RESUME_GENERATED, key=lambda resume: resume.user_id),
        ResumeFailed: Route(RESUME_FAILED, key=lambda failed: failed.user_id),
        BudgetCrossed: Route(AI_BUDGET, key=budget_key),
    },
)

PROCESSOR = ProcessorSpec(
    name="generation",
    doc="Tailors, verifies and renders three resume variants per posting a user goes ahead with.",
    agents=(RESUMES,),
    open_ports=open_ports,
    warm_up=warm_up,
)
