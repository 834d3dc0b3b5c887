"""The read model's queries about applications, scoped to one user: what the API's routes and the CLI's
`resumeflow applications list|show` both answer from (`sinks/views.py` keeps the tables).

`db` is an asyncpg pool or connection. Rows come back as asyncpg records; jsonb columns arrive as text."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import asyncpg

from query_api.paging import keyset

APPLICATION_COLUMNS = """a.application_id, a.canonical_job_id, a.status, a.reason, a.channel, a.variant_id,
                         a.recommended_variant_id, a.variants, a.posting, a.score, a.matched_skills,
                         a.missing_skills, a.seniority, a.wait_until, a.answers, a.updated_at, a.cover_letter_uri,
                         (SELECT m.reasons FROM view_matches m
                           WHERE m.user_id = a.user_id AND m.canonical_job_id = a.canonical_job_id
                           ORDER BY m.occurred_at DESC LIMIT 1) AS match_reasons"""
Db = asyncpg.Pool | asyncpg.Connection


@dataclass(frozen=True)
class ApplicationFilter:
    """Which of a user's applications a list shows; None: any. `text` matches the posting's company or title,
    case-insensitively, as a substring (LIKE's wildcards in it are plain characters)."""

    status: str | None = None
    channel: str | None = None  # "email", "greenhouse", "lever", "manual"
    board: str | None = None  # the posting's source: GREENHOUSE, LEVER, ASHBY, FEED, FILE
    text: str | None = None


async def list_applications(db: Db, user_id: str, *, filter: ApplicationFilter, limit: int,
                            after: tuple[dt.datetime, str] | None = None) -> list[asyncpg.Record]:
    """The user's applications, newest change first, those `filter` selects; with `after` (an `updated_at`
    and `application_id`), only those that sort after it (the API's cursor paging, `query_api.paging`)."""
    after_at, after_id = after or (None, None)
    pattern = None if filter.text is None else "%" + re.sub(r"([\\%_])", r"\\\1", filter.text) + "%"
    return list(await db.fetch(
        f"""SELECT {APPLICATION_COLUMNS} FROM view_applications a
             WHERE a.user_id = $1 AND ($2::text IS NULL OR a.status = $2)
               AND {keyset("a.updated_at", "a.application_id", 4)}
               AND ($6::text IS NULL OR a.channel = $6) AND ($7::text IS NULL OR a.posting->>'source' = $7)
               AND ($8::text IS NULL OR a.posting->>'company' ILIKE $8 OR a.posting->>'title' ILIKE $8)
             ORDER BY a.updated_at DESC, a.application_id LIMIT $3""", user_id, filter.status, limit, after_at,
        after_id, filter.channel, filter.board, pattern))


async def own_application(db: Db, user_id: str, application_id: str) -> asyncpg.Record | None:
    """The user's application; None when there is none or it is another user's (the same answer for both)."""
    return await db.fetchrow(
        f"SELECT {APPLICATION_COLUMNS} FROM view_applications a WHERE a.application_id = $1 AND a.user_id = $2",
        application_id, user_id)


async def application_history(db: Db, user_id: str, application_id: str) -> dict[str, Any]:
    """`timeline` (every state change and answer, oldest first), `submission` and `outcome` (None until there
    is one) of the user's application."""
    timeline = [dict(r) for r in await db.fetch(
        """SELECT kind, detail, channel, source, occurred_at FROM view_application_events
            WHERE application_id = $1 AND user_id = $2 ORDER BY occurred_at, event_id""", application_id, user_id)]
    submission = await db.fetchrow(
        """SELECT channel, variant_id, resume_sha256, cover_letter_sha256, message_id, external_id, submitted_at
             FROM view_submissions WHERE application_id = $1 AND user_id = $2""", application_id, user_id)
    outcome = await db.fetchrow(
        """SELECT outcome, responded, interviewed, offered, days_to_response, completed_at
             FROM view_outcomes WHERE application_id = $1 AND user_id = $2""", application_id, user_id)
    return {"timeline": timeline, "submission": dict(submission) if submission else None,
            "outcome": dict(outcome) if outcome else None}
