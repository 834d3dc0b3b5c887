"""Cursor paging for the list routes: keyset pages over `(time DESC, id ASC)`, the order every list is shown in.

A cursor is the sort key of the last row of a page — its timestamp (microseconds, as PostgreSQL keeps them) and
its id — as base64url JSON; clients treat it as opaque. The next page is the rows strictly after that key, so rows
added between two pages never shift a page (a newer row shows on the first page of the next listing; an older one
where it sorts) and no row is returned twice. The one key that moves is an application's `updated_at`: an
application that changes while a client pages moves to the front of the list.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_MAX_CURSOR = 1024  # a 128-character id of 4-byte UTF-8 characters, and the time, in base64


class PagingError(ValueError):
    """A `limit` or `cursor` the client must fix (answered 400)."""


@dataclass(frozen=True)
class Page:
    limit: int
    after: tuple[dt.datetime, str] | None  # the sort key of the previous page's last row


def encode_cursor(at: dt.datetime, key: str) -> str:
    raw = json.dumps([at.isoformat(), key], separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> tuple[dt.datetime, str]:
    if len(cursor) > _MAX_CURSOR:
        raise PagingError("cursor is not one this API gave")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at_text, key = json.loads(raw)
        at = dt.datetime.fromisoformat(at_text)
    except (binascii.Error, ValueError, TypeError):
        raise PagingError("cursor is not one this API gave") from None
    if not isinstance(key, str) or not 0 < len(key) <= 128 or "\x00" in key or at.tzinfo is None:
        raise PagingError("cursor is not one this API gave")
    return at, key


def page_of(query: Mapping[str, str]) -> Page:
    """`?limit=` (1..MAX_LIMIT, default DEFAULT_LIMIT) and `?cursor=` of a request; PagingError for bad ones."""
    text = query.get("limit")
    try:
        limit = DEFAULT_LIMIT if text is None else int(text)
    except ValueError:
        limit = 0
    if not 1 <= limit <= MAX_LIMIT:
        raise PagingError(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    cursor = query.get("cursor")
    return Page(limit, decode_cursor(cursor) if cursor else None)


def keyset(time_column: str, id_column: str, first_param: int) -> str:
    """The SQL condition for rows after `$first_param` (time) and `$first_param+1` (id); both NULL: every row."""
    t, k = f"${first_param}::timestamptz", f"${first_param + 1}::text"
    return f"({t} IS NULL OR {time_column} < {t} OR ({time_column} = {t} AND {id_column} > {k}))"


def after_args(page: Page) -> tuple[dt.datetime | None, str | None]:
    return page.after if page.after else (None, None)


def reply(items: Sequence[dict[str, Any]], rows: Sequence[Mapping[str, Any]], page: Page, time_key: str,
          id_key: str) -> dict[str, Any]:
    """`{"items": [...], "next": cursor or null}`; `rows` were fetched with limit + 1 so a next page is known."""
    more = len(rows) > page.limit
    last = rows[page.limit - 1] if more else None
    return {"items": list(items[:page.limit]),
            "next": encode_cursor(last[time_key], last[id_key]) if last is not None else None}
