"""Discovery fetches boards politely and safely: against a real local HTTP server and the stack's real Redis
(the token buckets every worker shares)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from redis.asyncio import Redis

from adapters.http_fetch import (
    CacheValidators,
    FetchError,
    FetchResponse,
    HttpClientSettings,
    PoliteHttpClient,
    RedisTokenBucket,
    open_vetted_session,
)
from streams.settings import Settings

pytestmark = pytest.mark.integration

LOCAL = frozenset({"127.0.0.1"})
FAST = HttpClientSettings(timeout_s=5, allow_private_hosts=LOCAL)


@dataclass
class Board:
    """A local job board whose handlers script their answers; `hits` counts requests per path."""

    hits: dict[str, int] = field(default_factory=dict)
    requests: list[web.Request] = field(default_factory=list)

    def hit(self, request: web.Request) -> int:
        self.requests.append(request)
        self.hits[request.path] = self.hits.get(request.path, 0) + 1
        return self.hits[request.path]


@asynccontextmanager
async def serving(routes: Callable[[Board], list[web.RouteDef]]) -> AsyncIterator[tuple[str, Board]]:
    board = Board()
    app = web.Application()
    app.add_routes(routes(board))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        yield f"http://127.0.0.1:{server.port}", board
    finally:
        await server.close()


@dataclass
class RecordingSleep:
    """Records the delays the client asks for instead of waiting them out."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@asynccontextmanager
async def polite_client(
    stack: Settings, settings: HttpClientSettings = FAST, *, sleep: Callable[[float], Awaitable[None]] | None = None,
    rng: random.Random | None = None, session: aiohttp.ClientSession | None = None,
    resolve: Callable[[str], Awaitable[Iterable[str]]] | None = None, capacity: int = 100,
    refill_per_s: float = 100.0,
) -> AsyncIterator[tuple[PoliteHttpClient, RedisTokenBucket, Redis]]:
    redis = Redis.from_url(stack.redis_url)
    limiter = RedisTokenBucket(redis, capacity=capacity, refill_per_s=refill_per_s, key_prefix=unique_prefix())
    own_session = session or aiohttp.ClientSession()
    extra = {"resolve": resolve} if resolve is not None else {}
    try:
        yield PoliteHttpClient(own_session, limiter, settings, sleep=sleep or RecordingSleep(),
                               rng=rng, **extra), limiter, redis  # type: ignore[arg-type]
    finally:
        await own_session.close()
        await redis.aclose()


def unique_prefix() -> str:
    return f"rftest:ratelimit:{uuid.uuid4().hex[:10]}:"


def test_a_board_that_has_not_changed_answers_304_to_a_conditional_request(stack: Settings) -> None:
    def routes(board: Board) -> list[web.RouteDef]:
        async def jobs(request: web.Request) -> web.Response:
            board.hit(request)
            if request.headers.get("If-None-Match") == '"v1"':
                return web.Response(status=304, headers={"ETag": '"v1"'})
            return web.json_response({"jobs": []}, headers={"ETag": '"v1"',
                                                           "Last-Modified": "Sat, 28 Nov 2026 10:00:00 GMT"})
        return [web.get("/jobs", jobs)]

    async def scenario() -> None:
        async with serving(routes) as (base, board), polite_client(stack) as (client, _, _):
            first = await client.get(f"{base}/jobs")
            assert (first.status, first.body, first.attempts) == (200, b'{"jobs": []}', 1)
            assert first.validators == CacheValidators(etag='"v1"', last_modified="Sat, 28 Nov 2026 10:00:00 GMT")

            second = await client.get(f"{base}/jobs", validators=first.validators)
            assert second == FetchResponse(status=304, body=b"", etag='"v1"',
                                           last_modified="Sat, 28 Nov 2026 10:00:00 GMT", url=f"{base}/jobs",
                                           attempts=1)
            sent = board.requests[-1].headers
            assert sent["If-Modified-Since"] == "Sat, 28 Nov 2026 10:00:00 GMT"
            assert sent["User-Agent"] == "resumeflow/0.1 (+https://github.com/resumeflow)"

    asyncio.run(scenario())


