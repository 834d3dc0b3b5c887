"""The dashboard's routes and the one-time sign-in link on the real PostgreSQL, Redis and a local SMTP server.

The views are seeded directly (the sink is not under test) with a small history whose figures are worked out by
hand below; another user's rows in the same weeks must not count. The AI spend is recorded through the gateway's
own `RedisBudgets`."""

from __future__ import annotations

import asyncio
import calendar
import datetime as dt
import json
from pathlib import Path

import pytest
from redis.asyncio import Redis

from adapters.ai_gateway.budgets import RedisBudgets
from adapters.maildir import messages
from query_api import accounts
from query_api.app import LINK_SENT
from query_api.dashboard import period_start
from streams.messages import utc_now
from streams.settings import Settings
from tests.integration.conftest import SIGNIN_MARKER, run_cli, wait_for_link
from tests.integration.test_query_api_accounts import Api, run_api

pytestmark = pytest.mark.integration


async def _seed_history(api: Api, user: str, other: str) -> None:
    """Two weeks of one user's pipeline (this ISO week and the one before), and the same rows for `other`."""
    this_week = dt.datetime.combine(period_start(utc_now(), "week"), dt.time(0, 5), tzinfo=dt.UTC)
    last, this = this_week - dt.timedelta(days=7), this_week
    long_ago = this_week - dt.timedelta(weeks=20)
    t = api.tag
    for owner in (user, other):
        o = f"{owner}-{t}"
        await api.pool.executemany(
            "INSERT INTO view_discoveries (event_id, user_id, canonical_job_id, search_name, title, company,"
            " occurred_at) VALUES ($1, $2, $3, 's', 'T', 'C', $4)",
            [(f"d1-{o}", owner, f"lever:acme:j1-{t}", last), (f"d1b-{o}", owner, f"lever:acme:j1-{t}", this),
             (f"d2-{o}", owner, f"greenhouse:acme:j2-{t}", this), (f"d3-{o}", owner, f"lever:acme:j3-{t}", this),
             (f"d0-{o}", owner, f"lever:acme:j0-{t}", long_ago)])
        await api.pool.executemany(
            "INSERT INTO view_matches (event_id, user_id, canonical_job_id, score, decision, occurred_at)"
            " VALUES ($1, $2, $3, 0.8, $4, $5)",
            [(f"m1-{o}", owner, f"lever:acme:j1-{t}", "PROCEED", last),
             (f"m2-{o}", owner, f"greenhouse:acme:j2-{t}", "PROCEED", this),
             (f"m3-{o}", owner, f"lever:acme:j3-{t}", "SKIP", this)])
        await api.pool.executemany(
            "INSERT INTO view_resumes (event_id, user_id, canonical_job_id, variant_id, template, artifact_uri, sha256,"
            " ats_score, occurred_at) VALUES ($1, $2, $3, $4, 'classic', '', '', 0.9, $5)",
            [(f"r1a-{o}", owner, f"lever:acme:j1-{t}", "skills_first-1", last),
             (f"r1b-{o}", owner, f"lever:acme:j1-{t}", "projects_first-1", this),
             (f"r2-{o}", owner, f"greenhouse:acme:j2-{t}", "projects_first-1", this)])
        await api.pool.executemany(
            "INSERT INTO view_applications (application_id, user_id, canonical_job_id, status, posting, updated_at)"
            " VALUES ($1, $2, $3, 'SUBMITTED', $4::jsonb, $5)",
            [(f"a1-{o}", owner, f"lever:acme:j1-{t}", json.dumps({"source": "LEVER"}), this),
             (f"a2-{o}", owner, f"greenhouse:acme:j2-{t}", json.dumps({"source": "GREENHOUSE"}), this)])
        # a3 has no application row (sent before the view existed): its board comes from the job id.
        await api.pool.executemany(
            "INSERT INTO view_submissions (application_id, user_id, canonical_job_id, channel, variant_id,"
            " submitted_at) VALUES ($1, $2, $3, 'email', $4, $5)",
            [(f"a1-{o}", owner, f"lever:acme:j1-{t}", "skills_first-1", last),
             (f"a2-{o}", owner, f"greenhouse:acme:j2-{t}", "projects_first-1", this),
             (f"a3-{o}", owner, f"ashby:acme:j4-{t}", "skills_first-1", this)])
        await api.pool.executemany(
            "INSERT INTO view_application_events (event_id, user_id, application_id, kind, source, occurred_at)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            [(f"e1-{o}", owner, f"a1-{o}", "SUBMITTED", None, last),  # a status change, not an answer
             (f"e2-{o}", owner, f"a1-{o}", "SCREEN", "INBOX", last),
             (f"e3-{o}", owner, f"a1-{o}", "INTERVIEW", "USER", this),
             (f"e4-{o}", owner, f"a2-{o}", "NO_RESPONSE", "TIMER", this),  # silence is not an answer
             (f"e5-{o}", owner, f"a3-{o}", "OFFER", "USER", this)])


