"""Analysis's wiring: a cell agent per posting and a cell agent per user, declared (`streams.processor`)."""

from __future__ import annotations

from adapters.ai_gateway import budget_key
from processors.analysis.ports import open_ports, warm_up
from processors.analysis.step import job_step, user_step
from streams.messages import (
    AnalysisDelivered,
    AnalysisFailed,
    AnalysisJob,
    AnalysisRequested,
    AnalysisUser,
    BudgetCrossed,
    JobAnalysis,
    JobAnalyzed,
    JobDiscovered,
    JobPosting,
    UserProfile,
)
from streams.processor import CellAgentSpec, CellInput, ProcessorSpec, Route
from streams.topics import (
    AI_BUDGET,
    ANALYSIS_DELIVERIES,
    ANALYSIS_FAILED,
    ANALYSIS_JOBS,
    ANALYSIS_REQUESTS,
    ANALYSIS_USERS,
    JOB_ANALYSIS,
    JOB_ANALYZED,
    JOB_CATALOG,
    JOB_DISCOVERED,
    USER_PROFILES,
)

POSTINGS = CellAgentSpec(
    name="analysis.postings",
    table=ANALYSIS_JOBS,
    cell_model=AnalysisJob,
    inputs=(CellInput(JOB_CATALOG, JobPosting, key=lambda posting: posting.canonical_job_id),
            CellInput(ANALYSIS_REQUESTS, AnalysisRequested, key=lambda request: request.canonical_job_id)),
    step=job_step,
    routes={
        JobAnalysis: Route(JOB_ANALYSIS, key=lambda analysis: analysis.canonical_job_id),
        AnalysisDelivered: Route(ANALYSIS_DELIVERIES, key=lambda delivery: delivery.user_id),
        AnalysisFailed: Route(ANALYSIS_FAILED, key=lambda failed: failed.canonical_job_id),
        BudgetCrossed: Route(AI_BUDGET, key=budget_key),
    },
)

USERS = CellAgentSpec(
    name="analysis.users",
    table=ANALYSIS_USERS,
    cell_model=AnalysisUser,
    inputs=(CellInput(USER_PROFILES, UserProfile, key=lambda profile: profile.user_id),
            CellInput(JOB_DISCOVERED, JobDiscovered, key=lambda discovered: discovered.user_id),
            CellInput(ANALYSIS_DELIVERIES, AnalysisDelivered, key=lambda delivery: delivery.user_id)),
    step=user_step,
    routes={
        AnalysisRequested: Route(ANALYSIS_REQUESTS, key=lambda request: request.canonical_job_id),
        JobAnalyzed: Route(JOB_ANALYZED, key=lambda analyzed: analyzed.user_id),
    },
)

PROCESSOR = ProcessorSpec(
    name="analysis",
    doc="Analyzes each posting once (requirements, embedding, dedup) and scores it for each discovering user.",
    agents=(POSTINGS, USERS),
    open_ports=open_ports,
    warm_up=warm_up,
)
