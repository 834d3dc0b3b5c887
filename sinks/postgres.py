"""The PostgreSQL sink: topic records become rows of the read model (`sinks.views`), upserted by their key.

`BatchingSink` collects rows per table and says when a batch is due (by size or age); `flush` writes every
table's rows in one transaction with `executemany`, so the runner commits the Kafka offsets only after the rows
are durable. Every statement is an `INSERT ... ON CONFLICT`: events are written once (`DO NOTHING` on
`event_id`), entities only move forward (a profile by version, a posting by time), so replaying a topic
changes nothing.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from sinks.views import SCHEMA
from streams import metrics
from streams.messages import (
    ApplicationSubmitted,
    ApplicationUpdated,
    JobAnalyzed,
    JobDiscovered,
    JobPosting,
    Message,
    OutcomeUnlinked,
    ProfileRejected,
    ResponseReceived,
    ResumeGenerated,
    UserCommand,
    UserProfile,
    WorkflowCompleted,
)
from streams.storable_text import without_nul
from streams.topics import (
    APPLICATION_SUBMITTED,
    APPLICATION_UPDATES,
    JOB_ANALYZED,
    JOB_CATALOG,
    JOB_DISCOVERED,
    OUTCOME_UNLINKED,
    PROFILE_REJECTED,
    RESPONSE_RECEIVED,
    RESUME_GENERATED,
    USER_COMMANDS,
    USER_PROFILES,
    WORKFLOW_COMPLETED,
    TopicSpec,
)

Row = tuple[Any, ...]


class BatchingSink:
    """Rows per table, flushed together when `max_rows` records were absorbed or the oldest waited `max_delay_ms`.

    A record that yields no row (a skipped poison record) still counts (`skip`): its offset is committed with
    the batch that follows it.
    """

    # Tables a batch writes first, in this order (the others after them): the order another transaction locks them
    # in, so that the two cannot deadlock (`PostgresViewSink`'s is the order the views' SCHEMA locks them).
    table_order: tuple[str, ...] = ()

    def __init__(self, *, max_rows: int = 500, max_delay_ms: int = 1000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_rows = max_rows
        self.max_delay_ms = max_delay_ms
        self._clock = clock
        self._rows: dict[str, list[Row]] = {}
        self._records = 0
        self._first_at: float | None = None

    @property
    def pending(self) -> int:
        """Records absorbed since the last flush (with or without a row)."""
        return self._records

    def add(self, table: str, row: Row) -> None:
        self._rows.setdefault(table, []).append(row)
        self._absorbed()

    def skip(self) -> None:
        self._absorbed()

    def _absorbed(self) -> None:
        if self._first_at is None:
            self._first_at = self._clock()
        self._records += 1

    def due(self) -> bool:
        if self._first_at is None:
            return False
        return self._records >= self.max_rows or (self._clock() - self._first_at) * 1000 >= self.max_delay_ms

    async def flush(self, connection: asyncpg.Connection) -> int:
        """Write every pending row in one transaction; returns the number of rows written (attempted)."""
        rows, self._rows, self._records, self._first_at = self._rows, {}, 0, None
        written = 0
        if rows:
            rank = {table: n for n, table in enumerate(self.table_order)}
            rows = dict(sorted(rows.items(), key=lambda item: rank.get(item[0], len(rank))))
            async with connection.transaction():
                for table, table_rows in rows.items():
                    await self.write(connection, table, table_rows)
                    written += len(table_rows)
            for table, table_rows in rows.items():  # counted once committed
                metrics.SINK_ROWS.labels(table).inc(len(table_rows))
        return written

    async def write(self, connection: asyncpg.Connection, table: str, rows: list[Row]) -> None:
        raise NotImplementedError


# --- the views ------------------------------------------------------------------------------------------------


def profile_name(profile_json: str) -> str:
    """basics.name of a JSON Resume document, '' when absent or unreadable: the view is for display only."""
    try:
        name = json.loads(profile_json)["basics"]["name"]
    except (ValueError, TypeError, KeyError):
        return ""
    return name if isinstance(name, str) else ""


def _user_row(m: UserProfile) -> Row:
    # Email, name, version and preferences: the profile document itself stays on the topic (data minimization).
    return (m.user_id, m.email, profile_name(m.profile_json), m.profile_version, m.occurred_at,
            m.preferences.model_dump_json())


def _command_sent_row(m: UserCommand) -> Row:
    # Only the kind: the command's profile and preferences stay on the topic.
    return (m.event_id, m.user_id, m.kind.value, "PENDING", "[]", "[]", None, m.occurred_at, None)


def _command_accepted_row(m: UserProfile) -> Row | None:
    if m.command_id is None:  # written before profiles named the command
        return None
    return (m.command_id, m.user_id, None, "ACCEPTED", "[]", "[]", m.profile_version, m.occurred_at, m.occurred_at)


def _command_rejected_row(m: ProfileRejected) -> Row:
    return (m.command_id, m.user_id, m.command_kind.value, "REJECTED", json.dumps(m.reasons),
            json.dumps([p.model_dump() for p in m.problems]), None, m.occurred_at, m.occurred_at)


def _job_row(m: JobPosting) -> Row:
    return (m.canonical_job_id, m.title, m.company, m.url, m.apply_url, m.status.value, json.dumps(m.locations),
            m.occurred_at)


def _discovery_row(m: JobDiscovered) -> Row:
    return (m.event_id, m.user_id, m.canonical_job_id, m.search_name, m.title, m.company,
            json.dumps(m.match_reasons), m.occurred_at)


def _match_row(m: JobAnalyzed) -> Row:
    return (m.event_id, m.user_id, m.canonical_job_id, m.score, m.decision.value, json.dumps(m.matched_skills),
            json.dumps(m.missing_skills), json.dumps(m.reasons), m.duplicate_of, m.occurred_at)


def _resume_row(m: ResumeGenerated) -> Row:
    return (m.event_id, m.user_id, m.canonical_job_id, m.variant_id, m.template, m.artifact_uri, m.resume_json_uri,
            m.sha256, m.ats_score, m.provenance_summary, m.occurred_at)


def _application_row(m: ApplicationUpdated) -> Row:
    return (m.application_id, m.user_id, m.canonical_job_id, m.status.value, m.reason, m.channel, m.variant_id,
            m.recommended_variant_id, json.dumps([v.model_dump() for v in m.variants]), m.cover_letter_uri,
            m.posting.model_dump_json() if m.posting else None, m.score, json.dumps(m.matched_skills),
            json.dumps(m.missing_skills), m.seniority, m.wait_until,
            json.dumps([a.model_dump() for a in m.answers]), m.occurred_at)


def _update_event_row(m: ApplicationUpdated) -> Row:
    return (m.event_id, m.user_id, m.application_id, m.status.value, m.reason, m.channel, None, m.occurred_at)


def _response_event_row(m: ResponseReceived) -> Row:
    return (m.event_id, m.user_id, m.application_id, m.kind.value, m.detail, None, m.source.value, m.occurred_at)


def _submission_row(m: ApplicationSubmitted) -> Row:
    return (m.application_id, m.user_id, m.canonical_job_id, m.channel, m.variant_id, m.resume_sha256,
            m.cover_letter_sha256, m.idempotency_key, m.message_id, m.external_id, m.occurred_at)


def _outcome_row(m: WorkflowCompleted) -> Row:
    return (m.application_id or f"job:{m.canonical_job_id}", m.user_id, m.canonical_job_id, m.outcome.value,
            m.variant_id, m.template, m.ats_score_band, m.board, m.seniority, m.responded, m.interviewed, m.offered,
            m.days_to_response, m.occurred_at)


def _unlinked_row(m: OutcomeUnlinked) -> Row:
    return (m.report_id, m.user_id, m.source.value, m.reason, m.kind.value if m.kind else None, m.subject,
            m.from_address, m.responded_on, m.occurred_at)


_EVENT_UPSERT = ("INSERT INTO view_application_events (event_id, user_id, application_id, kind, detail, channel, "
                 "source, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING")


_UNDECIDED = "view_commands.status = 'PENDING'"
_COMMAND_UPSERT = (
    "INSERT INTO view_commands (command_id, user_id, kind, status, reasons, problems, profile_version, occurred_at, "
    "decided_at) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9) "
    "ON CONFLICT (command_id) DO UPDATE SET kind = COALESCE(view_commands.kind, EXCLUDED.kind), "
    + ", ".join(f"{column} = CASE WHEN {_UNDECIDED} THEN EXCLUDED.{column} ELSE view_commands.{column} END"
                for column in ("status", "reasons", "problems", "profile_version", "decided_at"))
    + " WHERE view_commands.user_id = EXCLUDED.user_id")


@dataclass(frozen=True)
class View:
    """How one topic's records become rows of one table."""

    topic: TopicSpec
    model: type[Message]
    table: str
    upsert: str
    row: Callable[[Any], Row | None]  # None: this record has no row in this table