def test_the_dashboard_figures_are_the_hand_computed_ones_and_only_the_users_own(
        stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        user, other = f"dash-a-{api.tag}", f"dash-b-{api.tag}"
        await _seed_history(api, user, other)
        await api.sign_in(await api.account(user))

        weekly = await (await api.client.get("/api/dashboard/funnel?period=week&span=2")).json()
        this_monday = period_start(utc_now(), "week")
        assert weekly["buckets"] == [(this_monday - dt.timedelta(days=7)).isoformat(), this_monday.isoformat()]
        # Each job or application once, in the week it first reached the stage:
        # discovered j1 last week (again this week: still once), j2 and j3 this week, j0 twenty weeks ago;
        # matched j1 and j2 (j3 was SKIP); prepared j1 (two variants) and j2; sent a1 last week, a2 and a3 this;
        # answered a1 (SCREEN last week, then INTERVIEW: once) and a3 (OFFER); a2's NO_RESPONSE is no answer.
        assert {s["stage"]: s["counts"] for s in weekly["stages"]} == {
            "discovered": [1, 2], "matched": [1, 1], "prepared": [1, 1], "submitted": [1, 2],
            "responded": [1, 1], "interview": [1, 1], "offer": [0, 1]}
        long = await (await api.client.get("/api/dashboard/funnel?period=week&span=30")).json()
        assert long["stages"][0]["total"] == 4  # j0 is inside 30 weeks
        daily = await (await api.client.get("/api/dashboard/funnel?period=day&span=15")).json()
        assert len(daily["buckets"]) == 15
        assert [s["total"] for s in daily["stages"]] == [3, 2, 2, 3, 2, 2, 1]

        rates = await (await api.client.get("/api/dashboard/response-rates")).json()
        assert (rates["submitted"], rates["responded"], rates["rate"]) == (3, 2, 0.6667)
        assert rates["by_variant"] == [
            {"key": "skills_first-1", "submitted": 2, "responded": 2, "rate": 1.0},
            {"key": "projects_first-1", "submitted": 1, "responded": 0, "rate": 0.0}]
        assert rates["by_board"] == [
            {"key": "ASHBY", "submitted": 1, "responded": 1, "rate": 1.0},
            {"key": "GREENHOUSE", "submitted": 1, "responded": 0, "rate": 0.0},
            {"key": "LEVER", "submitted": 1, "responded": 1, "rate": 1.0}]

        for bad in ("period=month", "span=0", "span=367", "span=x"):
            refused = await api.client.get(f"/api/dashboard/funnel?{bad}")
            assert refused.status == 400 and set(await refused.json()) == {"error"}, bad

        # A user with no history sees zeros, not another user's figures.
        await api.sign_in(await api.account(f"dash-empty-{api.tag}"))
        empty = await (await api.client.get("/api/dashboard/funnel")).json()
        assert len(empty["buckets"]) == 12 and all(s["total"] == 0 for s in empty["stages"])
        assert (await (await api.client.get("/api/dashboard/response-rates")).json())["submitted"] == 0

    run_api(stack, tmp_path, scenario)


def test_ai_spend_this_month_comes_from_the_gateways_counters(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        user = f"dash-ai-{api.tag}"
        today = utc_now().date()
        redis = Redis.from_url(stack.redis_url)
        try:
            budgets = RedisBudgets(redis, user_budget_usd=0.5, cell_budget_usd=100.0)
            await budgets.record(user_id=user, cell=f"test-{api.tag}", day=today, cost_usd=0.25)
            await budgets.record(user_id=user, cell=f"test-{api.tag}", day=today, cost_usd=0.125)
            await budgets.record(user_id=f"someone-else-{api.tag}", cell=f"test-{api.tag}", day=today, cost_usd=3.0)
        finally:
            await redis.aclose()
        await api.sign_in(await api.account(user))
        spend = await (await api.client.get("/api/dashboard/ai-spend")).json()
        assert (spend["month"], spend["spent_usd"], spend["today_usd"]) == (f"{today:%Y-%m}", 0.375, 0.375)
        assert spend["budget_usd"] == 0.5 * calendar.monthrange(today.year, today.month)[1]
        assert len(spend["days"]) == today.day and spend["days"][-1] == {"day": today.isoformat(),
                                                                          "spent_usd": 0.375}

    run_api(stack, tmp_path, scenario, ai_user_budget_usd_per_day=0.5)


def test_a_mailed_sign_in_link_signs_in_once_within_its_time(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        mail_root = api.maildir
        address = await api.account(f"link-{api.tag}")
        unknown = f"nobody-{api.tag}@example.com"
        asked = await api.client.post("/api/auth/link", json={"email": address.upper()})
        not_asked = await api.client.post("/api/auth/link", json={"email": unknown})
        # The same answer whether or not the account exists.
        assert (asked.status, await asked.json()) == (not_asked.status, await not_asked.json()) == (
            202, {"status": LINK_SENT})
        link = await asyncio.to_thread(wait_for_link, mail_root, address, SIGNIN_MARKER)
        assert link.startswith(str(api.client.make_url("/")).rstrip("/") + "/" + SIGNIN_MARKER)
        token = link.split(SIGNIN_MARKER, 1)[1]
        stored = await api.pool.fetch("SELECT token_hash FROM api_signin_links WHERE user_id = $1",
                                      f"link-{api.tag}")
        assert [r["token_hash"] for r in stored] == [accounts.sha256_hex(token)]  # only the hash is kept
        assert messages(mail_root, unknown) == []

        async with api.other() as browser:
            signed = await browser.post("/api/auth/link/signin", json={"token": token})
            assert signed.status == 200, await signed.text()
            session = await (await browser.get("/api/auth/session")).json()
            assert (session["user_id"], session["via"]) == (f"link-{api.tag}", "session")
            again = await browser.post("/api/auth/link/signin", json={"token": token})
            assert again.status == 401 and set(await again.json()) == {"error"}  # used up

        # An expired link is refused; the third request for the same email within the burst of 2 is throttled.
        await api.client.post("/api/auth/link", json={"email": address})
        link2 = await asyncio.to_thread(wait_for_link, mail_root, address, SIGNIN_MARKER, seen=[link])
        await api.pool.execute("UPDATE api_signin_links SET expires_at = now() - interval '1 second'"
                               " WHERE user_id = $1", f"link-{api.tag}")
        expired = await api.client.post("/api/auth/link/signin", json={"token": link2.split(SIGNIN_MARKER, 1)[1]})
        assert expired.status == 401
        throttled = await api.client.post("/api/auth/link", json={"email": address})
        assert throttled.status == 429 and int(throttled.headers["Retry-After"]) > 0
        for bad in ({"email": "nope"}, {}):
            assert (await api.client.post("/api/auth/link", json=bad)).status == 400
        assert (await api.client.post("/api/auth/link/signin", json={})).status == 401

    run_api(stack, tmp_path, scenario, api_signin_burst=2, api_signin_refill_s=3600.0)


def test_without_an_smtp_server_links_are_unavailable_for_everyone(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        for address in (await api.account(f"nolink-{api.tag}"), f"nobody-{api.tag}@example.com"):
            refused = await api.client.post("/api/auth/link", json={"email": address})
            assert refused.status == 503 and "RESUMEFLOW_SMTP_HOST" in (await refused.json())["error"]

    run_api(stack, tmp_path, scenario, smtp_host="")


def test_user_password_gives_a_demo_account_a_password_that_signs_in(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        address = f"demo-{api.tag}@example.org"
        first = (await asyncio.to_thread(run_cli, "user", "password", "--email", address)).stdout.split()[-1]
        await api.sign_in(address, first)  # the account was made
        second = (await asyncio.to_thread(run_cli, "user", "password", "--email", address)).stdout.split()[-1]
        assert second != first
        assert (await api.client.get("/api/auth/session")).status == 401  # its sessions ended
        assert (await api.client.post("/api/auth/signin", json={"email": address, "password": first})).status == 401
        await api.sign_in(address, second)

    run_api(stack, tmp_path, scenario)
