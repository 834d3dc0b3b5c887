"""Postings: the catalog (`job.catalog`), per-user discoveries, and discovery's board and user cells."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from streams.messages.common import Message, NonEmptyStr, UtcDatetime
from streams.messages.users import BoardRef, BoardSource, SavedSearch


class PostingStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class Workplace(StrEnum):
    REMOTE = "REMOTE"
    HYBRID = "HYBRID"
    ONSITE = "ONSITE"
    UNKNOWN = "UNKNOWN"


class PostingFields(Message):
    """A posting as every source describes it, normalized: the one shape discovery's adapters produce
    (`FetchedPosting`) and the catalog carries (`JobPosting`). Text fields are clean text; `description_html` is
    the source's HTML kept as data, never rendered without escaping."""

    source: BoardSource
    board_token: NonEmptyStr
    source_job_id: NonEmptyStr
    title: NonEmptyStr
    company: str
    locations: list[str] = []
    workplace: Workplace = Workplace.UNKNOWN
    employment_type: str | None = None
    salary_min: int | None = None
    salary_max: int | None = None
    salary_currency: str | None = None
    # The salary as the source stated it ("€45.000,00 – €55.000,00 pro Jahr"), kept whether or not it could be read
    # into the annual range above (which is set only when sure).
    salary_text: str | None = None
    posted_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
    url: str
    apply_url: str | None = None
    description_text: str = ""
    description_html: str | None = None
    description_original_chars: int | None = None  # set when the description was cut to fit a record


class PostingSummary(Message):
    """What later stages need to know about a posting without the catalog: where it is, how to apply, when it
    was posted. Travels on `job.analysis`, `job.analyzed` and the application events (joins go through topics).
    `apply_email` is an address the posting asks applications to be mailed to (a `mailto:` apply link or one
    named in the description), when there is one."""

    avro_schema: ClassVar[str] = "posting_summary"
    source: BoardSource
    board_token: str
    source_job_id: str
    title: str
    company: str
    locations: list[str] = []
    url: str = ""
    apply_url: str | None = None
    apply_email: str | None = None
    posted_at: UtcDatetime | None = None


class JobPosting(PostingFields):
    """A catalog record: the posting once per content, or its closing (`status` CLOSED, text empty)."""

    avro_schema: ClassVar[str] = "job_posting"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    canonical_job_id: NonEmptyStr
    status: PostingStatus = PostingStatus.OPEN
    # A closing record keeps only what identifies the posting.
    board_token: str
    source_job_id: str
    title: str
    content_hash: str


class JobDiscovered(Message):
    avro_schema: ClassVar[str] = "job_discovered"
    event_id: NonEmptyStr
    user_id: NonEmptyStr
    occurred_at: UtcDatetime
    canonical_job_id: NonEmptyStr
    search_name: str
    title: str
    company: str
    match_reasons: list[str] = []
    profile_version: int | None = None


class BoardSubscription(Message):
    avro_schema: ClassVar[str] = "board_subscription"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    board_key: NonEmptyStr
    board: BoardRef
    user_id: NonEmptyStr
    profile_version: int
    searches: list[SavedSearch] = []


class BoardFollower(Message):
    user_id: NonEmptyStr
    profile_version: int
    searches: list[SavedSearch]
    matched_version: int = 0


class KnownPosting(Message):
    content_hash: str
    source_job_id: str
    title: str
    company: str
    url: str


class BoardCell(Message):
    avro_schema: ClassVar[str] = "board_cell"
    board_key: NonEmptyStr
    board: BoardRef
    followers: list[BoardFollower] = []
    postings: dict[str, KnownPosting] = {}
    etag: str | None = None
    last_modified: str | None = None
    last_polled_at: UtcDatetime | None = None
    consecutive_failures: int = 0
    followers_changed_at: UtcDatetime | None = None
    skipped_digest: str | None = None  # which unreadable items were last reported, so each is reported once


class FollowedBoards(Message):
    avro_schema: ClassVar[str] = "followed_boards"
    user_id: NonEmptyStr
    profile_version: int
    board_keys: list[str] = []


class PollRequested(Message):
    avro_schema: ClassVar[str] = "poll_requested"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    board_key: NonEmptyStr
    force: bool = False


class SourceFailed(Message):
    avro_schema: ClassVar[str] = "source_failed"
    event_id: NonEmptyStr
    occurred_at: UtcDatetime
    board_key: NonEmptyStr
    board: BoardRef
    error_kind: str
    error: str
    attempts: int
    consecutive_failures: int