VIEWS: tuple[View, ...] = (
    View(USER_PROFILES, UserProfile, "view_users",
         "INSERT INTO view_users (user_id, email, name, profile_version, updated_at, preferences) "
         "VALUES ($1, $2, $3, $4, $5, $6::jsonb) "
         "ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, name = EXCLUDED.name, "
         "profile_version = EXCLUDED.profile_version, updated_at = EXCLUDED.updated_at, "
         "preferences = EXCLUDED.preferences WHERE view_users.profile_version <= EXCLUDED.profile_version",
         _user_row),
    # A command's outcome: its first decision stays (a command is decided once; PENDING never overwrites one);
    # the kind comes from whichever record names it. Rows of another user's command id are never touched.
    *(View(topic, model, "view_commands", _COMMAND_UPSERT, row) for topic, model, row in (
        (USER_COMMANDS, UserCommand, _command_sent_row), (USER_PROFILES, UserProfile, _command_accepted_row),
        (PROFILE_REJECTED, ProfileRejected, _command_rejected_row))),
    View(JOB_CATALOG, JobPosting, "view_jobs",
         "INSERT INTO view_jobs (canonical_job_id, title, company, url, apply_url, status, locations, updated_at) "
         "VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) "
         "ON CONFLICT (canonical_job_id) DO UPDATE SET title = EXCLUDED.title, company = EXCLUDED.company, "
         "url = EXCLUDED.url, apply_url = EXCLUDED.apply_url, status = EXCLUDED.status, "
         "locations = EXCLUDED.locations, updated_at = EXCLUDED.updated_at "
         "WHERE view_jobs.updated_at <= EXCLUDED.updated_at",
         _job_row),
    View(JOB_DISCOVERED, JobDiscovered, "view_discoveries",
         "INSERT INTO view_discoveries (event_id, user_id, canonical_job_id, search_name, title, company, reasons, "
         "occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) ON CONFLICT (event_id) DO NOTHING",
         _discovery_row),
    View(JOB_ANALYZED, JobAnalyzed, "view_matches",
         "INSERT INTO view_matches (event_id, user_id, canonical_job_id, score, decision, matched_skills, "
         "missing_skills, reasons, duplicate_of, occurred_at) "
         "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8::jsonb, $9, $10) ON CONFLICT (event_id) DO NOTHING",
         _match_row),
    View(RESUME_GENERATED, ResumeGenerated, "view_resumes",
         "INSERT INTO view_resumes (event_id, user_id, canonical_job_id, variant_id, template, artifact_uri, "
         "resume_json_uri, sha256, ats_score, provenance_summary, occurred_at) "
         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (event_id) DO NOTHING",
         _resume_row),
    # An application's latest state (a later update wins; the same update again changes nothing) and its timeline.
    View(APPLICATION_UPDATES, ApplicationUpdated, "view_applications",
         "INSERT INTO view_applications (application_id, user_id, canonical_job_id, status, reason, channel, "
         "variant_id, recommended_variant_id, variants, cover_letter_uri, posting, score, matched_skills, "
         "missing_skills, seniority, wait_until, answers, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
         "$9::jsonb, $10, $11::jsonb, $12, $13::jsonb, $14::jsonb, $15, $16, $17::jsonb, $18) "
         "ON CONFLICT (application_id) DO UPDATE SET status = EXCLUDED.status, reason = EXCLUDED.reason, "
         "channel = EXCLUDED.channel, variant_id = EXCLUDED.variant_id, "
         "recommended_variant_id = EXCLUDED.recommended_variant_id, variants = EXCLUDED.variants, "
         "cover_letter_uri = EXCLUDED.cover_letter_uri, posting = EXCLUDED.posting, score = EXCLUDED.score, "
         "matched_skills = EXCLUDED.matched_skills, missing_skills = EXCLUDED.missing_skills, "
         "seniority = EXCLUDED.seniority, wait_until = EXCLUDED.wait_until, answers = EXCLUDED.answers, "
         "updated_at = EXCLUDED.updated_at WHERE view_applications.updated_at <= EXCLUDED.updated_at",
         _application_row),
    View(APPLICATION_UPDATES, ApplicationUpdated, "view_application_events", _EVENT_UPSERT, _update_event_row),
    View(RESPONSE_RECEIVED, ResponseReceived, "view_application_events", _EVENT_UPSERT, _response_event_row),
    View(APPLICATION_SUBMITTED, ApplicationSubmitted, "view_submissions",
         "INSERT INTO view_submissions (application_id, user_id, canonical_job_id, channel, variant_id, "
         "resume_sha256, cover_letter_sha256, idempotency_key, message_id, external_id, submitted_at) "
         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (application_id) DO NOTHING",
         _submission_row),
    View(WORKFLOW_COMPLETED, WorkflowCompleted, "view_outcomes",
         "INSERT INTO view_outcomes (application_id, user_id, canonical_job_id, outcome, variant_id, template, "
         "ats_score_band, board, seniority, responded, interviewed, offered, days_to_response, completed_at) "
         "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
         "ON CONFLICT (application_id) DO NOTHING",
         _outcome_row),
    # A report waiting for the user to link it; its row stays after a link (the timeline shows the answer).
    View(OUTCOME_UNLINKED, OutcomeUnlinked, "view_unlinked_reports",
         "INSERT INTO view_unlinked_reports (report_id, user_id, source, reason, kind, subject, from_address, "
         "responded_on, occurred_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
         "ON CONFLICT (report_id) DO UPDATE SET reason = EXCLUDED.reason, kind = EXCLUDED.kind, "
         "occurred_at = EXCLUDED.occurred_at WHERE view_unlinked_reports.occurred_at <= EXCLUDED.occurred_at",
         _unlinked_row),
)
_JSONB_PARAMETER = re.compile(r"\$(\d+)::jsonb")
_UPSERT_BY_TABLE: dict[str, str] = {view.table: view.upsert for view in VIEWS}
assert all(_UPSERT_BY_TABLE[v.table] == v.upsert for v in VIEWS), "one upsert statement per table"
# Per table, the 0-based positions of the parameters bound as jsonb (`$N::jsonb`), for `storable`.
_JSONB_COLUMNS: dict[str, frozenset[int]] = {
    table: frozenset(int(n) - 1 for n in _JSONB_PARAMETER.findall(upsert))
    for table, upsert in _UPSERT_BY_TABLE.items()}


