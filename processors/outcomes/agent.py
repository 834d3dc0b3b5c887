"""Outcomes' wiring: one cell agent per user, declared, and a timer on every worker that sends a tick to each user
cell it owns with an application silent long enough (a cell may only change while a record of its partition is
processed, so the timer decides nothing: `step` does, at the tick's time)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from adapters.ai_gateway import budget_key
from processors.outcomes.ports import open_ports
from processors.outcomes.step import due, step
from streams.faust_wiring import ResumeflowApp
from streams.ids import derived_id
from streams.messages import (
    ApplicationSubmitted,
    ApplicationUpdated,
    BudgetCrossed,
    OutcomeReport,
    OutcomesUser,
    OutcomeTick,
    OutcomeUnlinked,
    ResponseReceived,
    UserProfile,
    WorkflowCompleted,
    utc_now,
)
from streams.processor import CellAgentSpec, CellInput, ProcessorSpec, Route, due_cells
from streams.topics import (
    AI_BUDGET,
    APPLICATION_SUBMITTED,
    APPLICATION_UPDATES,
    OUTCOME_REPORTS,
    OUTCOME_UNLINKED,
    OUTCOMES_USERS,
    RESPONSE_RECEIVED,
    USER_PROFILES,
    WORKFLOW_COMPLETED,
    outcome_ticks,
)

log = logging.getLogger(__name__)

OUTCOMES = CellAgentSpec(
    name="outcomes.users",
    table=OUTCOMES_USERS,
    cell_model=OutcomesUser,
    inputs=(CellInput(USER_PROFILES, UserProfile, key=lambda profile: profile.user_id),
            CellInput(APPLICATION_SUBMITTED, ApplicationSubmitted, key=lambda submitted: submitted.user_id),
            CellInput(APPLICATION_UPDATES, ApplicationUpdated, key=lambda update: update.user_id),
            CellInput(OUTCOME_REPORTS, OutcomeReport, key=lambda report: report.user_id),
            CellInput(outcome_ticks, OutcomeTick, key=lambda tick: tick.user_id)),
    step=step,
    routes={
        ResponseReceived: Route(RESPONSE_RECEIVED, key=lambda response: response.user_id),
        WorkflowCompleted: Route(WORKFLOW_COMPLETED, key=lambda completed: completed.user_id),
        OutcomeUnlinked: Route(OUTCOME_UNLINKED, key=lambda unlinked: unlinked.user_id),
        BudgetCrossed: Route(AI_BUDGET, key=budget_key),
    },
)


def due_users(cells: Iterable[tuple[str, Any]], now: datetime) -> list[str]:
    """The keys of the stored cells (`(key, cell or its dict)`) with an application due at `now`. A cell that
    cannot be read or decided is logged and passed over: one bad cell must not stop the others' ticks, nor crash
    the worker (the timer runs outside any record, so nothing would dead-letter it)."""
    return [key for key, _ in due_cells(cells, OutcomesUser, lambda cell: due(cell, now) or None, timer="outcomes")]


def _ticks(app: ResumeflowApp, tables: dict[str, Any]) -> None:
    """Every `RESUMEFLOW_OUTCOMES_TICK_S`, an OutcomeTick for each user cell in this worker's partitions with an
    application due (`step.due`). A tick's id names the user and the second, so two workers briefly owning a
    partition during a rebalance send the same tick."""
    settings = app.settings
    users = tables[OUTCOMES_USERS.name]
    ticks = outcome_ticks(settings)
    key_serde, value_serde = app.serdes.key(ticks), app.serdes.value(ticks)

    @app.timer(interval=settings.outcomes_tick_s, name="outcomes.tick")
    async def tick() -> None:
        if app.rebalancing or app.in_recovery:
            return
        now = utc_now().replace(microsecond=0)
        sent = 0
        for key in due_users(list(users.items()), now):
            record = OutcomeTick(event_id=derived_id("outcome-tick", key, now.isoformat()), user_id=key,
                                 occurred_at=now)
            await app.producer.send(ticks.name, key_serde.encode(key), value_serde.encode(record), None, None, None)
            sent += 1
        if sent:
            log.info("outcomes: %d users with silent applications", sent)


PROCESSOR = ProcessorSpec(
    name="outcomes",
    doc="Links replies, reports and webhooks to applications, classifies them, completes each application once.",
    agents=(OUTCOMES,),
    open_ports=open_ports,
    extra_wiring=_ticks,
)
