"""Discovery's domain values: a posting as a source hands it over, and the fetch port: its request and what a
fetch of one board returned.

Pure: no I/O. The catalog identity (`canonical_job_id`) and change detection (`content_hash`) are defined
here once, so re-fetches of an unchanged posting produce the same id and hash.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from streams.messages import BoardRef, PostingFields
from streams.processor import PortRequest, PortResult


def board_key(board: BoardRef) -> str:
    """The key of a board on the subscriptions topic and in the board table: `greenhouse:anthropic`."""
    return f"{board.source.value.lower()}:{board.token}"


_LATER_FIELDS = ("salary_text",)


class FetchedPosting(PostingFields):
    """One posting normalized from any source, before it has a catalog identity."""

    @property
    def canonical_job_id(self) -> str:
        """Stable across re-fetches: the source, the board and the source's own id. (The same job posted on
        another board gets its own id here; analysis decides that they are duplicates.)"""
        return f"{self.source.value.lower()}:{self.board_token}:{self.source_job_id}"

    @property
    def content_hash(self) -> str:
        """Changes exactly when something a reader would see changes (not the fetch time)."""
        # A field added later counts only once it is set, so adding it changes no unchanged posting's hash.
        unset_later_fields = {name for name in _LATER_FIELDS if getattr(self, name) is None}
        content = self.model_dump(mode="json", exclude={"updated_at", *unset_later_fields})
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


class BoardValidators(BaseModel):
    """HTTP cache validators from the last successful fetch, for conditional requests."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    etag: str | None = None
    last_modified: str | None = None


class SkippedItem(BaseModel):
    """An item of a board that did not become a posting, and why: reported, never dropped silently."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    where: str  # "item #3 ('Backend Engineer', https://...)", "line 7"
    reason: str
    # The source's id for the item, when it could still be told: a posting already in the catalog that turns
    # unreadable stays open (with what was last read) rather than being closed.
    source_job_id: str | None = None


class BoardFetched(PortResult):
    """A board answered: all of its current postings (a posting missing here has closed), and the items it
    listed that could not be read as postings."""

    postings: list[FetchedPosting]
    validators: BoardValidators = BoardValidators()
    fetched_at: datetime
    skipped: tuple[SkippedItem, ...] = ()


class BoardNotModified(PortResult):
    """The board answered 304: nothing changed since the validators were issued."""

    fetched_at: datetime


class BoardFailed(PortResult):
    """The board could not be fetched or parsed after the allowed attempts."""

    error_kind: str  # e.g. "timeout", "http_status", "unsafe_url", "parse"
    error: str
    attempts: int
    fetched_at: datetime


FetchOutcome = BoardFetched | BoardNotModified | BoardFailed


class FetchBoard(PortRequest):
    """Fetch `board` now (conditionally when `validators` has any); the answer is a `FetchOutcome`."""

    board: BoardRef
    validators: BoardValidators