def storable(row: Row, jsonb_columns: frozenset[int]) -> Row:
    """`row` with every NUL (U+0000) replaced by U+FFFD: in text values, and in the JSON text bound to the columns
    at `jsonb_columns` (0-based), where it is written as the escape `\\u0000`. PostgreSQL's text and jsonb cannot
    hold NUL (asyncpg: CharacterNotInRepertoireError), and one such record would fail the sink's whole batch at
    every restart; a posting or profile may carry one from its source (a board's JSON saying "\\u0000")."""
    if not any(isinstance(value, str) and ("\x00" in value or "\\u0000" in value) for value in row):
        return row  # the usual case, checked at C speed
    return tuple(
        json.dumps(without_nul(json.loads(value)), ensure_ascii=False) if index in jsonb_columns and isinstance(
            value, str) else without_nul(value)
        for index, value in enumerate(row))


# The tables in the order the views' SCHEMA locks them, even when everything exists (`ALTER TABLE ... ADD COLUMN IF
# NOT EXISTS`: ACCESS EXCLUSIVE; `CREATE INDEX IF NOT EXISTS ... ON t`: SHARE), then the others. A sink starting
# runs SCHEMA while other sinks write their batches: a batch that took the tables in another order (view_commands,
# then view_users) and SCHEMA would each hold what the other waits for, and PostgreSQL aborts one (a deadlock).
SCHEMA_LOCK_ORDER: tuple[str, ...] = tuple(dict.fromkeys(
    [*re.findall(r"(?:ALTER TABLE|CREATE INDEX IF NOT EXISTS \w+ ON) (\w+)", SCHEMA), *(v.table for v in VIEWS)]))


class PostgresViewSink(BatchingSink):
    """The read model's sink: one upsert statement per table."""

    table_order = SCHEMA_LOCK_ORDER

    def add_message(self, view: View, message: Message) -> None:
        row = view.row(message)
        if row is not None:
            self.add(view.table, storable(row, _JSONB_COLUMNS[view.table]))

    async def write(self, connection: asyncpg.Connection, table: str, rows: list[Row]) -> None:
        await connection.executemany(_UPSERT_BY_TABLE[table], rows)
