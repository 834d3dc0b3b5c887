"""Faust wiring of discovery.

- `discovery.follow` (user.profiles, user cells): which boards each user follows -> discovery.subscriptions.
- `discovery.subscribe` (discovery.subscriptions, board cells): the board's followers and their searches.
- a timer on every worker: for each board in the partitions it owns that is due, a PollRequested to itself.
- `discovery.poll` (`<app>-discovery-polls`, board cells): fetch the board (the one slow step, behind `BoardFetcher`),
  then `on_fetch` on the board's *current* cell, store it, publish catalog records, discoveries, errors.

Polls run as stream events because a table may only be written while processing an event of its partition.
"""

from __future__ import annotations

import logging
import os
import signal
from datetime import timedelta

from faust.types import StreamT
from pydantic import ValidationError

from processors.discovery.fetch import BoardFetcher, open_board_fetcher
from processors.discovery.step import apply_subscription, follow_boards, on_fetch, plan_fetch
from streams.faust_wiring import Processor, ResumeflowApp, wait_until_consumed
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


def install(app: ResumeflowApp) -> None:
    settings = app.settings
    interval = timedelta(seconds=settings.discovery_interval_s)
    profiles = app.catalog_topic(USER_PROFILES)
    subscriptions = app.catalog_topic(BOARD_SUBSCRIPTIONS)
    polls_spec = board_polls(settings)
    polls = app.catalog_topic(polls_spec)
    catalog = app.catalog_topic(JOB_CATALOG)
    discovered = app.catalog_topic(JOB_DISCOVERED)
    failures = app.catalog_topic(SOURCE_FAILED)
    followed = app.cell_table(FOLLOWED_BOARDS, help="The boards each user's latest profile follows.")
    boards = app.cell_table(BOARD_CELLS, help="Each board's followers, open postings and poll state.")
    fetcher: BoardFetcher | None = None

    @app.agent(profiles, name="discovery.follow")
    async def follow(stream: StreamT) -> None:
        async for profile, _ in app.valid_events(stream, UserProfile, USER_PROFILES):
            stored = followed.get(profile.user_id)
            current = FollowedBoards.model_validate(stored) if stored is not None else None
            new, outgoing = follow_boards(current, profile, now=utc_now())
            if new != current:
                followed[profile.user_id] = new
            for subscription in outgoing:
                await subscriptions.send(key=subscription.board_key, value=subscription)

    @app.agent(subscriptions, name="discovery.subscribe")
    async def subscribe(stream: StreamT) -> None:
        async for subscription, _ in app.valid_events(stream, BoardSubscription, BOARD_SUBSCRIPTIONS):
            stored = boards.get(subscription.board_key)
            cell = BoardCell.model_validate(stored) if stored is not None else None
            boards[subscription.board_key] = apply_subscription(cell, subscription)

    @app.agent(polls, name="discovery.poll")
    async def poll(stream: StreamT) -> None:
        nonlocal fetcher
        async for event in stream.events():
            try:
                request = PollRequested.model_validate(event.value)
            except ValidationError as exc:
                log.error("unreadable poll request %s: %s", event.message.offset, exc)  # our own ticks
                continue
            stored = boards.get(request.board_key)
            if stored is None:
                continue
            cell = BoardCell.model_validate(stored)
            validators = plan_fetch(cell, now=utc_now(), interval=interval, force=request.force)
            if validators is None:
                continue  # polled meanwhile, or nobody follows it any more
            if fetcher is None:
                fetcher = await open_board_fetcher(settings)
            outcome = await fetcher.fetch(cell.board, validators)
            # Re-read: followers may have changed while the fetch was in flight.
            cell = BoardCell.model_validate(boards.get(request.board_key) or stored)
            new_cell, events = on_fetch(cell, outcome, now=utc_now())
            boards[request.board_key] = new_cell
            for out in events:
                match out:
                    case JobPosting():
                        await catalog.send(key=out.canonical_job_id, value=out)
                    case JobDiscovered():
                        await discovered.send(key=out.user_id, value=out)
                    case SourceFailed():
                        log.warning("board %s failed (%s): %s", out.board_key, out.error_kind, out.error)
                        await failures.send(key=out.board_key, value=out)

    if not settings.discovery_once:

        @app.timer(interval=settings.discovery_tick_s, name="discovery.tick")
        async def tick() -> None:
            await request_due_polls(force=False)

    async def request_due_polls(*, force: bool) -> int:
        """A PollRequested for each due board this worker owns (table iteration covers its active partitions)."""
        if app.rebalancing or app.in_recovery:
            return 0
        now = utc_now()
        due = [
            key for key, stored in list(boards.items())
            if plan_fetch(BoardCell.model_validate(stored), now=now, interval=interval, force=force) is not None
        ]
        for key in due:
            await polls.send(key=key, value=PollRequested(event_id=new_event_id(), occurred_at=now, board_key=key,
                                                          force=force))
        return len(due)

    if settings.discovery_once:

        @app.task
        async def one_cycle() -> None:
            """`resumeflow discover --once`: catch up on subscriptions, poll every followed board once, stop."""
            inputs = [USER_PROFILES.name, BOARD_SUBSCRIPTIONS.name]
            await wait_until_consumed(app, inputs)
            requested = await request_due_polls(force=True)
            log.info("discover --once: %d boards to poll", requested)
            await wait_until_consumed(app, [*inputs, polls_spec.name])
            log.info("discover --once: done")
            # The worker's own graceful stop: flush, commit, leave the group, exit 0.
            os.kill(os.getpid(), signal.SIGTERM)

    async def close_fetcher(sender: object, **kwargs: object) -> None:
        if fetcher is not None:
            await fetcher.close()

    app.on_before_shutdown.connect(close_fetcher)


PROCESSOR = Processor(
    name="discovery",
    install=install,
    doc="Polls each followed board once for all its followers; publishes the catalog and per-user discoveries.",
    consumes=(USER_PROFILES, BOARD_SUBSCRIPTIONS),
)
