"""Submission's wiring: one cell agent per user, and a timer on every worker that wakes the cells it owns whose
waiting applications are due (a cap's day is over, a retry's backoff or a reconciliation's wait has passed).

Ticks run as records on `<app>-submission-ticks` because a cell may only change while a record of its partition
is processed; the timer only reads the table to decide which users are due.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from processors.submission.ports import open_ports
from processors.submission.step import Config, next_due, step_for
from streams.faust_wiring import ResumeflowApp
from streams.messages import (
    ApplicationCommand,
    ApplicationFailed,
    ApplicationSubmitted,
    ApplicationUpdated,
    JobAnalyzed,
    LearningUpdated,
    ResumeGenerated,
    SubmissionTick,
    SubmissionUser,
    UserProfile,
    new_event_id,
    utc_now,
)
from streams.processor import CellAgentSpec, CellInput, ProcessorSpec, Route, due_cells
from streams.settings import Settings
from streams.topics import (
    APPLICATION_COMMANDS,
    APPLICATION_FAILED,
    APPLICATION_SUBMITTED,
    APPLICATION_UPDATES,
    JOB_ANALYZED,
    LEARNING_UPDATED,
    RESUME_GENERATED,
    SUBMISSION_USERS,
    USER_PROFILES,
    submission_ticks,
)

# A due cell is asked again after this long if its tick changed nothing (its tick may be queued behind others).
ASK_AGAIN = timedelta(seconds=30)


def config(settings: Settings) -> Config:
    return Config(
        # A dry run offers email without a server: it records what it would send (`channels/dry_run.py`).
        email=bool(settings.smtp_host) or settings.submission_dry_run,
        reconcile_email=settings.submission_mailbox_dir is not None,
        greenhouse_boards=frozenset(settings.greenhouse_keys), lever_sites=frozenset(settings.lever_keys),
        retry=timedelta(seconds=settings.submission_retry_s), max_attempts=settings.submission_max_attempts,
        clock_offset=timedelta(seconds=settings.clock_offset_s))


def _user(record: Any) -> str:
    return str(record.user_id)


APPLICATIONS = CellAgentSpec(
    name="submission.applications",
    table=SUBMISSION_USERS,
    cell_model=SubmissionUser,
    inputs=(CellInput(USER_PROFILES, UserProfile, key=_user),
            CellInput(JOB_ANALYZED, JobAnalyzed, key=_user),
            CellInput(RESUME_GENERATED, ResumeGenerated, key=_user),
            CellInput(APPLICATION_COMMANDS, ApplicationCommand, key=_user),
            CellInput(LEARNING_UPDATED, LearningUpdated, key=_user),
            CellInput(submission_ticks, SubmissionTick, key=_user)),
    step_for=lambda settings: step_for(config(settings)),
    routes={
        ApplicationUpdated: Route(APPLICATION_UPDATES, key=_user),
        ApplicationSubmitted: Route(APPLICATION_SUBMITTED, key=_user),
        ApplicationFailed: Route(APPLICATION_FAILED, key=_user),
    },
)


def due_users(cells: Iterable[tuple[str, Any]], now: datetime) -> list[tuple[str, datetime]]:
    """`(key, due time)` of the stored cells (`(key, cell or its dict)`) with an application due at `now`. A cell
    that cannot be read is logged and passed over: one bad cell must not stop the others' ticks, nor crash the
    worker (the timer runs outside any record, so nothing would dead-letter it)."""
    def when_due(cell: SubmissionUser) -> datetime | None:
        due = next_due(cell)
        return due if due is not None and due <= now else None

    return due_cells(cells, SubmissionUser, when_due, timer="submission")


def _ticks(app: ResumeflowApp, tables: dict[str, Any]) -> None:
    """Every `RESUMEFLOW_SUBMISSION_TICK_S`, a SubmissionTick for each user in this worker's partitions (a table
    iterates over its active partitions) with an application due."""
    settings = app.settings
    cells = tables[SUBMISSION_USERS.name]
    ticks = submission_ticks(settings)
    key_serde, value_serde = app.serdes.key(ticks), app.serdes.value(ticks)
    offset = timedelta(seconds=settings.clock_offset_s)
    asked: dict[str, tuple[datetime, datetime]] = {}  # user -> (when asked, the due time then)

    @app.timer(interval=settings.submission_tick_s, name="submission.tick")
    async def tick() -> None:
        if app.rebalancing or app.in_recovery:
            return
        now = utc_now() + offset
        due_now = dict(due_users(list(cells.items()), now))
        for key in [k for k in asked if k not in due_now]:
            asked.pop(key)
        for key, due in due_now.items():
            last = asked.get(key)
            if last is not None and last[1] == due and now - last[0] < ASK_AGAIN:
                continue
            asked[key] = (now, due)
            record = SubmissionTick(event_id=new_event_id(), user_id=key, occurred_at=utc_now())
            await app.producer.send(ticks.name, key_serde.encode(key), value_serde.encode(record), None, None, None)


PROCESSOR = ProcessorSpec(
    name="submission",
    doc="Applies once per user and job, within the user's caps: email, Greenhouse, Lever or a manual packet.",
    agents=(APPLICATIONS,),
    open_ports=open_ports,
    extra_wiring=_ticks,
)
