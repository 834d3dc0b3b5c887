"""The read model's schema statement (`sinks.views.SCHEMA`, run by every sink at start and by the query API tests'
seeding) and a sink's batch, at once on one database: neither may fail.

SCHEMA is one implicit transaction that locks its tables in its own order even when they all exist: `ALTER TABLE
view_users ADD COLUMN IF NOT EXISTS` takes an ACCESS EXCLUSIVE lock on view_users, and each `CREATE INDEX IF NOT
EXISTS` a SHARE lock on its table (view_commands next). A batch that upserts view_commands before view_users (its
tables in the order its records came) holds view_commands and waits for view_users: a deadlock, and PostgreSQL
aborts one of them. With `make test` running test files in parallel on one stack, a sink of one file and a
SCHEMA of another (a sink starting, a test seeding the views) meet that way.
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from sinks.postgres import PostgresViewSink, Row
from sinks.views import SCHEMA, create_views
from streams.settings import Settings

pytestmark = pytest.mark.integration


class _PausingSink(PostgresViewSink):
    """Takes the lock an upsert takes (ROW EXCLUSIVE) on each table, and after the first one waits a moment, as a
    batch between two of its statements does, so the other transaction comes in between."""

    def __init__(self, between: asyncio.Event) -> None:
        super().__init__()
        self.between = between
        self.order: list[str] = []

    async def write(self, connection: asyncpg.Connection, table: str, rows: list[Row]) -> None:
        await connection.execute(f"LOCK TABLE {table} IN ROW EXCLUSIVE MODE")
        self.order.append(table)
        if len(self.order) == 1:
            self.between.set()
            await asyncio.sleep(2.0)  # longer than PostgreSQL's deadlock_timeout (1 s)


def test_a_sink_starting_beside_a_batch_that_writes_commands_before_users_deadlocks_neither(stack: Settings) -> None:
    async def scenario() -> None:
        setup = await asyncpg.connect(stack.database_url)
        try:
            await setup.execute(SCHEMA)  # the tables exist, as on any stack after the first sink
        finally:
            await setup.close()
        batch_conn = await asyncpg.connect(stack.database_url)
        schema_conn = await asyncpg.connect(stack.database_url)
        try:
            between = asyncio.Event()
            sink = _PausingSink(between)
            sink.add("view_commands", ())  # a command's record first, then the profile it produced
            sink.add("view_users", ())
            batch = asyncio.create_task(sink.flush(batch_conn))
            await between.wait()
            schema = asyncio.create_task(schema_conn.execute(SCHEMA))  # another sink starting
            results = await asyncio.gather(batch, schema, return_exceptions=True)
        finally:
            await batch_conn.close()
            await schema_conn.close()
        failures = [r for r in results if isinstance(r, BaseException)]
        assert not failures, f"{failures} (the batch wrote {sink.order})"

    asyncio.run(asyncio.wait_for(scenario(), timeout=60))


def test_two_sinks_creating_the_views_at_once_on_a_new_database_both_start(stack: Settings) -> None:
    """On a stack started from nothing (CI), the first sinks of parallel test files (or two sink replicas) create
    the views at once: `CREATE TABLE IF NOT EXISTS` alone is not safe against that (PostgreSQL's catalog answers
    `duplicate key value violates unique constraint "pg_type_typname_nsp_index"` to the second)."""

    async def scenario() -> None:
        admin = await asyncpg.connect(stack.database_url)
        database = f"rftest_views_{uuid.uuid4().hex[:8]}"
        await admin.execute(f"CREATE DATABASE {database}")
        url = f"{stack.database_url.rsplit('/', 1)[0]}/{database}"
        try:
            first, second = await asyncpg.connect(url), await asyncpg.connect(url)
            try:
                async with first.transaction():  # the first sink, its statement not committed yet
                    await create_views(first)
                    starting = asyncio.create_task(create_views(second))
                    await asyncio.sleep(1.0)
                await starting
            finally:
                await first.close()
                await second.close()
        finally:
            await admin.execute(f"DROP DATABASE {database}")
            await admin.close()

    asyncio.run(asyncio.wait_for(scenario(), timeout=60))
