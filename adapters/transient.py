"""Which failures of a dependency are outages rather than a bad record, in one place for every port.

A port wraps its calls in `outages()`: a refused or dropped connection to PostgreSQL, Redis or the network
becomes `TransientError`, so the cell agent waits and retries the record instead of counting it as poison.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import asyncpg
import redis.exceptions

from streams.errors import TransientError

OUTAGES: tuple[type[BaseException], ...] = (
    ConnectionError,  # includes ConnectionRefusedError, ConnectionResetError
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,  # "connection is closed", pool closing
    asyncpg.CannotConnectNowError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
)


@contextlib.asynccontextmanager
async def outages(what: str) -> AsyncIterator[None]:
    """Re-raise an outage of `what` (e.g. "PostgreSQL") as `TransientError`; anything else unchanged."""
    try:
        yield
    except TransientError:
        raise
    except OUTAGES as exc:
        raise TransientError(f"{what} is unreachable: {type(exc).__name__}: {exc}") from exc
