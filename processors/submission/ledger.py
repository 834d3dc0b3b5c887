"""The submission ledger: one row per (user, canonical job) in PostgreSQL, claimed before anything is sent.

The primary key is what makes an application go out at most once, whatever Kafka redelivers or replays and
however many workers race: a claim is an INSERT that only one caller can win. A row's life:

    (none) --claim--> CLAIMED --confirm--> CONFIRMED        the channel took it
                      CLAIMED --release--> RELEASED | FAILED nothing went out: a later claim may take the row
                      CLAIMED (found again by a claim)       in doubt: an attempt died between claim and confirm

Only the holder of a claim's `idempotency_key` confirms or releases it. `claimed_at` is the database's clock,
so the grace period of an in-doubt email is measured on one clock whatever the workers' clocks say. `confirmed_at`
is that clock's time of the confirmation, set once: when the application went out, which every later record of
it (a redelivery, a replay, a confirmation seen again) repeats as its submission time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg


class ClaimState(StrEnum):
    CLAIMED = "CLAIMED"
    CONFIRMED = "CONFIRMED"
    RELEASED = "RELEASED"
    FAILED = "FAILED"


@dataclass(frozen=True)
class LedgerRow:
    user_id: str
    canonical_job_id: str
    application_id: str
    idempotency_key: str
    channel: str
    state: ClaimState
    message_id: str | None
    external_id: str | None
    age_s: float  # seconds since the claim, on the database's clock
    confirmed_at: datetime | None = None  # when it was confirmed (sent), on the database's clock


@dataclass(frozen=True)
class Claim:
    """`won`: this call claimed the row (send now). Else `row` is what holds it: CONFIRMED (sent before) or
    CLAIMED (in doubt)."""

    won: bool
    row: LedgerRow


def table_name(topic_prefix: str) -> str:
    """The ledger's table, namespaced like the topics (test sessions and deployments share a database)."""
    namespace = re.sub(r"[^a-z0-9_]", "_", topic_prefix.lower()).strip("_")
    return f"{namespace}_submission_ledger"[:60].lstrip("_") if namespace else "submission_ledger"


class Ledger:
    def __init__(self, pool: asyncpg.Pool, table: str) -> None:
        if not re.fullmatch(r"[a-z0-9_]{1,63}", table):
            raise ValueError(f"not a plain table name: {table!r}")
        self._pool = pool
        self._table = table

    async def ensure_table(self) -> None:
        await self._pool.execute(f"""
            CREATE TABLE IF NOT EXISTS {self._table} (
                user_id text NOT NULL,
                canonical_job_id text NOT NULL,
                application_id text NOT NULL,
                idempotency_key text NOT NULL,
                channel text NOT NULL,
                state text NOT NULL CHECK (state IN ('CLAIMED', 'CONFIRMED', 'RELEASED', 'FAILED')),
                message_id text,
                external_id text,
                claimed_at timestamptz NOT NULL DEFAULT now(),
                updated_at timestamptz NOT NULL DEFAULT now(),
                confirmed_at timestamptz,
                PRIMARY KEY (user_id, canonical_job_id))""")
        # Ledgers made before confirmed_at was kept: their confirmed rows were last updated when confirmed.
        await self._pool.execute(f"""
            ALTER TABLE {self._table} ADD COLUMN IF NOT EXISTS confirmed_at timestamptz""")

    _COLUMNS = ("user_id, canonical_job_id, application_id, idempotency_key, channel, state, message_id, "
                "external_id, extract(epoch FROM now() - claimed_at)::float8 AS age_s, "
                "COALESCE(confirmed_at, CASE WHEN state = 'CONFIRMED' THEN updated_at END) AS confirmed_at")

    async def claim(self, *, user_id: str, canonical_job_id: str, application_id: str, idempotency_key: str,
                    channel: str) -> Claim:
        """Claim (user, job) for one send. Won when there was no row or only a released or failed one."""
        won = await self._pool.fetchrow(f"""
            INSERT INTO {self._table} AS ledger
                (user_id, canonical_job_id, application_id, idempotency_key, channel, state)
            VALUES ($1, $2, $3, $4, $5, 'CLAIMED')
            ON CONFLICT (user_id, canonical_job_id) DO UPDATE SET
                application_id = EXCLUDED.application_id, idempotency_key = EXCLUDED.idempotency_key,
                channel = EXCLUDED.channel, state = 'CLAIMED', message_id = NULL, external_id = NULL,
                claimed_at = now(), updated_at = now(), confirmed_at = NULL
            WHERE ledger.state IN ('RELEASED', 'FAILED')
            RETURNING {self._COLUMNS}""", user_id, canonical_job_id, application_id, idempotency_key, channel)
        if won is not None:
            return Claim(won=True, row=_row(won))
        row = await self.get(user_id, canonical_job_id)
        if row is None:  # released and deleted in between: cannot happen (rows are never deleted), but be safe
            raise RuntimeError(f"ledger row for {user_id}/{canonical_job_id} vanished during a claim")
        return Claim(won=False, row=row)

    async def get(self, user_id: str, canonical_job_id: str) -> LedgerRow | None:
        row = await self._pool.fetchrow(
            f"SELECT {self._COLUMNS} FROM {self._table} WHERE user_id = $1 AND canonical_job_id = $2",
            user_id, canonical_job_id)
        return _row(row) if row is not None else None

    async def confirm(self, *, user_id: str, canonical_job_id: str, idempotency_key: str,
                      message_id: str | None = None, external_id: str | None = None) -> datetime | None:
        """CLAIMED -> CONFIRMED for this key: when it was confirmed (the first time, if it was already, by this
        key), on the database's clock; None when this key holds no claim to confirm."""
        confirmed: datetime | None = await self._pool.fetchval(f"""
            UPDATE {self._table} SET state = 'CONFIRMED', message_id = $4, external_id = $5, updated_at = now(),
                confirmed_at = COALESCE(confirmed_at, CASE WHEN state = 'CONFIRMED' THEN updated_at END, now())
            WHERE user_id = $1 AND canonical_job_id = $2 AND idempotency_key = $3 AND state IN ('CLAIMED', 'CONFIRMED')
            RETURNING confirmed_at""", user_id, canonical_job_id, idempotency_key, message_id, external_id)
        return confirmed

    async def release(self, *, user_id: str, canonical_job_id: str, idempotency_key: str, failed: bool = False
                      ) -> bool:
        """CLAIMED -> RELEASED (or FAILED) for this key: nothing went out, a later claim may take the row."""
        status = await self._pool.fetchval(f"""
            UPDATE {self._table} SET state = $4, updated_at = now()
            WHERE user_id = $1 AND canonical_job_id = $2 AND idempotency_key = $3 AND state = 'CLAIMED'
            RETURNING state""", user_id, canonical_job_id, idempotency_key,
                                           ClaimState.FAILED.value if failed else ClaimState.RELEASED.value)
        return status is not None


def _row(record: asyncpg.Record) -> LedgerRow:
    return LedgerRow(user_id=record["user_id"], canonical_job_id=record["canonical_job_id"],
                     application_id=record["application_id"], idempotency_key=record["idempotency_key"],
                     channel=record["channel"], state=ClaimState(record["state"]), message_id=record["message_id"],
                     external_id=record["external_id"], age_s=float(record["age_s"]),
                     confirmed_at=record["confirmed_at"])
