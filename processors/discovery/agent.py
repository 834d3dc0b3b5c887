"""Discovery's wiring: two cell agents, and a timer on every worker that asks the boards it owns to poll.

Polls run as records on `<app>-discovery-polls` because a board's cell may only change while a record of its
partition is processed; the timer only decides which boards are due and sends them a `PollRequested`.
"""

from __future__ import annotations

import logging
import os
import signal
from datetime import datetime, timedelta
from typing import Any

from processors.discovery.ports import open_ports
from processors.discovery.step import ask_again, board_step_for, follow_step, followers_mark, plan_fetch
from streams.faust_wiring import ResumeflowApp, wait_until_consumed
from streams.messages import (
    BoardCell,
    BoardSubscription,
    FollowedBoards,
    JobDiscovered,
    JobPosting,
    PollRequested,
    SourceFailed,
    UserProfile,
    new_event_id,
    utc_now,
)
from streams.processor import CellAgentSpec, CellInput, ProcessorSpec, Route
from streams.settings import Settings
from streams.topics import (
    BOARD_CELLS,
    BOARD_SUBSCRIPTIONS,
    FOLLOWED_BOARDS,
    JOB_CATALOG,
    JOB_DISCOVERED,
    SOURCE_FAILED,
    USER_PROFILES,
    board_polls,
)

log = logging.getLogger(__name__)

FOLLOW = CellAgentSpec(
    name="discovery.follow",
    table=FOLLOWED_BOARDS,
    cell_model=FollowedBoards,
    inputs=(CellInput(USER_PROFILES, UserProfile, key=lambda profile: profile.user_id),),
    step=follow_step,
    routes={BoardSubscription: Route(BOARD_SUBSCRIPTIONS, key=lambda subscription: subscription.board_key)},
)


def _interval(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.discovery_interval_s)


BOARDS = CellAgentSpec(
    name="discovery.boards",
    table=BOARD_CELLS,
    cell_model=BoardCell,
    inputs=(CellInput(BOARD_SUBSCRIPTIONS, BoardSubscription, key=lambda subscription: subscription.board_key),
            CellInput(board_polls, PollRequested, key=lambda poll: poll.board_key)),
    step_for=lambda settings: board_step_for(_interval(settings)),
    routes={
        JobPosting: Route(JOB_CATALOG, key=lambda posting: posting.canonical_job_id),
        JobDiscovered: Route(JOB_DISCOVERED, key=lambda discovered: discovered.user_id),
        SourceFailed: Route(SOURCE_FAILED, key=lambda failed: failed.board_key),
    },
)


def _ticks(app: ResumeflowApp, tables: dict[str, Any]) -> None:
    """Every `RESUMEFLOW_DISCOVERY_TICK_S`, a PollRequested for each due board in the partitions this worker owns
    (a table iterates over its active partitions); with `discover --once`, one forced round, then a clean stop."""
    settings = app.settings
    boards = tables[BOARD_CELLS.name]
    polls = board_polls(settings)
    key_serde, value_serde = app.serdes.key(polls), app.serdes.value(polls)
    interval = _interval(settings)

    # What this worker asked each board to do last: (when, its `followers_mark` then). A board whose
    # fetch takes a while stays due; asking it again every tick would only queue polls behind it.
    asked: dict[str, tuple[datetime, tuple[tuple[str, int], ...]]] = {}

    async def request_due_polls(*, force: bool) -> int:
        if app.rebalancing or app.in_recovery:
            return 0
        now = utc_now()
        due = []
        for key, stored in list(boards.items()):
            cell = BoardCell.model_validate(stored)
            if plan_fetch(cell, now=now, interval=interval, force=force) is None:
                continue
            if not force and not ask_again(asked.get(key), cell, now=now, interval=interval):
                continue  # asked already for these followers: the poll is on its way
            asked[key] = (now, followers_mark(cell))
            due.append(key)
        for key in due:
            request = PollRequested(event_id=new_event_id(), occurred_at=now, board_key=key, force=force)
            await app.producer.send(polls.name, key_serde.encode(key), value_serde.encode(request), None, None, None)
        return len(due)

    if not settings.discovery_once:

        @app.timer(interval=settings.discovery_tick_s, name="discovery.tick")
        async def tick() -> None:
            await request_due_polls(force=False)

        return

    @app.task
    async def one_cycle() -> None:
        """`resumeflow discover --once`: catch up on subscriptions, poll every followed board once, stop."""
        inputs = [USER_PROFILES.for_settings(settings).name, BOARD_SUBSCRIPTIONS.for_settings(settings).name]
        await wait_until_consumed(app, inputs)
        requested = await request_due_polls(force=True)
        log.info("discover --once: %d boards to poll", requested)
        await wait_until_consumed(app, [*inputs, polls.name])
        log.info("discover --once: done")
        os.kill(os.getpid(), signal.SIGTERM)  # the worker's own graceful stop: flush, commit, leave, exit 0


PROCESSOR = ProcessorSpec(
    name="discovery",
    doc="Polls each followed board once for all its followers; publishes the catalog and per-user discoveries.",
    agents=(FOLLOW, BOARDS),
    open_ports=open_ports,
    extra_wiring=_ticks,
)
