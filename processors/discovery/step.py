"""Discovery's pure core: `follow_step` for a user's cell, `board_step_for(interval)` for a board's cell.

Three decisions, each a plain function of state and an event:
- `follow_boards`: a user's new profile, in the user's cell -> which boards they follow, as subscriptions
  re-keyed to each board's partition;
- `apply_subscription`: in the board's cell, who follows it with which searches;
- `plan_fetch` / `on_fetch`: when to poll a board, and what a fetch means — catalog records for new, changed
  and closed postings, a discovery per follower whose searches match, or a source error.

Event ids derive from their content, so a replay publishes the same ids and a user never gets two discoveries
of one posting.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from processors.discovery.matching import first_match
from processors.discovery.model import (
    BoardFailed,
    BoardFetched,
    BoardNotModified,
    BoardValidators,
    FetchBoard,
    FetchedPosting,
    FetchOutcome,
    board_key,
)
from streams.ids import derived_id
from streams.messages import (
    BoardCell,
    BoardFollower,
    BoardRef,
    BoardSource,
    BoardSubscription,
    FollowedBoards,
    JobDiscovered,
    JobPosting,
    KnownPosting,
    PollRequested,
    PostingStatus,
    SavedSearch,
    SourceFailed,
    UserProfile,
)
from textkit.urls import canonical_url

DiscoveryEvent = JobPosting | JobDiscovered | SourceFailed
MAX_BACKOFF_STEPS = 5


# --- the user's cell -------------------------------------------------------------------------------------------


def follow_boards(
    followed: FollowedBoards | None, profile: UserProfile
) -> tuple[FollowedBoards, list[BoardSubscription]]:
    """Subscriptions for every board the profile's searches name, and an empty one for each board dropped; dated by
    the profile's version (its `occurred_at`), so a profile redelivered or replayed later gives the same ones."""
    if followed is not None and profile.profile_version <= followed.profile_version:
        return followed, []  # a replayed or older profile
    boards: dict[str, BoardRef] = {}
    searches: dict[str, list[SavedSearch]] = {}
    for search in profile.preferences.saved_searches:
        for board in map(canonical_board, search.boards):
            key = board_key(board)
            boards.setdefault(key, board)
            if search not in searches.setdefault(key, []):
                searches[key].append(search)
    subscriptions = [
        BoardSubscription(
            event_id=derived_id("subscription", profile.user_id, str(profile.profile_version), key),
            occurred_at=profile.occurred_at, board_key=key, board=board, user_id=profile.user_id,
            profile_version=profile.profile_version, searches=searches[key],
        )
        for key, board in sorted(boards.items())
    ]
    for dropped in sorted(set(followed.board_keys if followed else ()) - set(boards)):
        source, _, token = dropped.partition(":")
        subscriptions.append(BoardSubscription(
            event_id=derived_id("subscription", profile.user_id, str(profile.profile_version), dropped),
            occurred_at=profile.occurred_at, board_key=dropped,
            board=BoardRef(source=BoardSource(source.upper()), token=token), user_id=profile.user_id,
            profile_version=profile.profile_version, searches=[],
        ))
    new_followed = FollowedBoards(user_id=profile.user_id, profile_version=profile.profile_version,
                                  board_keys=sorted(boards))
    return new_followed, subscriptions


def canonical_board(board: BoardRef) -> BoardRef:
    """A feed is followed by its canonical URL, so links to it that differ only by tracking parameters, case of
    the host, fragment or trailing slash are one board, polled once."""
    if board.source is not BoardSource.FEED:
        return board
    url = canonical_url(board.token)
    return board if url == board.token else board.model_copy(update={"token": url})


# --- the board's cell ------------------------------------------------------------------------------------------


def apply_subscription(cell: BoardCell | None, subscription: BoardSubscription) -> BoardCell:
    """Add, update or remove one follower. An older profile version never overrides a newer one: a user who stops
    following stays listed without searches, so their older subscription seen again cannot bring them back."""
    cell = cell or BoardCell(board_key=subscription.board_key, board=subscription.board)
    others = [f for f in cell.followers if f.user_id != subscription.user_id]
    current = next((f for f in cell.followers if f.user_id == subscription.user_id), None)
    if current is not None and current.profile_version >= subscription.profile_version:
        return cell  # the same subscription again, or an older one
    others.append(BoardFollower(
        user_id=subscription.user_id, profile_version=subscription.profile_version,
        searches=subscription.searches, matched_version=current.matched_version if current else 0,
    ))
    changed_at = max(filter(None, (cell.followers_changed_at, subscription.occurred_at)))
    return cell.model_copy(update={"followers": sorted(others, key=lambda f: f.user_id),
                                   "followers_changed_at": changed_at})


def following(cell: BoardCell) -> list[BoardFollower]:
    """The followers with searches (the others stopped following)."""
    return [f for f in cell.followers if f.searches]