def test_a_board_that_fails_twice_with_503_is_retried_with_jittered_backoff(stack: Settings) -> None:
    def routes(board: Board) -> list[web.RouteDef]:
        async def jobs(request: web.Request) -> web.Response:
            return web.Response(status=503) if board.hit(request) <= 2 else web.Response(text="ok")
        return [web.get("/jobs", jobs)]

    async def scenario() -> None:
        sleep = RecordingSleep()
        async with serving(routes) as (base, board), polite_client(
            stack, sleep=sleep, rng=random.Random(7), capacity=10, refill_per_s=0.001,
        ) as (client, limiter, redis):
            response = await client.get(f"{base}/jobs")
            assert (response.status, response.body, response.attempts) == (200, b"ok", 3)
            assert board.hits["/jobs"] == 3
            # Full jitter: uniform over [0, base·2ⁿ] — exactly what the seeded generator draws.
            expected = random.Random(7)
            assert sleep.delays == [expected.uniform(0, 0.5), expected.uniform(0, 1.0)]
            assert 0 <= sleep.delays[0] <= 0.5 and 0 <= sleep.delays[1] <= 1.0
            # A token was spent before every attempt (the refill in between is negligible).
            tokens = float(await redis.hget(limiter.key("127.0.0.1"), "tokens"))
            assert 6.99 <= tokens <= 7.01

    asyncio.run(scenario())


def test_a_missing_board_is_not_retried(stack: Settings) -> None:
    def routes(board: Board) -> list[web.RouteDef]:
        async def jobs(request: web.Request) -> web.Response:
            board.hit(request)
            return web.Response(status=404)
        return [web.get("/jobs", jobs)]

    async def scenario() -> None:
        sleep = RecordingSleep()
        async with serving(routes) as (base, board), polite_client(stack, sleep=sleep) as (client, _, _):
            with pytest.raises(FetchError) as caught:
                await client.get(f"{base}/jobs")
            assert (caught.value.kind, caught.value.status, caught.value.attempts) == ("http_status", 404, 1)
            assert board.hits["/jobs"] == 1
            assert sleep.delays == []

    asyncio.run(scenario())


def test_a_board_slower_than_the_timeout_fails_as_a_timeout_after_every_attempt(stack: Settings) -> None:
    def routes(board: Board) -> list[web.RouteDef]:
        async def jobs(request: web.Request) -> web.Response:
            board.hit(request)
            await asyncio.sleep(0.6)
            return web.Response(text="late")
        return [web.get("/jobs", jobs)]

    async def scenario() -> None:
        sleep = RecordingSleep()
        settings = HttpClientSettings(timeout_s=0.15, allow_private_hosts=LOCAL)
        async with serving(routes) as (base, board), polite_client(stack, settings, sleep=sleep) as (client, _, _):
            with pytest.raises(FetchError) as caught:
                await client.get(f"{base}/jobs")
            assert (caught.value.kind, caught.value.attempts) == ("timeout", 3)
            assert board.hits["/jobs"] == 3
            assert len(sleep.delays) == 2
            await asyncio.sleep(0.7)  # let the slow handlers finish before the server closes

    asyncio.run(scenario())


@pytest.mark.parametrize(("status", "retry_after", "expected_delay"), [
    (429, "3", 3.0), (503, "2", 2.0), (429, "30", 8.0),  # capped by max_backoff_s
])
def test_retry_after_is_honoured(stack: Settings, status: int, retry_after: str, expected_delay: float) -> None:
    def routes(board: Board) -> list[web.RouteDef]:
        async def jobs(request: web.Request) -> web.Response:
            if board.hit(request) == 1:
                return web.Response(status=status, headers={"Retry-After": retry_after})
            return web.Response(text="ok")
        return [web.get("/jobs", jobs)]

    async def scenario() -> None:
        sleep = RecordingSleep()
        async with serving(routes) as (base, _), polite_client(stack, sleep=sleep) as (client, _, _):
            response = await client.get(f"{base}/jobs")
            assert (response.status, response.attempts) == (200, 2)
            assert sleep.delays == [expected_delay]

    asyncio.run(scenario())


