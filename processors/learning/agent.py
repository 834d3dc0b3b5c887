"""Learning's wiring: a cell agent per user and a cell agent per segment, declared (`streams.processor`)."""

from __future__ import annotations

from processors.learning.step import segment_step, user_step_for
from streams.messages import (
    LearningSegment,
    LearningUpdated,
    LearningUser,
    OutcomeContributed,
    PriorDelivered,
    WorkflowCompleted,
)
from streams.processor import CellAgentSpec, CellInput, ProcessorSpec, Route
from streams.topics import (
    LEARNING_CONTRIBUTIONS,
    LEARNING_PRIORS,
    LEARNING_SEGMENTS,
    LEARNING_UPDATED,
    LEARNING_USERS,
    WORKFLOW_COMPLETED,
)

USERS = CellAgentSpec(
    name="learning.users",
    table=LEARNING_USERS,
    cell_model=LearningUser,
    inputs=(CellInput(WORKFLOW_COMPLETED, WorkflowCompleted, key=lambda completed: completed.user_id),
            CellInput(LEARNING_PRIORS, PriorDelivered, key=lambda prior: prior.user_id)),
    step_for=user_step_for,
    routes={
        OutcomeContributed: Route(LEARNING_CONTRIBUTIONS, key=lambda contribution: contribution.segment),
        LearningUpdated: Route(LEARNING_UPDATED, key=lambda updated: updated.user_id),
    },
)

SEGMENTS = CellAgentSpec(
    name="learning.segments",
    table=LEARNING_SEGMENTS,
    cell_model=LearningSegment,
    inputs=(CellInput(LEARNING_CONTRIBUTIONS, OutcomeContributed, key=lambda contribution: contribution.segment),),
    step=segment_step,
    routes={PriorDelivered: Route(LEARNING_PRIORS, key=lambda prior: prior.user_id)},
)

PROCESSOR = ProcessorSpec(
    name="learning",
    doc="Learns per user and segment which resume variant gets interviews (Beta posteriors, a cross-user prior).",
    agents=(USERS, SEGMENTS),
)
