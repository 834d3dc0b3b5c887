"""The read model: PostgreSQL tables the sinks keep from the topics and the query API reads (and nothing else
reads). Every row comes from one event and is upserted by its key, so replaying a topic changes nothing."""

SCHEMA = """
CREATE TABLE IF NOT EXISTS view_users (
    user_id text PRIMARY KEY,
    email text NOT NULL,
    name text NOT NULL DEFAULT '',
    profile_version int NOT NULL,
    updated_at timestamptz NOT NULL
);
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
"""