def followers_mark(cell: BoardCell) -> tuple[tuple[str, int], ...]:
    """Who follows the board, at which profile versions: what a poll request is asked for. Unlike
    `followers_changed_at` it changes with every follower added, also by a subscription processed late (dated by
    its profile, which can be older than the last change: the date then stays put)."""
    return tuple((f.user_id, f.profile_version) for f in cell.followers)


def ask_again(last: tuple[datetime, tuple[tuple[str, int], ...]] | None, cell: BoardCell, *, now: datetime,
              interval: timedelta) -> bool:
    """Whether a due board's poll should be requested now, given the last request this worker made for it (when,
    and the `followers_mark` then): not while one asked for the same followers may still be on its way (within
    `interval`), so a slow fetch does not queue a request every tick."""
    return last is None or last[1] != followers_mark(cell) or now - last[0] >= interval


def needs_backfill(cell: BoardCell) -> bool:
    """A follower whose current searches have not yet been matched against every open posting."""
    return any(f.matched_version < f.profile_version for f in following(cell))


def plan_fetch(
    cell: BoardCell, *, now: datetime, interval: timedelta, force: bool = False
) -> BoardValidators | None:
    """None when the board is not due; else the validators for a conditional request (none when a follower
    needs every posting, since a 304 would hand over nothing to match).

    Due: every `interval`; at once for a new follower's backfill; after failures, only after a backoff that
    doubles each time (also for a backfill, so a dead board is not hammered). `force` ignores all waiting."""
    if not following(cell):
        return None
    if not force and cell.last_polled_at is not None:
        if cell.consecutive_failures:
            wait = interval * (2 ** min(cell.consecutive_failures - 1, MAX_BACKOFF_STEPS))
        else:
            wait = timedelta(0) if needs_backfill(cell) else interval
        if now - cell.last_polled_at < wait:
            return None
    if needs_backfill(cell):
        return BoardValidators()
    return BoardValidators(etag=cell.etag, last_modified=cell.last_modified)


def _catalog_record(posting: FetchedPosting, *, at: datetime) -> JobPosting:
    return JobPosting(
        event_id=derived_id("posting", posting.canonical_job_id, posting.content_hash),
        occurred_at=at,
        canonical_job_id=posting.canonical_job_id,
        content_hash=posting.content_hash,
        status=PostingStatus.OPEN,
        **posting.model_dump(),
    )


def _closed_record(cell: BoardCell, canonical_job_id: str, known: KnownPosting, *, at: datetime) -> JobPosting:
    return JobPosting(
        event_id=derived_id("closed", canonical_job_id, known.content_hash),
        occurred_at=at, canonical_job_id=canonical_job_id, source=cell.board.source, board_token=cell.board.token,
        source_job_id=known.source_job_id, status=PostingStatus.CLOSED, title=known.title, company=known.company,
        url=known.url, description_text="", content_hash=known.content_hash,
    )


def _discovery(follower: BoardFollower, posting: FetchedPosting, *, at: datetime) -> JobDiscovered | None:
    matched = first_match(posting, follower.searches)
    if matched is None:
        return None
    search_name, reasons = matched
    return JobDiscovered(
        event_id=derived_id("discovered", follower.user_id, posting.canonical_job_id),
        user_id=follower.user_id, occurred_at=at, canonical_job_id=posting.canonical_job_id,
        search_name=search_name, title=posting.title, company=posting.company, match_reasons=reasons,
        profile_version=follower.profile_version,
    )


