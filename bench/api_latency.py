"""Query API latency under load: p50/p95/p99 per read route at a fixed arrival rate (open loop), and errors.

Fills the read model for U users (default 1,000) the way production does — their records published to the view
topics and written by `resumeflow sink` (`bench.sink_throughput`) — then starts `resumeflow api` (this checkout's)
on 127.0.0.1 and sends R requests/s (default 200) for D seconds (default 30) across the main read routes
(`/api/me`, `/api/discoveries`, `/api/matches`, `/api/resumes`, `/api/applications`,
`/api/applications/{id}`, `/api/outcomes/unlinked`) and the dashboard's (`/api/dashboard/funnel` per week and per
day, `/api/dashboard/response-rates`, `/api/dashboard/ai-spend`, whose Redis month hash is filled with a few days of
spend per user through the gateway's own `RedisBudgets`), round-robin over the routes, each request for a random
user signed in as a browser is: `--auth session` (the default) sends each user's session cookie, so every request
looks its session up in PostgreSQL (`query_api.accounts`; the sessions are written directly, not through
sign-in, whose Argon2 hash is deliberately slow); `--auth token` sends each user's API token (`rf_...`, a hash
lookup too); `--auth hmac` the operator's stateless token (`resumeflow user token`, no lookup).

Open loop: request i is due at start + i/R whether or not earlier ones have answered, so a slow server is not
hidden by a client that waits (no coordinated omission). Latency is measured from the due time to the end of the
response body; the client's own lag (how late it managed to send) is printed too, because the load generator,
the API, PostgreSQL and the broker share this machine's cores: a high lag means the figures include the client's
contention. Target (issue 10): p95 < 20 ms at 200 requests/s, printed per route and overall as met or MISSED.
Writes bench/results/api_latency.json. Needs the local stack (`resumeflow stack up && resumeflow topics apply`).

Usage: python -m bench.api_latency [--quick] [--users N] [--rate R] [--duration S] [--port P]
                                  [--auth session|token|hmac] [--routes all|lists|dashboard]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os
import random
import secrets
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import aiohttp
import asyncpg
from redis.asyncio import Redis

from adapters.ai_gateway.budgets import RedisBudgets
from bench.processes import CliProcess, cli_process
from bench.record import percentiles_ms, write_result
from bench.sink_throughput import fill_views
from query_api import accounts
from query_api.app import SESSION_COOKIE
from query_api.auth import issue_token
from streams.messages import ApplicationUpdated, utc_now
from streams.settings import Settings, load_settings

TARGET_P95_MS = 20.0
LIST_ROUTES = ("/api/me", "/api/discoveries", "/api/matches", "/api/resumes", "/api/applications",
               "/api/applications/{application_id}", "/api/outcomes/unlinked")
DASHBOARD_ROUTES = ("/api/dashboard/funnel?period=week", "/api/dashboard/funnel?period=day",
                    "/api/dashboard/response-rates", "/api/dashboard/ai-spend")
ROUTE_SETS = {"all": LIST_ROUTES + DASHBOARD_ROUTES, "lists": LIST_ROUTES, "dashboard": DASHBOARD_ROUTES}
REQUEST_TIMEOUT_S = 10.0


@dataclass
class Sample:
    route: str
    latency_s: float  # from the due time to the end of the body
    lag_s: float  # how late the request left, after its due time
    status: int  # 0: no answer (connection error or timeout)


@dataclass
class Load:
    samples: list[Sample] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))


async def _one(session: aiohttp.ClientSession, base: str, route: str, path: str, headers: dict[str, str],
               due: float, load: Load) -> None:
    sent = time.perf_counter()
    status = 0
    try:
        async with session.get(base + path, headers=headers) as response:
            await response.read()
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        load.errors[f"{route}: {type(exc).__name__}"] += 1
    done = time.perf_counter()
    if status and status != 200:
        load.errors[f"{route}: HTTP {status}"] += 1
    load.samples.append(Sample(route, done - due, sent - due, status))


async def drive(base: str, users: list[tuple[str, dict[str, str], str]], rate: float, duration_s: float,
                seed: int, routes: tuple[str, ...]) -> Load:
    """Sends rate x duration requests, request i at start + i/rate; waits for the last answers."""
    rng = random.Random(seed)
    load = Load()
    total = int(rate * duration_s)
    connector = aiohttp.TCPConnector(limit=200)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks = []
        start = time.perf_counter() + 0.2
        for i in range(total):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            route = routes[i % len(routes)]
            _, headers, application_id = users[rng.randrange(len(users))]
            path = route.format(application_id=application_id)
            tasks.append(asyncio.create_task(_one(session, base, route, path, headers, due, load)))
        await asyncio.gather(*tasks)
    return load


async def wait_healthy(base: str, api: CliProcess, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if api.process.poll() is not None:
                raise SystemExit(f"`resumeflow api` exited with {api.process.returncode}: {api.log_tail()}")
            try:
                async with session.get(base + "/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit(f"`resumeflow api` did not answer {base}/healthz within {timeout_s:.0f}s")


async def credentials(settings: Settings, user_ids: list[str], auth: str, secret: str) -> list[dict[str, str]]:
    """Each user's request headers: a session cookie or an API token written straight to the API's tables (an
    account row each, with a placeholder instead of a password hash: nobody signs in with a password here), or
    the stateless HMAC token."""
    if auth == "hmac":
        return [{"Authorization": f"Bearer {issue_token(u, secret)}"} for u in user_ids]
    now, lifetime = utc_now(), dt.timedelta(hours=2)
    connection = await asyncpg.connect(settings.database_url)
    try:
        await accounts.create_schema(connection)
        await connection.executemany(
            "INSERT INTO api_accounts (user_id, email, password_hash, created_at) VALUES ($1, $2, 'none', $3)"
            " ON CONFLICT DO NOTHING", [(u, f"{u}@bench.invalid", now) for u in user_ids])
        headers = []
        for user_id in user_ids:
            if auth == "session":
                session_id, _ = await accounts.start_session(connection, user_id, now=now, lifetime=lifetime)
                headers.append({"Cookie": f"{SESSION_COOKIE}={session_id}"})
            else:
                _, token, _ = await accounts.create_token(connection, user_id, "bench", now=now, lifetime=lifetime)
                headers.append({"Authorization": f"Bearer {token}"})
        return headers
    finally:
        await connection.close()


async def seed_ai_spend(settings: Settings, user_ids: list[str], seed: int) -> None:
    """A few days of AI spend this month per user, through the gateway's own counters (`RedisBudgets.record`), so
    `/api/dashboard/ai-spend` reads a filled hash as it would in use."""
    rng = random.Random(seed)
    today = utc_now().date()
    days = [today - dt.timedelta(days=n) for n in range(min(3, today.day))]
    redis = Redis.from_url(settings.redis_url)
    try:
        budgets = RedisBudgets(redis, user_budget_usd=settings.ai_user_budget_usd_per_day,
                               cell_budget_usd=settings.ai_cell_budget_usd_per_day)
        for user_id in user_ids:
            for day in days:
                await budgets.record(user_id=user_id, cell="bench-api", day=day, cost_usd=rng.uniform(0.001, 0.05))
    finally:
        await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000, help="users in the read model (default 1000)")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second (default 200)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load (default 30)")
    parser.add_argument("--port", type=int, default=24580, help="the API's port on 127.0.0.1 (default 24580)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--quick", action="store_true", help="100 users, 5 s")
    parser.add_argument("--routes", choices=tuple(ROUTE_SETS), default="all",
                        help="the list routes, the dashboard's, or both (default)")
    parser.add_argument("--auth", choices=("session", "token", "hmac"), default="session",
                        help="how each request is authenticated (default: the session cookie, as a browser)")
    args = parser.parse_args()
    if args.quick:
        args.users, args.duration = min(args.users, 100), min(args.duration, 5.0)
    logging.basicConfig(level=logging.WARNING)
    settings = load_settings().model_copy(update={"app_id": f"bench-api-{uuid.uuid4().hex[:8]}"})

    fill, drained, _, _ = fill_views(settings, args.users)
    if len(drained.complete_at_s) < len(fill.expected):
        raise SystemExit(f"the sink did not fill the views: {drained.counts} of {fill.expected}")
    applications: dict[str, str] = {}
    for _, _, message in fill.records:
        if isinstance(message, ApplicationUpdated):
            applications.setdefault(message.user_id, message.application_id)
    secret = secrets.token_urlsafe(48)
    headers = asyncio.run(credentials(settings, fill.user_ids, args.auth, secret))
    routes = ROUTE_SETS[args.routes]
    if any(route.startswith("/api/dashboard/ai-spend") for route in routes):
        asyncio.run(seed_ai_spend(settings, fill.user_ids, args.seed))
    users = [(u, h, applications[u]) for u, h in zip(fill.user_ids, headers, strict=True)]
    print(f"setup: {args.users} users in the read model ({sum(fill.expected.values())} rows, written by the sink in "
          f"{drained.start_up_s + drained.drain_s:.1f}s); {args.rate:.0f} requests/s for {args.duration:.0f}s, open "
          f"loop, round-robin over {len(routes)} routes, a random user each with their own {args.auth} credentials; "
          f"aiohttp client and `resumeflow api` (asyncpg pool of 10) on 127.0.0.1:{args.port}; {os.cpu_count()} CPUs "
          "shared by the load generator, the API, PostgreSQL and the broker")

    base = f"http://127.0.0.1:{args.port}"
    env = {"RESUMEFLOW_API_SECRET": secret, "RESUMEFLOW_APP_ID": settings.app_id}
    with cli_process(["api", "--host", "127.0.0.1", "--port", str(args.port)], env) as api:
        asyncio.run(wait_healthy(base, api))
        asyncio.run(drive(base, users[:50], min(args.rate, 50.0), 2.0, args.seed, routes))  # warm-up: pool, caches
        cpu_before, wall_before = api.cpu_s(), time.perf_counter()
        load = asyncio.run(drive(base, users, args.rate, args.duration, args.seed, routes))
        wall = time.perf_counter() - wall_before
        api_cpu = api.cpu_s() - cpu_before

    by_route: dict[str, list[Sample]] = defaultdict(list)
    for sample in load.samples:
        by_route[sample.route].append(sample)
    print(f"{'route':<44}{'requests':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}  p95<20ms")
    figures: dict[str, object] = {"routes": {}}
    for route in routes:
        samples = by_route[route]
        ok = [s.latency_s for s in samples if s.status == 200]
        errors = len(samples) - len(ok)
        cuts = percentiles_ms(ok)
        met = bool(cuts) and cuts["p95_ms"] < TARGET_P95_MS and errors == 0
        figures["routes"][route] = {"requests": len(samples), "errors": errors, **cuts,  # type: ignore[index]
                                    "target_met": met}
        print(f"{route:<44}{len(samples):>9}{errors:>8}{cuts.get('p50_ms', 0):>9.2f}{cuts.get('p95_ms', 0):>9.2f}"
              f"{cuts.get('p99_ms', 0):>9.2f}{cuts.get('max_ms', 0):>9.2f}  {'met' if met else 'MISSED'}")
    ok = [s.latency_s for s in load.samples if s.status == 200]
    errors = len(load.samples) - len(ok)
    overall = percentiles_ms(ok)
    lag = percentiles_ms([s.lag_s for s in load.samples])
    from_send = percentiles_ms([s.latency_s - s.lag_s for s in load.samples if s.status == 200])
    achieved = len(load.samples) / wall
    met = bool(overall) and overall["p95_ms"] < TARGET_P95_MS and errors == 0
    print(f"{'all':<44}{len(load.samples):>9}{errors:>8}{overall.get('p50_ms', 0):>9.2f}"
          f"{overall.get('p95_ms', 0):>9.2f}{overall.get('p99_ms', 0):>9.2f}{overall.get('max_ms', 0):>9.2f}  "
          f"{'met' if met else 'MISSED'}")
    print(f"target p95 < {TARGET_P95_MS:.0f} ms at {args.rate:.0f} requests/s: {'met' if met else 'MISSED'}; "
          f"{achieved:.0f} requests/s achieved; client send lag p50 {lag.get('p50_ms', 0):.2f} ms, p95 "
          f"{lag.get('p95_ms', 0):.2f} ms (from the actual send: p50 {from_send.get('p50_ms', 0):.2f} ms, p95 "
          f"{from_send.get('p95_ms', 0):.2f} ms); API process CPU {api_cpu:.1f}s over {wall:.1f}s "
          f"({api_cpu / wall:.0%} of one core)")
    for error, count in sorted(load.errors.items()):
        print(f"  error {error}: {count}")
    figures.update({"all": {"requests": len(load.samples), "errors": errors, **overall}, "target_p95_ms": TARGET_P95_MS,
                    "target_met": met, "achieved_requests_per_s": round(achieved, 1), "client_lag": lag,
                    "from_send": from_send,
                    "api_cpu_s": round(api_cpu, 2), "errors_by_kind": dict(load.errors)})
    path = write_result("api_latency", {
        "users": args.users, "rate_per_s": args.rate, "duration_s": args.duration, "routes": list(routes),
        "route_set": args.routes, "seed": args.seed, "auth": args.auth, "rows": sum(fill.expected.values()),
        "api_pool": 10,
        "note": "open loop; latency from each request's due time; client, API, PostgreSQL and broker share the CPUs"},
        figures)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