def test_a_board_that_keeps_rate_limiting_us_fails_as_rate_limited(stack: Settings) -> None:
    def routes(board: Board) -> list[web.RouteDef]:
        async def jobs(request: web.Request) -> web.Response:
            board.hit(request)
            return web.Response(status=429)
        return [web.get("/jobs", jobs)]

    async def scenario() -> None:
        async with serving(routes) as (base, board), polite_client(stack) as (client, _, _):
            with pytest.raises(FetchError) as caught:
                await client.get(f"{base}/jobs")
            assert (caught.value.kind, caught.value.attempts, board.hits["/jobs"]) == ("rate_limited", 3, 3)

    asyncio.run(scenario())


def test_a_body_over_the_cap_is_refused_whether_or_not_its_length_is_declared(stack: Settings) -> None:
    def routes(board: Board) -> list[web.RouteDef]:
        async def declared(request: web.Request) -> web.Response:
            return web.Response(body=b"x" * 4096)

        async def streamed(request: web.Request) -> web.StreamResponse:
            response = web.StreamResponse()
            response.enable_chunked_encoding()
            await response.prepare(request)
            for _ in range(8):
                await response.write(b"y" * 512)
            await response.write_eof()
            return response

        async def fits(request: web.Request) -> web.Response:
            return web.Response(body=b"z" * 1024)
        return [web.get("/declared", declared), web.get("/streamed", streamed), web.get("/fits", fits)]

    async def scenario() -> None:
        settings = HttpClientSettings(max_body_bytes=1024, allow_private_hosts=LOCAL)
        async with serving(routes) as (base, _), polite_client(stack, settings) as (client, _, _):
            for path in ("/declared", "/streamed"):
                with pytest.raises(FetchError) as caught:
                    await client.get(f"{base}{path}")
                assert (caught.value.kind, caught.value.attempts) == ("too_large", 1)
            assert (await client.get(f"{base}/fits")).body == b"z" * 1024

    asyncio.run(scenario())


def redirecting_routes(board: Board) -> list[web.RouteDef]:
    async def hop(request: web.Request) -> web.Response:
        board.hit(request)
        raise web.HTTPFound(request.query["to"])

    async def feed(request: web.Request) -> web.Response:
        board.hit(request)
        return web.Response(text="<rss/>")
    return [web.get("/hop", hop), web.get("/feed.xml", feed)]


def test_a_user_url_cannot_redirect_into_a_private_network(stack: Settings) -> None:
    """The first hop is allowlisted (127.0.0.1, our test server); `localhost` reaches the very same server but
    is not allowlisted, so following a redirect there would be SSRF — it is refused before any request."""

    async def scenario() -> None:
        async with serving(redirecting_routes) as (base, board), polite_client(stack) as (client, _, _):
            port = base.rsplit(":", 1)[1]
            for target in (f"http://localhost:{port}/feed.xml", "http://169.254.169.254/latest/meta-data/",
                           "http://10.0.0.1/", "file:///etc/passwd"):
                with pytest.raises(FetchError) as caught:
                    await client.get(f"{base}/hop?to={target}", check_public=True)
                assert (caught.value.kind, caught.value.attempts) == ("unsafe_url", 1), target
            assert "/feed.xml" not in board.hits

            # An allowlisted target is followed, and the final URL is reported.
            response = await client.get(f"{base}/hop?to=/feed.xml", check_public=True)
            assert (response.status, response.body, response.url) == (200, b"<rss/>", f"{base}/feed.xml")

            # A board URL we built ourselves (no check_public) follows redirects anywhere.
            response = await client.get(f"{base}/hop?to=http://localhost:{port}/feed.xml")
            assert (response.status, response.url) == (200, f"http://localhost:{port}/feed.xml")

    asyncio.run(scenario())


