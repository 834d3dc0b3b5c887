"""Hard daily spending caps per user and per cell, with the counters in Redis so every worker shares them.

A counter is `{prefix}{scope}:{id}:{day}` (UTC day), raised with INCRBYFLOAT after each paid call and
expiring two days later. Before a call, both counters are read and the call is refused (`BudgetExceeded`)
when either has reached its cap. After a call, INCRBYFLOAT returns the new total atomically, so exactly one
call sees its spend cross a cap (`before < cap <= after`) and reports it as `BudgetCrossed`.

The caps are hard for starting calls, not for finishing them: calls already running when the cap is reached
still complete and are counted, so a cap can be overshot by at most the cost of the calls in flight.

Each user's spend is also kept per month for the web client's dashboard: a hash `{prefix}user-month:{id}:{YYYY-MM}`
with one field per UTC day (`YYYY-MM-DD` -> USD), raised in the same transaction and kept 40 days
(`month_spend`). It decides nothing; the daily counters are the caps.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from redis.asyncio import Redis

from adapters.ai_gateway.errors import BudgetExceeded
from streams.ids import derived_id
from streams.messages import BudgetCrossed, utc_now

DEFAULT_KEY_PREFIX = "resumeflow:ai:spend:"
COUNTER_TTL_S = 2 * 24 * 3600
MONTH_TTL_S = 40 * 24 * 3600  # a month's hash outlives the month, so last month stays readable for a while

Scope = Literal["user", "cell"]


def budget_crossed(scope: Scope, id: str, *, budget_usd: float, spent_usd: float, day: date) -> BudgetCrossed:
    """The `ai.budget` record saying that a call's spend took a user's or a cell's total for `day` to or past its
    cap (keyed `<scope>:<id>`, see `budget_key`). Later calls of that user or cell are refused until the next UTC
    day. One id per scope, id and day: whichever worker reports it, it is one event."""
    return BudgetCrossed(event_id=derived_id("budget-crossed", scope, id, day.isoformat()), occurred_at=utc_now(),
                         scope=scope, scope_id=id, budget_usd=budget_usd, spent_usd=spent_usd, day=day.isoformat())


def budget_key(event: BudgetCrossed) -> str:
    """The key of a `BudgetCrossed` on `ai.budget`: `user:<id>` or `cell:<n>`."""
    return f"{event.scope}:{event.scope_id}"


class RedisBudgets:
    """The per-user and per-cell daily caps (USD) and their shared counters."""

    def __init__(
        self, redis: Redis, *, user_budget_usd: float, cell_budget_usd: float,
        key_prefix: str = DEFAULT_KEY_PREFIX,
    ) -> None:
        self._redis = redis
        self._caps: dict[Scope, float] = {"user": user_budget_usd, "cell": cell_budget_usd}
        self._prefix = key_prefix

    def key(self, scope: Scope, id: str, day: date) -> str:
        return f"{self._prefix}{scope}:{id}:{day.isoformat()}"

    def month_key(self, user_id: str, day: date) -> str:
        return month_key(self._prefix, user_id, day)

    async def spent(self, scope: Scope, id: str, day: date) -> float:
        raw = await self._redis.get(self.key(scope, id, day))
        return float(raw) if raw is not None else 0.0

    async def check(self, *, user_id: str, cell: str, day: date) -> None:
        """Raise `BudgetExceeded` when the user or the cell has no budget left today."""
        for scope, id in _scopes(user_id, cell):
            spent = await self.spent(scope, id, day)
            if spent >= self._caps[scope]:
                raise BudgetExceeded(scope, id, self._caps[scope], spent, day)

    async def record(self, *, user_id: str, cell: str, day: date, cost_usd: float) -> list[BudgetCrossed]:
        """Add a call's cost to both counters; return the caps this spend crossed."""
        if cost_usd <= 0:
            return []
        crossed: list[BudgetCrossed] = []
        scopes = _scopes(user_id, cell)
        async with self._redis.pipeline(transaction=True) as pipe:
            for scope, id in scopes:
                key = self.key(scope, id, day)
                pipe.incrbyfloat(key, cost_usd)
                pipe.expire(key, COUNTER_TTL_S)
            month = self.month_key(user_id, day)
            pipe.hincrbyfloat(month, day.isoformat(), cost_usd)
            pipe.expire(month, MONTH_TTL_S)
            results = await pipe.execute()
        for (scope, id), after_raw in zip(scopes, results[0:2 * len(scopes):2], strict=True):
            after = float(after_raw)
            cap = self._caps[scope]
            if after - cost_usd < cap <= after:
                crossed.append(budget_crossed(scope, id, budget_usd=cap, spent_usd=after, day=day))
        return crossed


def month_key(prefix: str, user_id: str, day: date) -> str:
    """The hash of a user's spend per day in `day`'s month (see the module's docstring)."""
    return f"{prefix}user-month:{user_id}:{day:%Y-%m}"


async def month_spend(redis: Redis, user_id: str, day: date, *, prefix: str = DEFAULT_KEY_PREFIX) -> dict[date, float]:
    """The user's AI spend (USD) per UTC day of `day`'s month so far, days without spend absent. Spend before this
    hash existed is not in it (the daily counters expire after two days)."""
    raw = await redis.hgetall(month_key(prefix, user_id, day))
    return {date.fromisoformat(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in raw.items()}


def _scopes(user_id: str, cell: str) -> tuple[tuple[Scope, str], ...]:
    return (("user", user_id), ("cell", cell))