def on_fetch(cell: BoardCell, outcome: FetchOutcome) -> tuple[BoardCell, list[DiscoveryEvent]]:
    """What one poll of the board means for the catalog, its followers and the board's state. Everything is dated
    by the poll itself (`outcome.fetched_at`, when the fetch port read the board: the real time of that effect),
    never by the clock of the step, so the same answer processed again later gives the very same records."""
    now = outcome.fetched_at
    if isinstance(outcome, BoardFailed):
        failures = cell.consecutive_failures + 1
        failed = SourceFailed(
            event_id=derived_id("failed", cell.board_key, outcome.fetched_at.isoformat()), occurred_at=now,
            board_key=cell.board_key, board=cell.board, error_kind=outcome.error_kind, error=outcome.error,
            attempts=outcome.attempts, consecutive_failures=failures,
        )
        return cell.model_copy(update={"last_polled_at": now, "consecutive_failures": failures}), [failed]
    if isinstance(outcome, BoardNotModified):
        return cell.model_copy(update={"last_polled_at": now, "consecutive_failures": 0}), []

    assert isinstance(outcome, BoardFetched)
    skipped_report, skipped_digest = _skipped_report(cell, outcome)
    current = {p.canonical_job_id: p for p in outcome.postings}
    changed = [p for cid, p in current.items()
               if cid not in cell.postings or cell.postings[cid].content_hash != p.content_hash]
    events: list[DiscoveryEvent] = [_catalog_record(p, at=now) for p in changed]
    events += skipped_report
    # A known posting the board still lists but that could not be read this time stays open, as last read.
    unreadable = {f"{cell.board_key}:{item.source_job_id}" for item in outcome.skipped if item.source_job_id}
    kept = {cid: known for cid, known in cell.postings.items() if cid not in current and cid in unreadable}
    events += [_closed_record(cell, cid, known, at=now) for cid, known in cell.postings.items()
               if cid not in current and cid not in kept]
    followers = []
    for follower in cell.followers:
        candidates = list(current.values()) if follower.matched_version < follower.profile_version else changed
        events += [d for p in candidates if (d := _discovery(follower, p, at=now)) is not None]
        followers.append(follower.model_copy(update={"matched_version": follower.profile_version}))
    new_cell = cell.model_copy(update={
        "followers": followers,
        "postings": {**kept, **{cid: KnownPosting(content_hash=p.content_hash, source_job_id=p.source_job_id,
                                                  title=p.title, company=p.company, url=p.url)
                                for cid, p in current.items()}},
        "etag": outcome.validators.etag,
        "last_modified": outcome.validators.last_modified,
        "last_polled_at": now,
        "consecutive_failures": 0,
        "skipped_digest": skipped_digest,
    })
    return new_cell, events


MAX_REPORTED_ITEMS = 20
SKIPPED_ITEMS = "skipped_items"  # the error kind of a report of a board's unreadable items


def _skipped_report(cell: BoardCell, outcome: BoardFetched) -> tuple[list[SourceFailed], str | None]:
    """A `SourceFailed` of kind "skipped_items" naming the items the board listed that could not be postings, the
    first time this set of items is seen (the board itself was read: its failure count stays 0); and the digest
    the cell keeps of the set."""
    if not outcome.skipped:
        return [], None
    lines = [f"{item.where}: {item.reason}" for item in outcome.skipped]
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()[:32]
    if digest == cell.skipped_digest:
        return [], digest
    total = len(outcome.skipped) + len(outcome.postings)
    shown = "; ".join(lines[:MAX_REPORTED_ITEMS])
    more = f"; and {len(lines) - MAX_REPORTED_ITEMS} more" if len(lines) > MAX_REPORTED_ITEMS else ""
    report = SourceFailed(
        event_id=derived_id("skipped", cell.board_key, digest), occurred_at=outcome.fetched_at,
        board_key=cell.board_key, board=cell.board, error_kind=SKIPPED_ITEMS,
        error=f"{len(lines)} of {total} items skipped: {shown}{more}"[:4000], attempts=1, consecutive_failures=0,
    )
    return [report], digest


# --- the agents' steps -----------------------------------------------------------------------------------------


def follow_step(cell: FollowedBoards | None, profile: UserProfile, *, now: datetime
                ) -> tuple[FollowedBoards | None, list[BoardSubscription]]:
    """The user cell's step: a new profile -> the subscriptions to send to the boards' cells (`now` unused: they
    are dated by the profile)."""
    return follow_boards(cell, profile)


BoardEvent = BoardSubscription | PollRequested | BoardFetched | BoardNotModified | BoardFailed


def board_step_for(interval: timedelta) -> Callable[..., tuple[BoardCell | None, list[DiscoveryEvent | FetchBoard]]]:
    """The board cell's step for a poll `interval`: subscriptions change the followers; a poll that is due asks
    the fetch port for the board; what the fetch returned becomes catalog records, discoveries or a failure."""

    def board_step(cell: BoardCell | None, event: BoardEvent, *, now: datetime
                   ) -> tuple[BoardCell | None, list[DiscoveryEvent | FetchBoard]]:
        match event:
            case BoardSubscription():
                return apply_subscription(cell, event), []
            case PollRequested():
                if cell is not None and cell.followers_changed_at and event.occurred_at < cell.followers_changed_at:
                    return cell, []  # a tick from before the followers changed, seen again: the next one counts
                # Due or not as at the tick's own time (not the clock): a tick processed again later decides
                # as it did the first time, and a new tick, sent when it was due, still polls.
                validators = None if cell is None else plan_fetch(cell, now=event.occurred_at, interval=interval,
                                                                  force=event.force)
                if cell is None or validators is None:
                    return cell, []  # polled meanwhile, or nobody follows it any more
                return cell, [FetchBoard(board=cell.board, validators=validators)]
            case BoardFetched() | BoardNotModified() | BoardFailed():
                if cell is None:
                    return cell, []
                return on_fetch(cell, event)
        raise TypeError(f"a board cell does not take {type(event).__name__}")

    return board_step