def test_a_user_url_to_a_private_address_is_refused_before_anything_is_sent(stack: Settings) -> None:
    async def scenario() -> None:
        async with serving(redirecting_routes) as (base, board), polite_client(
            stack, HttpClientSettings(),  # no allowlist: production defaults
        ) as (client, _, _):
            with pytest.raises(FetchError) as caught:
                await client.get(f"{base}/feed.xml", check_public=True)
            assert (caught.value.kind, caught.value.attempts) == ("unsafe_url", 0)
            assert board.hits == {}

    asyncio.run(scenario())


def test_dns_rebinding_is_caught_at_connect_time_by_the_vetting_resolver(stack: Settings) -> None:
    """The pre-check sees a public answer (the attacker's first DNS reply, simulated); when aiohttp connects,
    the real resolver answers 127.0.0.1 for `localhost` — the vetted session refuses to dial it."""

    async def first_answer_is_public(host: str) -> Iterable[str]:
        return ["93.184.216.34"]

    async def scenario() -> None:
        session = open_vetted_session(FAST)
        async with serving(redirecting_routes) as (base, board), polite_client(
            stack, session=session, resolve=first_answer_is_public,
        ) as (client, _, _):
            port = base.rsplit(":", 1)[1]
            with pytest.raises(FetchError) as caught:
                await client.get(f"http://localhost:{port}/feed.xml", check_public=True)
            assert (caught.value.kind, caught.value.attempts) == ("unsafe_url", 1)
            # Even without check_public, a vetted session never connects to a private address...
            with pytest.raises(FetchError) as caught:
                await client.get(f"{base}/hop?to=http://localhost:{port}/feed.xml")
            assert caught.value.kind == "unsafe_url"
            assert "/feed.xml" not in board.hits
            # ...except the hosts its allowlist names.
            assert (await client.get(f"{base}/feed.xml")).body == b"<rss/>"

    asyncio.run(scenario())


def test_a_host_bucket_grants_its_capacity_then_asks_to_wait(stack: Settings) -> None:
    async def scenario() -> None:
        redis = Redis.from_url(stack.redis_url)
        try:
            bucket = RedisTokenBucket(redis, capacity=2, refill_per_s=1.0, key_prefix=unique_prefix())
            assert await bucket.try_acquire("boards.greenhouse.io") == 0
            assert await bucket.try_acquire("boards.greenhouse.io") == 0
            wait = await bucket.try_acquire("boards.greenhouse.io")
            assert 0 < wait <= 1.0
            assert await bucket.try_acquire("api.lever.co") == 0  # another host has its own bucket
            ttl_ms = await redis.pttl(bucket.key("boards.greenhouse.io"))
            assert 0 < ttl_ms <= bucket.ttl_ms  # idle hosts expire
        finally:
            await redis.aclose()

    asyncio.run(scenario())


def test_two_workers_share_one_bucket_per_host(stack: Settings) -> None:
    async def scenario() -> None:
        prefix = unique_prefix()
        first, second = Redis.from_url(stack.redis_url), Redis.from_url(stack.redis_url)
        try:
            worker_a = RedisTokenBucket(first, capacity=2, refill_per_s=1.0, key_prefix=prefix)
            worker_b = RedisTokenBucket(second, capacity=2, refill_per_s=1.0, key_prefix=prefix)
            grants = await asyncio.gather(*(bucket.try_acquire("jobs.ashbyhq.com")
                                            for bucket in (worker_a, worker_b, worker_a, worker_b)))
            assert sorted(grants)[:2] == [0, 0]
            assert all(wait > 0 for wait in sorted(grants)[2:])

            # acquire() waits for the shared refill: a token every 1/refill seconds.
            started = time.monotonic()
            await worker_b.acquire("jobs.ashbyhq.com")
            assert time.monotonic() - started >= 0.5
        finally:
            await first.aclose()
            await second.aclose()

    asyncio.run(scenario())
