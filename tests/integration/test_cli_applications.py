"""`resumeflow applications list|show` read the views like the web client does, scoped to the user named."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid

import asyncpg
import pytest

from sinks.views import create_views
from streams.ids import user_id_for_email
from streams.settings import Settings
from tests.integration.conftest import run_cli

pytestmark = pytest.mark.integration


def test_list_and_show_a_users_applications_and_nobody_elses(stack: Settings) -> None:
    tag = uuid.uuid4().hex[:8]
    mine, theirs = f"cli-{tag}@example.com", f"other-{tag}@example.com"
    now = dt.datetime.now(dt.UTC)
    posting = {"source": "LEVER", "board_token": "acme", "source_job_id": "1", "title": "Data Engineer",
               "company": "Acme", "url": "https://jobs.example.org/1", "apply_url": None, "apply_email": None,
               "posted_at": None, "locations": []}
    answers = [{"question": "Email", "answer": mine, "source": "basics.email"}]

    async def seed() -> None:
        connection = await asyncpg.connect(stack.database_url)
        try:
            await create_views(connection)
            await connection.executemany(
                "INSERT INTO view_applications (application_id, user_id, canonical_job_id, status, reason, channel,"
                " posting, answers, updated_at) VALUES ($1, $2, 'lever:acme:1', $3, $4, 'manual', $5::jsonb,"
                " $6::jsonb, $7)",
                [(f"app-{tag}", user_id_for_email(mine), "AWAITING_MANUAL", "apply with this packet",
                  json.dumps(posting), json.dumps(answers), now),
                 (f"theirs-{tag}", user_id_for_email(theirs), "SUBMITTED", "", json.dumps(posting), "[]", now)])
            await connection.execute(
                "INSERT INTO view_application_events (event_id, user_id, application_id, kind, detail, occurred_at)"
                " VALUES ($1, $2, $3, 'AWAITING_MANUAL', 'apply with this packet', $4)",
                f"ev-{tag}", user_id_for_email(mine), f"app-{tag}", now)
        finally:
            await connection.close()

    asyncio.run(seed())
    listed = run_cli("applications", "list", "--email", mine).stdout
    assert f"app-{tag}" in listed and "AWAITING_MANUAL" in listed and "Data Engineer at Acme" in listed
    assert f"theirs-{tag}" not in listed
    shown = run_cli("applications", "show", f"app-{tag}", "--email", mine).stdout
    assert f"Email: {mine}  (from basics.email)" in shown and "AWAITING_MANUAL  apply with this packet" in shown
    refused = run_cli("applications", "show", f"theirs-{tag}", "--email", mine, check=False)
    assert refused.returncode != 0 and f"has no application theirs-{tag}" in refused.stderr
