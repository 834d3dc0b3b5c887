"""Per-host politeness: one token bucket per host, shared by every discovery worker through Redis.

Workers on different machines must agree on how often a board host is hit, so the bucket lives in Redis and
is updated by one Lua script (atomic: no two workers can spend the same token). The script reads the clock
with Redis `TIME`, so skewed worker clocks cannot refill a bucket early.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Protocol

from redis.asyncio import Redis

DEFAULT_KEY_PREFIX = "resumeflow:ratelimit:"

# KEYS[1]: the host's bucket. ARGV: capacity, refill tokens per second, key TTL in ms.
# Returns 0 when a token was taken, else the milliseconds until one will be available.
_TOKEN_BUCKET_LUA = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local ttl_ms = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate / 1000)
local wait_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait_ms = math.max(1, math.ceil((1 - tokens) * 1000 / rate))
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], ttl_ms)
return wait_ms
"""


class RateLimiter(Protocol):
    """What the HTTP client needs: permission to send one request to `host`."""

    async def acquire(self, host: str) -> None:
        """Return once a request to `host` may be sent (waiting as long as that takes)."""
        ...


class RedisTokenBucket(RateLimiter):
    """A token bucket per host in Redis: `capacity` requests in a burst, then `refill_per_s` a second.

    State is the hash `{key_prefix}{host}` = {tokens, ts (ms, Redis clock)}. The key expires once a full
    refill has certainly happened (an absent key means a full bucket), so idle hosts leave nothing behind.
    """

    def __init__(
        self, redis: Redis, *, capacity: int = 5, refill_per_s: float = 1.0,
        key_prefix: str = DEFAULT_KEY_PREFIX, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        if refill_per_s <= 0:
            raise ValueError(f"refill_per_s must be positive, got {refill_per_s}")
        self.capacity = capacity
        self.refill_per_s = refill_per_s
        self.key_prefix = key_prefix
        self.ttl_ms = math.ceil(capacity / refill_per_s * 1000) + 1000
        self._sleep = sleep
        self._script = redis.register_script(_TOKEN_BUCKET_LUA)

    def key(self, host: str) -> str:
        return f"{self.key_prefix}{host.lower()}"

    async def try_acquire(self, host: str) -> float:
        """Take a token if one is there: 0.0 when granted, else the seconds until the next one."""
        wait_ms = await self._script(
            keys=[self.key(host)], args=[self.capacity, repr(float(self.refill_per_s)), self.ttl_ms],
        )
        return int(wait_ms) / 1000

    async def acquire(self, host: str) -> None:
        while (wait_s := await self.try_acquire(host)) > 0:
            await self._sleep(wait_s)
