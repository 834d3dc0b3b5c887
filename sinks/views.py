"""The read model: PostgreSQL tables the sinks keep from the topics and the query API reads (and nothing else
reads). Every row comes from one event and is upserted by its key, so replaying a topic changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncpg

SCHEMA = """
CREATE TABLE IF NOT EXISTS view_users (
    user_id text PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL DEFAULT '',
    profile_version int NOT NULL,
    updated_at timestamptz NOT NULL
);
-- The accepted preferences (the edit form starts from them); added after the table existed, so also ALTERed.
ALTER TABLE view_users ADD COLUMN IF NOT EXISTS preferences jsonb;
-- Each user command's outcome, by the command's event id: PENDING from user.commands, then ACCEPTED (from
-- user.profiles, whose record names the command) or REJECTED (profile.rejected, with the reasons and the field
-- each is about). A decision is never overwritten, so replaying either topic in any order changes nothing.
CREATE TABLE IF NOT EXISTS view_commands (
    command_id text PRIMARY KEY,
    user_id text NOT NULL,
    kind text,
    status text NOT NULL,
    reasons jsonb NOT NULL DEFAULT '[]',
    problems jsonb NOT NULL DEFAULT '[]',
    profile_version int,
    occurred_at timestamptz NOT NULL,
    decided_at timestamptz
);
CREATE INDEX IF NOT EXISTS view_commands_user ON view_commands (user_id, occurred_at DESC);
CREATE TABLE IF NOT EXISTS view_jobs (
    canonical_job_id text PRIMARY KEY,
    title text NOT NULL,
    company text NOT NULL,
    url text NOT NULL,
    apply_url text,
    status text NOT NULL,
    locations jsonb NOT NULL DEFAULT '[]',
    updated_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS view_discoveries (
    event_id text PRIMARY KEY,
    user_id text NOT NULL,
    canonical_job_id text NOT NULL,
    search_name text NOT NULL,
    title text NOT NULL,
    company text NOT NULL,
    reasons jsonb NOT NULL DEFAULT '[]',
    occurred_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS view_discoveries_user ON view_discoveries (user_id, occurred_at DESC);
CREATE TABLE IF NOT EXISTS view_matches (
    event_id text PRIMARY KEY,
    user_id text NOT NULL,
    canonical_job_id text NOT NULL,
    score double precision NOT NULL,
    decision text NOT NULL,
    matched_skills jsonb NOT NULL DEFAULT '[]',
    missing_skills jsonb NOT NULL DEFAULT '[]',
    reasons jsonb NOT NULL DEFAULT '[]',
    duplicate_of text,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS view_matches_user ON view_matches (user_id, occurred_at DESC);
-- The review card's match reasons: the latest match of one user's job.
CREATE INDEX IF NOT EXISTS view_matches_user_job ON view_matches (user_id, canonical_job_id, occurred_at DESC);
CREATE TABLE IF NOT EXISTS view_resumes (
    event_id text PRIMARY KEY,
    user_id text NOT NULL,
    canonical_job_id text NOT NULL,
    variant_id text NOT NULL,
    template text NOT NULL,
    artifact_uri text NOT NULL,
    resume_json_uri text NOT NULL DEFAULT '',
    sha256 text NOT NULL,
    ats_score double precision NOT NULL,
    provenance_summary text NOT NULL DEFAULT '',
    occurred_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS view_resumes_user ON view_resumes (user_id, occurred_at DESC);
CREATE TABLE IF NOT EXISTS view_applications (
    application_id text PRIMARY KEY,
    user_id text NOT NULL,
    canonical_job_id text NOT NULL,
    status text NOT NULL,
    reason text NOT NULL DEFAULT '',
    channel text,
    variant_id text,
    recommended_variant_id text,
    variants jsonb NOT NULL DEFAULT '[]',
    cover_letter_uri text NOT NULL DEFAULT '',
    posting jsonb,
    score double precision,
    matched_skills jsonb NOT NULL DEFAULT '[]',
    missing_skills jsonb NOT NULL DEFAULT '[]',
    seniority text,
    wait_until timestamptz,
    answers jsonb NOT NULL DEFAULT '[]',
    updated_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS view_applications_user ON view_applications (user_id, status, updated_at DESC);
CREATE TABLE IF NOT EXISTS view_application_events (
    event_id text PRIMARY KEY,
    user_id text NOT NULL,
    application_id text NOT NULL,
    kind text NOT NULL,
    detail text NOT NULL DEFAULT '',
    channel text,
    source text,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS view_application_events_app ON view_application_events (application_id, occurred_at);
CREATE TABLE IF NOT EXISTS view_submissions (
    application_id text PRIMARY KEY,
    user_id text NOT NULL,
    canonical_job_id text NOT NULL,
    channel text NOT NULL,
    variant_id text NOT NULL,
    resume_sha256 text NOT NULL DEFAULT '',
    cover_letter_sha256 text NOT NULL DEFAULT '',
    idempotency_key text NOT NULL DEFAULT '',
    message_id text,
    external_id text,
    submitted_at timestamptz NOT NULL
);
-- The dashboard's funnel and response rates (query_api.dashboard): a user's sends and answers by time.
CREATE INDEX IF NOT EXISTS view_submissions_user ON view_submissions (user_id, submitted_at);
CREATE INDEX IF NOT EXISTS view_application_events_user ON view_application_events (user_id, occurred_at);
CREATE TABLE IF NOT EXISTS view_outcomes (
    application_id text PRIMARY KEY,
    user_id text NOT NULL,
    canonical_job_id text NOT NULL,
    outcome text NOT NULL,
    variant_id text,
    template text NOT NULL DEFAULT '',
    ats_score_band text NOT NULL DEFAULT '',
    board text NOT NULL DEFAULT '',
    seniority text NOT NULL DEFAULT '',
    responded boolean NOT NULL DEFAULT false,
    interviewed boolean NOT NULL DEFAULT false,
    offered boolean NOT NULL DEFAULT false,
    days_to_response int,
    completed_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS view_unlinked_reports (
    report_id text PRIMARY KEY,
    user_id text NOT NULL,
    source text NOT NULL,
    reason text NOT NULL,
    kind text,
    subject text NOT NULL DEFAULT '',
    from_address text NOT NULL DEFAULT '',
    responded_on date,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS view_unlinked_reports_user ON view_unlinked_reports (user_id, occurred_at DESC);
"""


async def create_views(connection: asyncpg.Connection) -> None:
    """Create the read model's tables and indexes where missing (idempotent). One creator at a time: two sinks
    starting at once on a new database would both create them, and `IF NOT EXISTS` does not stop the second from
    colliding in the catalog (a unique violation on pg_type)."""
    async with connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock(hashtext('resumeflow.views'))")
        await connection.execute(SCHEMA)
