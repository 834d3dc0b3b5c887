"""The one way to open a Redis client: with timeouts, so a Redis that stops answering fails a call instead of
stalling it forever.

A Redis that accepts connections but never replies (a stopped process whose socket stays open, a network
partition after the connection was made, a server stuck on a slow command) would otherwise hold every caller:
the cell agent's crash count under its batch lock, discovery's rate limiter, submission's rate limiter, the query
API's sign-in limits. With the timeouts the call raises `redis.exceptions.TimeoutError` (a `RedisError`), which
each caller already handles as Redis being down.
"""

from __future__ import annotations

from redis.asyncio import Redis

# Seconds. Every call the project makes is one small command or Lua script; a healthy local or managed Redis
# answers in milliseconds, so 5 s only fires when it is not answering at all.
REDIS_TIMEOUT_S = 5.0


def redis_client(url: str, *, timeout_s: float = REDIS_TIMEOUT_S) -> Redis:
    """An asyncio Redis client for `url` (redis://host:port/db) whose connects and replies each give up after
    `timeout_s` seconds with `redis.exceptions.TimeoutError`."""
    return Redis.from_url(url, socket_timeout=timeout_s, socket_connect_timeout=timeout_s)
