"""The slow step behind one small port: fetch one board and say what it showed (`FetchOutcome`).

Each source is an adapter (`sources/`) that parses what the board returns; this module knows where each
board lives, pages through Lever, reads FILE boards from the import folder, and turns every failure into a
`BoardFailed` so one bad board never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from adapters.http_fetch import (
    CacheValidators,
    FetchError,
    HttpClientSettings,
    PoliteHttpClient,
    open_vetted_session,
)
from adapters.rate_limit import RedisTokenBucket
from processors.discovery.errors import SourceParseError
from processors.discovery.model import (
    BoardFailed,
    BoardFetched,
    BoardNotModified,
    BoardValidators,
    FetchedPosting,
    FetchOutcome,
    SkippedItem,
)
from processors.discovery.sources import ashby, feed, file_import, greenhouse, lever
from processors.discovery.sources._common import fit_to_record
from streams import bounded_json
from streams.messages import BOARD_NAME, BoardRef, BoardSource
from streams.redis_client import redis_client
from streams.settings import Settings

log = logging.getLogger(__name__)
MAX_LEVER_PAGES = 100


def _cache(validators: BoardValidators) -> CacheValidators:
    return CacheValidators(etag=validators.etag, last_modified=validators.last_modified)


def _board(validators: CacheValidators) -> BoardValidators:
    return BoardValidators(etag=validators.etag, last_modified=validators.last_modified)


class BoardFetcher:
    def __init__(self, http: PoliteHttpClient, settings: Settings,
                 close: Callable[[], Awaitable[None]] | None = None) -> None:
        self._http = http
        self._settings = settings
        self._close = close

    async def fetch(self, board: BoardRef, validators: BoardValidators) -> FetchOutcome:
        outcome = await self._fetch(board, validators)
        if isinstance(outcome, BoardFetched):  # whatever a source hands over must fit a catalog record
            return outcome.model_copy(update={"postings": [fit_to_record(p) for p in outcome.postings]})
        return outcome

    async def _fetch(self, board: BoardRef, validators: BoardValidators) -> FetchOutcome:
        now = datetime.now(UTC)
        try:
            if board.source is not BoardSource.FEED and not BOARD_NAME.match(board.token):
                raise FetchError(f"{board.token!r} is not a board name", kind="unsafe_url")
            match board.source:
                case BoardSource.GREENHOUSE:
                    return await self._json_board(greenhouse.board_url(self._settings.greenhouse_url, board.token),
                                                  greenhouse.parse, board.token, validators, now)
                case BoardSource.ASHBY:
                    return await self._json_board(ashby.board_url(self._settings.ashby_url, board.token),
                                                  ashby.parse, board.token, validators, now)
                case BoardSource.LEVER:
                    return await self._lever(board.token, validators, now)
                case BoardSource.FEED:
                    return await self._feed(board.token, validators, now)
                case BoardSource.FILE:
                    return await self._file(board.token, validators, now)
        except FetchError as exc:
            return BoardFailed(error_kind=exc.kind, error=str(exc), attempts=exc.attempts, fetched_at=now)
        except (SourceParseError, ValueError) as exc:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
            return BoardFailed(error_kind="parse", error=str(exc)[:1000], attempts=1, fetched_at=now)
        except OSError as exc:
            return BoardFailed(error_kind="file", error=str(exc), attempts=1, fetched_at=now)

    async def _json_board(self, url: str, parse: Callable[..., list[FetchedPosting]], token: str,
                          validators: BoardValidators, now: datetime) -> FetchOutcome:
        response = await self._http.get(url, validators=_cache(validators))
        if response.not_modified:
            return BoardNotModified(fetched_at=now)
        skipped: list[SkippedItem] = []
        postings = parse(bounded_json.loads(response.body, max_bytes=None), board_token=token, skipped=skipped)
        return BoardFetched(postings=postings, validators=_board(response.validators), fetched_at=now,
                            skipped=tuple(skipped))

    async def _lever(self, site: str, validators: BoardValidators, now: datetime) -> FetchOutcome:
        postings: list[FetchedPosting] = []
        skipped: list[SkippedItem] = []
        first_validators = BoardValidators()
        for page in range(MAX_LEVER_PAGES):
            url = lever.page_url(self._settings.lever_url, site, page * lever.PAGE_SIZE)
            # Only the first page can be asked conditionally: it stands for the board as a whole.
            response = await self._http.get(url, validators=_cache(validators) if page == 0 else None)
            if response.not_modified:
                return BoardNotModified(fetched_at=now)
            if page == 0:
                first_validators = _board(response.validators)
            items = bounded_json.loads(response.body, max_bytes=None)
            postings += lever.parse(items, board_token=site, skipped=skipped)
            if not isinstance(items, list) or len(items) < lever.PAGE_SIZE:
                break
        return BoardFetched(postings=postings, validators=first_validators, fetched_at=now, skipped=tuple(skipped))

    async def _feed(self, url: str, validators: BoardValidators, now: datetime) -> FetchOutcome:
        # A feed URL is typed by a user: it must be a public http(s) address, and so must every redirect.
        response = await self._http.get(url, validators=_cache(validators), check_public=True)
        if response.not_modified:
            return BoardNotModified(fetched_at=now)
        skipped: list[SkippedItem] = []
        postings = feed.parse(response.body, board_token=url, skipped=skipped)
        return BoardFetched(postings=postings, validators=_board(response.validators), fetched_at=now,
                            skipped=tuple(skipped))

    async def _file(self, name: str, validators: BoardValidators, now: datetime) -> FetchOutcome:
        path: Path = self._settings.import_dir / name
        modified = format_datetime(datetime.fromtimestamp(path.stat().st_mtime, UTC), usegmt=True)
        if validators.last_modified == modified:
            return BoardNotModified(fetched_at=now)
        fmt = "csv" if path.suffix.lower() == ".csv" else "jsonl"
        data = await asyncio.to_thread(path.read_bytes)
        imported = file_import.parse(data, board_token=name, fmt=fmt)
        skipped = tuple(SkippedItem(where=f"line {rejected.line_number}", reason=rejected.reason)
                        for rejected in imported.rejected)
        return BoardFetched(postings=imported.postings, validators=BoardValidators(last_modified=modified),
                            fetched_at=now, skipped=skipped)

    async def close(self) -> None:
        if self._close is not None:
            await self._close()


async def open_board_fetcher(settings: Settings) -> BoardFetcher:
    """The fetcher with its resources: an HTTP session that only connects to public addresses (plus the
    configured private allowlist) and the Redis rate limiter shared by every worker."""
    http_settings = HttpClientSettings(allow_private_hosts=settings.allow_private_hosts)
    redis = redis_client(settings.redis_url)
    limiter = RedisTokenBucket(redis, capacity=settings.rate_limit_burst, refill_per_s=settings.rate_limit_per_s)
    session = open_vetted_session(http_settings)

    async def close() -> None:
        await session.close()
        await redis.aclose()

    return BoardFetcher(PoliteHttpClient(session, limiter, http_settings), settings, close)
