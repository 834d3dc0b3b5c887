"""The submission ledger on the real PostgreSQL: one claim wins per (user, job), however many race for it."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from processors.submission.ledger import ClaimState, Ledger, table_name
from streams.settings import Settings

pytestmark = pytest.mark.integration


def test_one_claim_wins_a_race_and_a_released_claim_can_be_taken_again(stack: Settings) -> None:
    async def run() -> None:
        pool = await asyncpg.create_pool(stack.database_url, min_size=2, max_size=20)
        try:
            ledger = Ledger(pool, table_name(stack.topic_prefix))
            await ledger.ensure_table()
            user, job = f"u-{uuid.uuid4().hex}", "greenhouse:acme:1"
            claims = await asyncio.gather(*(
                ledger.claim(user_id=user, canonical_job_id=job, application_id="a", idempotency_key=f"k{n}",
                             channel="email") for n in range(20)))
            winners = [c for c in claims if c.won]
            assert len(winners) == 1
            key = winners[0].row.idempotency_key
            assert all(c.row.idempotency_key == key and c.row.state == ClaimState.CLAIMED for c in claims)
            # Only the holder's key confirms or releases.
            assert not await ledger.release(user_id=user, canonical_job_id=job, idempotency_key="other")
            assert await ledger.release(user_id=user, canonical_job_id=job, idempotency_key=key)
            again = await ledger.claim(user_id=user, canonical_job_id=job, application_id="a", idempotency_key="k2",
                                       channel="email")
            assert again.won and again.row.idempotency_key == "k2"
            assert await ledger.confirm(user_id=user, canonical_job_id=job, idempotency_key="k2", message_id="<m>")
            late = await ledger.claim(user_id=user, canonical_job_id=job, application_id="a", idempotency_key="k3",
                                      channel="email")
            assert not late.won and late.row.state == ClaimState.CONFIRMED and late.row.message_id == "<m>"
            assert not await ledger.release(user_id=user, canonical_job_id=job, idempotency_key="k2")  # sent stays sent
        finally:
            await pool.close()

    asyncio.run(run())
