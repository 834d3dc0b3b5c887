"""The read model's queries about applications, scoped to one user: what the API's routes and the CLI's
`resumeflow applications list|show` both answer from (`sinks/views.py` keeps the tables).

`db` is an asyncpg pool or connection. Rows come back as asyncpg records; jsonb columns arrive as text."""

from __future__ import annotations

import datetime as dt
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


async def list_applications(db: Db, user_id: str, *, status: str | None, limit: int,
                            after: tuple[dt.datetime, str] | None = None) -> list[asyncpg.Record]:
    """The user's applications, newest change first, optionally of one status; with `after` (an `updated_at`
    and `application_id`), only those that sort after it (the API's cursor paging, `query_api.paging`)."""
    after_at, after_id = after or (None, None)
    return list(await db.fetch(
        f"""SELECT {APPLICATION_COLUMNS} FROM view_applications a
             WHERE a.user_id = $1 AND ($2::text IS NULL OR a.status = $2)
               AND {keyset("a.updated_at", "a.application_id", 4)}
             ORDER BY a.updated_at DESC, a.application_id LIMIT $3""", user_id, status, limit, after_at, after_id))


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
