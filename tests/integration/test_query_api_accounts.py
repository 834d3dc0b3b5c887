"""Web accounts against the real PostgreSQL and Redis: sign-up by mail (through a local SMTP server speaking the
real protocol) that tells nobody who has an account, sign-in, cookie sessions and their CSRF token, sign-out, the
attempt limit, API tokens, the operator role, cursor paging, and another user's ids answering 404
on every route. The views are seeded directly (the sink is not under test), as in test_query_api.py."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email import message_from_bytes
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.mail_server import MailServer
from adapters.maildir import messages
from query_api import accounts
from query_api.app import CSRF_HEADER, DEV_SESSION_COOKIE, SESSION_COOKIE, SIGNUP_SENT, create_app
from query_api.auth import issue_token
from query_api.publish import kafka_publisher
from streams.ids import user_id_for_email
from streams.local_ports import free_local_port
from streams.settings import Settings
from tests.integration.conftest import (
    SIGNIN_MARKER,
    SIGNUP_MARKER,
    mailed_links,
    run_cli,
    sign_up_by_mail,
    wait_for_link,
)
from tests.integration.test_query_api import SECRET, Seeded, _seed

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery staple"


@dataclass
class Api:
    """A test client plus the seeded rows, and a way to sign in as a seeded user."""

    client: TestClient
    seeded: Seeded
    pool: asyncpg.Pool
    app: web.Application
    tag: str
    maildir: Path  # where the local SMTP server keeps the account mails, a Maildir per recipient

    def other(self) -> aiohttp.ClientSession:
        """A second client of the same server with its own cookies (another browser, or a script)."""
        return aiohttp.ClientSession(base_url=str(self.client.make_url("/")), cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def account(self, user_id: str) -> str:
        """A web account for a seeded user (their ids predate accounts, so the row is written here); its email."""
        email = f"{user_id}@example.com"
        await self.pool.execute(
            "INSERT INTO api_accounts (user_id, email, password_hash, created_at) VALUES ($1, $2, $3, now())"
            " ON CONFLICT DO NOTHING", user_id, email, accounts._HASHER.hash(PASSWORD))
        return email

    async def sign_up(self, email: str, password: str = PASSWORD,
                      client: TestClient | aiohttp.ClientSession | None = None) -> dict[str, Any]:
        """Signs up through the mailed confirm link; {"user_id", "csrf_token"} (the client keeps the session)."""
        return await sign_up_by_mail(client or self.client, self.maildir, email, password)

    async def sign_in(self, email: str, password: str = PASSWORD,
                      client: TestClient | aiohttp.ClientSession | None = None) -> str:
        """Signs `client` in (its cookie jar keeps the session); the session's CSRF token."""
        response = await (client or self.client).post("/api/auth/signin", json={"email": email,
                                                                                "password": password})
        assert response.status == 200, await response.text()
        return (await response.json())["csrf_token"]


Scenario = Callable[[Api], Awaitable[None]]


def run_api(stack: Settings, tmp_path: Path, scenario: Scenario, **overrides: Any) -> None:
    """Runs `scenario` against the API on seeded views, with a local SMTP server for the account mails unless
    `overrides` name an SMTP host of their own (or none: smtp_host="")."""
    artifact_dir = tmp_path / "artifacts"
    artifact_dir.mkdir()
    maildir = tmp_path / "account-mail"
    mail = None if "smtp_host" in overrides else MailServer(maildir, port=free_local_port()).start()
    smtp = {"smtp_host": "127.0.0.1", "smtp_port": mail.port, "smtp_security": "none"} if mail else {}
    settings = stack.model_copy(update={"artifact_dir_override": artifact_dir, "api_secret": SECRET,
                                        "api_cookie_secure": False, **smtp, **overrides})

    async def main() -> None:
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
        try:
            seeded = await _seed(pool, artifact_dir, tmp_path)
            app = create_app(settings, pool, kafka_publisher(settings))
            async with TestClient(TestServer(app)) as client:
                await scenario(Api(client, seeded, pool, app, uuid.uuid4().hex[:10], maildir))
        finally:
            await pool.close()

    try:
        asyncio.run(main())
    finally:
        if mail is not None:
            mail.stop()


def _our_log(caplog: pytest.LogCaptureFixture) -> str:
    """What the API process logged: all but the local SMTP server's own protocol log (aiosmtpd's `mail.log`, a
    stand-in for the mail provider, which logs every address it serves)."""
    return "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("mail.log"))


def test_sign_up_by_mail_gives_the_pipelines_id_and_a_session_that_sign_out_ends(
        stack: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    tag = uuid.uuid4().hex[:10]

    async def scenario(api: Api) -> None:
        email = f"Grace.{tag}@Example.com"
        asked = await api.client.post("/api/auth/signup", json={"email": email, "password": PASSWORD})
        assert (asked.status, await asked.json()) == (202, {"status": SIGNUP_SENT})
        assert "Set-Cookie" not in asked.headers  # nothing is signed in before the mail is read
        # Only the token's hash and the password's Argon2id hash are kept, and no account yet.
        pending = await api.pool.fetchrow("SELECT * FROM api_pending_signups WHERE email = $1", email.lower())
        assert pending["password_hash"].startswith("$argon2id$") and PASSWORD not in pending["password_hash"]
        assert await api.pool.fetchval("SELECT count(*) FROM api_accounts WHERE email = $1", email.lower()) == 0
        link = await asyncio.to_thread(wait_for_link, api.maildir, email, SIGNUP_MARKER)
        assert link.startswith(str(api.client.make_url("/")).rstrip("/") + "/" + SIGNUP_MARKER)
        token = link.split(SIGNUP_MARKER, 1)[1]
        assert pending["token_hash"] == accounts.sha256_hex(token)

        confirmed = await api.client.post("/api/auth/signup/confirm", json={"token": token})
        assert confirmed.status == 201
        body = await confirmed.json()
        assert body["user_id"] == user_id_for_email(email)  # the id the pipeline gives this email
        cookie = confirmed.cookies[DEV_SESSION_COOKIE]
        assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
        session = await (await api.client.get("/api/auth/session")).json()
        assert (session["user_id"], session["via"], session["role"]) == (body["user_id"], "session", "user")
        assert (await api.client.get("/api/discoveries")).status == 200

        for bad in ({"email": "nobody", "password": PASSWORD}, {"email": f"x{api.tag}@example.com",
                                                                "password": "short"}, {"email": 3}):
            refused = await api.client.post("/api/auth/signup", json=bad)
            assert refused.status == 400 and "error" in await refused.json(), bad

        wrong = await api.client.post("/api/auth/signin", json={"email": email, "password": PASSWORD + "!"})
        assert (wrong.status, await wrong.json()) == (401, {"error": "wrong email or password"})
        unknown = await api.client.post("/api/auth/signin", json={"email": f"no-{api.tag}@example.com",
                                                                   "password": PASSWORD})
        assert (unknown.status, await unknown.json()) == (401, {"error": "wrong email or password"})
        csrf = await api.sign_in(email)  # the password given at sign-up
        old_cookie = api.client.session.cookie_jar.filter_cookies(api.client.make_url("/"))[DEV_SESSION_COOKIE]
        assert (await api.client.post("/api/auth/signout")).status == 403  # a write without the CSRF token
        out = await api.client.post("/api/auth/signout", headers={CSRF_HEADER: csrf})
        assert out.status == 200
        # The server ended it: the same cookie sent again is refused.
        replay = await api.client.get("/api/discoveries", cookies={DEV_SESSION_COOKIE: old_cookie.value})
        assert (replay.status, await replay.json()) == (401, {"error": "session expired or signed out; sign in again"})

    run_api(stack, tmp_path, scenario)
    assert PASSWORD not in _our_log(caplog) and f"grace.{tag}" not in _our_log(caplog).lower()


def test_sign_up_answers_the_same_for_a_known_email_and_mails_its_owner_a_sign_in_link(
        stack: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    known = f"known-{uuid.uuid4().hex[:10]}@example.com"

    async def scenario(api: Api) -> None:
        owner = await api.sign_up(known)
        fresh = f"fresh-{api.tag}@example.com"
        async with api.other() as stranger:
            answers = []
            for address in (known.upper(), fresh):
                response = await stranger.post("/api/auth/signup", json={"email": address,
                                                                          "password": "another long password"})
                answers.append((response.status, dict(response.headers).keys() - {"Date"}, await response.json()))
            assert answers[0] == answers[1] and answers[0][0] == 202  # status, header names and body alike

        # The owner is told by mail, with a one-time sign-in link of the existing kind; no confirm link.
        link = await asyncio.to_thread(wait_for_link, api.maildir, known, SIGNIN_MARKER)
        assert len(mailed_links(api.maildir, known, SIGNUP_MARKER)) == 1  # only the one of their own sign-up
        subjects = sorted(message_from_bytes(raw)["Subject"] for raw in messages(api.maildir, known))
        assert subjects == ["Confirm your resumeflow account", "You already have a resumeflow account"]
        assert await api.pool.fetchval("SELECT count(*) FROM api_pending_signups WHERE email = $1", known) == 1
        assert await api.pool.fetchval("SELECT count(*) FROM api_accounts WHERE email = $1", known) == 1
        async with api.other() as browser:
            signed = await browser.post("/api/auth/link/signin", json={"token": link.split(SIGNIN_MARKER, 1)[1]})
            assert signed.status == 200 and (await signed.json())["user_id"] == owner["user_id"]
        # The stranger's password did not replace the owner's.
        await api.sign_in(known)
        refused = await api.client.post("/api/auth/signin", json={"email": known,
                                                                   "password": "another long password"})
        assert refused.status == 401

    run_api(stack, tmp_path, scenario)
    assert "another long password" not in _our_log(caplog) and known not in _our_log(caplog)


def test_a_confirm_link_works_once_within_its_time_and_never_makes_a_second_account(
        stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        email = f"twice-{api.tag}@example.com"
        for password in (PASSWORD, "a second long password"):  # two sign-ups before either link is followed
            asked = await api.client.post("/api/auth/signup", json={"email": email, "password": password})
            assert asked.status == 202
        first = await asyncio.to_thread(wait_for_link, api.maildir, email, SIGNUP_MARKER)
        second = await asyncio.to_thread(wait_for_link, api.maildir, email, SIGNUP_MARKER, seen=[first])
        tokens = [link.split(SIGNUP_MARKER, 1)[1] for link in (first, second)]

        made = await api.client.post("/api/auth/signup/confirm", json={"token": tokens[0]})
        assert made.status == 201
        again = await api.client.post("/api/auth/signup/confirm", json={"token": tokens[0]})
        assert again.status == 400 and set(await again.json()) == {"error"}  # used up
        # The other link: the email has an account now, so it signs into that one (as a sign-in link would).
        async with api.other() as browser:
            other = await browser.post("/api/auth/signup/confirm", json={"token": tokens[1]})
            assert other.status == 200 and (await other.json())["user_id"] == (await made.json())["user_id"]
        assert await api.pool.fetchval("SELECT count(*) FROM api_accounts WHERE email = $1", email) == 1

        late = f"late-{api.tag}@example.com"
        assert (await api.client.post("/api/auth/signup", json={"email": late, "password": PASSWORD})).status == 202
        link = await asyncio.to_thread(wait_for_link, api.maildir, late, SIGNUP_MARKER)
        await api.pool.execute("UPDATE api_pending_signups SET expires_at = now() - interval '1 second'"
                               " WHERE email = $1", late)
        expired = await api.client.post("/api/auth/signup/confirm", json={"token": link.split(SIGNUP_MARKER, 1)[1]})
        unknown = await api.client.post("/api/auth/signup/confirm", json={"token": "no-such-token"})
        empty = await api.client.post("/api/auth/signup/confirm", json={})
        assert (expired.status, await expired.json()) == (unknown.status, await unknown.json()) == (
            empty.status, await empty.json()) == (400, {"error": "this sign-up link is not valid: it was used, it "
                                                                 "expired, or it is mistyped; sign up again"})
        assert await api.pool.fetchval("SELECT count(*) FROM api_accounts WHERE email = $1", late) == 0
        cross = await api.client.post("/api/auth/signup/confirm", json={"token": "x"},
                                      headers={"Origin": "https://evil.example"})
        assert cross.status == 403  # sign-in CSRF, as for every public route

    run_api(stack, tmp_path, scenario)


def test_sign_up_mails_are_limited_per_email_with_the_sign_in_links(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        known = f"bomb-{api.tag}@example.com"
        await api.pool.execute(
            "INSERT INTO api_accounts (user_id, email, password_hash, created_at) VALUES ($1, $2, $3, now())",
            user_id_for_email(known), known, accounts._HASHER.hash(PASSWORD))
        for address in (known, f"new-{api.tag}@example.com"):
            statuses = []
            for _ in range(3):
                response = await api.client.post("/api/auth/signup", json={"email": address, "password": PASSWORD})
                statuses.append(response.status)
            assert statuses == [202, 202, 429], address
            assert int(response.headers["Retry-After"]) > 0 and set(await response.json()) == {"error"}
        # One bucket per address for every mail it gets: the sign-in link is refused too.
        assert (await api.client.post("/api/auth/link", json={"email": known})).status == 429
        first = await asyncio.to_thread(wait_for_link, api.maildir, known, SIGNIN_MARKER)
        await asyncio.to_thread(wait_for_link, api.maildir, known, SIGNIN_MARKER, seen=[first])
        await asyncio.sleep(0.5)
        assert len(messages(api.maildir, known)) == 2  # the two within the burst, nothing after

    run_api(stack, tmp_path, scenario, api_signin_burst=2, api_signin_refill_s=3600.0)


def test_without_an_smtp_server_sign_up_is_unavailable_for_everyone(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        for address in (await api.account(api.seeded.user_a), f"nobody-{api.tag}@example.com"):
            refused = await api.client.post("/api/auth/signup", json={"email": address, "password": PASSWORD})
            assert refused.status == 503 and "RESUMEFLOW_SMTP_HOST" in (await refused.json())["error"]

    run_api(stack, tmp_path, scenario, smtp_host="")


def test_the_session_cookie_is_secure_and_host_only_by_default(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        address = f"s-{api.tag}@example.com"
        assert (await api.client.post("/api/auth/signup", json={"email": address, "password": PASSWORD})).status == 202
        link = await asyncio.to_thread(wait_for_link, api.maildir, address, SIGNUP_MARKER)
        response = await api.client.post("/api/auth/signup/confirm", json={"token": link.split(SIGNUP_MARKER, 1)[1]})
        [header] = response.headers.getall("Set-Cookie")
        assert header.startswith(f"{SESSION_COOKIE}=")
        attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
        assert {"httponly", "secure", "samesite", "path", "max-age"} <= attributes and "domain" not in attributes
        assert "Max-Age=3600" in header  # RESUMEFLOW_API_SESSION_HOURS

    run_api(stack, tmp_path, scenario, api_cookie_secure=True, api_session_hours=1.0)


def test_an_expired_session_is_refused(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        email = await api.account(api.seeded.user_a)
        await api.sign_in(email)
        await api.pool.execute("UPDATE api_sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1",
                               api.seeded.user_a)
        assert (await api.client.get("/api/discoveries")).status == 401

    run_api(stack, tmp_path, scenario)


def test_writes_with_a_session_need_its_csrf_token_and_bearer_writes_do_not(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        s = api.seeded
        csrf = await api.sign_in(await api.account(s.user_a))
        approve = f"/api/applications/{s.a_application}/approve"
        assert (await api.client.post(approve)).status == 403
        assert (await api.client.post(approve, headers={CSRF_HEADER: "guess"})).status == 403
        cross = await api.client.post(approve, headers={CSRF_HEADER: csrf, "Origin": "https://evil.example"})
        assert (cross.status, "error" in await cross.json()) == (403, True)
        assert (await api.client.post(approve, headers={CSRF_HEADER: csrf})).status == 202
        # A bearer token cannot be sent by another site's page, so its writes need no CSRF token.
        bearer = {"Authorization": f"Bearer {issue_token(s.user_a, SECRET)}"}
        async with api.other() as bare:
            assert (await bare.post(approve, headers=bearer)).status == 202
        # Sign-in from another site's page is refused (login CSRF).
        assert (await api.client.post("/api/auth/signin", json={"email": "x@example.com", "password": PASSWORD},
                                      headers={"Origin": "https://evil.example"})).status == 403

    run_api(stack, tmp_path, scenario)


def test_repeated_wrong_passwords_are_slowed_down(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        email = await api.account(api.seeded.user_b)
        statuses = [(await api.client.post("/api/auth/signin", json={"email": email, "password": f"wrong-{i}xxxxx"}
                                           )).status for i in range(3)]
        assert statuses == [401, 401, 401]
        limited = await api.client.post("/api/auth/signin", json={"email": email, "password": PASSWORD})
        assert limited.status == 429  # even the right password, until a token refills
        assert int(limited.headers["Retry-After"]) >= 1
        assert "error" in await limited.json()

    run_api(stack, tmp_path, scenario, api_signin_burst=3, api_signin_refill_s=3600.0)


def test_api_tokens_are_made_listed_and_revoked_by_their_user_and_only_hashes_are_kept(
        stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        s = api.seeded
        csrf = await api.sign_in(await api.account(s.user_a))
        made = await api.client.post("/api/tokens", json={"name": "ci", "days": 7}, headers={CSRF_HEADER: csrf})
        assert made.status == 201
        token = await made.json()
        assert re.fullmatch(r"rf_[A-Za-z0-9_-]{43}", token["token"])
        assert (await api.client.post("/api/tokens", json={"days": 9999}, headers={CSRF_HEADER: csrf})).status == 400
        listed = (await (await api.client.get("/api/tokens")).json())["items"]
        assert [t["name"] for t in listed] == ["ci"] and "token" not in listed[0]
        stored = await api.pool.fetchrow("SELECT * FROM api_tokens WHERE token_id = $1", token["token_id"])
        assert token["token"] not in json.dumps(dict(stored), default=str)
        assert stored["token_hash"] == accounts.sha256_hex(token["token"])

        bearer = {"Authorization": f"Bearer {token['token']}"}
        async with api.other() as script:
            assert (await script.get("/api/discoveries", headers=bearer)).status == 200
            assert (await script.post("/api/tokens", json={}, headers=bearer)).status == 403  # tokens make no tokens
            # B cannot revoke A's token: not found, as if there were none.
            b_csrf = await api.sign_in(await api.account(s.user_b), client=script)
            theirs = await script.delete(f"/api/tokens/{token['token_id']}", headers={CSRF_HEADER: b_csrf})
            assert theirs.status == 404
            revoked = await api.client.delete(f"/api/tokens/{token['token_id']}", headers={CSRF_HEADER: csrf})
            assert revoked.status == 200
            script.cookie_jar.clear()
            assert (await script.get("/api/discoveries", headers=bearer)).status == 401
        # An expired token is refused too.
        _, old, _ = await accounts.create_token(api.pool, s.user_a, "old", now=dt.datetime.now(dt.UTC)
                                                - dt.timedelta(days=2), lifetime=dt.timedelta(days=1))
        async with api.other() as script:
            assert (await script.get("/api/discoveries", headers={"Authorization": f"Bearer {old}"})).status == 401

    run_api(stack, tmp_path, scenario)


def test_operations_routes_need_the_operator_role(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        email = await api.account(api.seeded.user_a)
        await api.sign_in(email)
        refused = await api.client.get("/api/operator/accounts")
        assert (refused.status, await refused.json()) == (403, {"error": "this route is for operators"})
        # The operator's stateless token of a user without the role is refused as well.
        hmac_user = {"Authorization": f"Bearer {issue_token(api.seeded.user_b, SECRET)}"}
        async with api.other() as script:
            assert (await script.get("/api/operator/accounts", headers=hmac_user)).status == 403
        await asyncio.to_thread(run_cli, "user", "role", "--email", email, "operator")
        allowed = await api.client.get("/api/operator/accounts?limit=200")
        assert allowed.status == 200
        rows = (await allowed.json())["items"]
        assert {"user_id": api.seeded.user_a, "email": email, "role": "operator"}.items() <= next(
            r for r in rows if r["user_id"] == api.seeded.user_a).items()
        assert "password_hash" not in json.dumps(rows)
        missing = await asyncio.to_thread(run_cli, "user", "role", "--email", f"none-{api.tag}@example.com",
                                          "operator", check=False)
        assert missing.returncode == 2 and "sign up first" in missing.stderr

    run_api(stack, tmp_path, scenario)


# --- cursor paging --------------------------------------------------------------------------------------------


async def _add_discovery(pool: asyncpg.Pool, user_id: str, job: str, event_id: str, at: dt.datetime) -> None:
    await pool.execute(
        "INSERT INTO view_discoveries (event_id, user_id, canonical_job_id, search_name, title, company, occurred_at)"
        " VALUES ($1, $2, $3, 'python', 't', 'Acme', $4)", event_id, user_id, job, at)


async def _add_application(pool: asyncpg.Pool, user_id: str, job: str, application_id: str, at: dt.datetime) -> None:
    await pool.execute(
        "INSERT INTO view_applications (application_id, user_id, canonical_job_id, status, updated_at)"
        " VALUES ($1, $2, $3, 'MATCHED', $4)", application_id, user_id, job, at)


async def _pages(client: TestClient, path: str, limit: int, key: str,
                 between: Callable[[int], Awaitable[None]]) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    for page_number in range(100):
        query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = await client.get(path + query)
        assert response.status == 200, await response.text()
        body = await response.json()
        assert len(body["items"]) <= limit
        seen += [item[key] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            return seen
        await between(page_number)
    raise AssertionError("paging did not end")


@pytest.mark.parametrize(("path", "key", "add"), [("/api/discoveries", "event_id", _add_discovery),
                                                   ("/api/applications", "application_id", _add_application)])
def test_paging_returns_every_row_once_in_order_while_rows_are_added(
        stack: Settings, tmp_path: Path, path: str, key: str,
        add: Callable[[asyncpg.Pool, str, str, str, dt.datetime], Awaitable[None]]) -> None:
    async def scenario(api: Api) -> None:
        user = f"pager-{api.tag}"
        await api.account(user)
        base = dt.datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=dt.UTC)
        # 11 rows; three share a timestamp (the id breaks the tie), microseconds matter.
        times = [base - dt.timedelta(minutes=i) for i in range(8)] + [base - dt.timedelta(minutes=3)] * 3
        rows = [(f"p{i:02d}-{api.tag}", at) for i, at in enumerate(times)]
        for row_id, at in rows:
            await add(api.pool, user, api.seeded.job, row_id, at)
        expected = [row_id for row_id, at in sorted(rows, key=lambda r: (-r[1].timestamp(), r[0]))]
        added: list[str] = []

        async def between(page_number: int) -> None:
            newer = f"new{page_number:02d}-{api.tag}"  # newer than everything: belongs on a first page
            older = f"old{page_number:02d}-{api.tag}"  # older than everything: comes at the end
            await add(api.pool, user, api.seeded.job, newer, base + dt.timedelta(hours=1 + page_number))
            await add(api.pool, user, api.seeded.job, older, base - dt.timedelta(days=1 + page_number))
            added.append(older)

        await api.sign_in(f"{user}@example.com")
        seen = await _pages(api.client, path, 3, key, between)
        assert len(seen) == len(set(seen))  # nothing twice
        assert [i for i in seen if i in expected] == expected  # every original row, once, in order
        assert not [i for i in seen if i.startswith("new")]  # rows newer than the cursor wait for a new listing
        assert [i for i in seen if i.startswith("old")] == added  # rows sorting after it are reached

    run_api(stack, tmp_path, scenario)


def test_every_list_route_pages_and_refuses_bad_limits_and_cursors(stack: Settings, tmp_path: Path) -> None:
    async def scenario(api: Api) -> None:
        await api.sign_in(await api.account(api.seeded.user_a))
        for path, key in (("/api/discoveries", "event_id"), ("/api/matches", "event_id"),
                          ("/api/resumes", "event_id"), ("/api/applications", "application_id"),
                          ("/api/outcomes/unlinked", "report_id")):
            whole = [item[key] for item in (await (await api.client.get(path + "?limit=200")).json())["items"]]

            async def nothing(_: int) -> None:
                return None

            assert await _pages(api.client, path, 1, key, nothing) == whole, path
            for query in ("limit=0", "limit=201", "limit=x", "cursor=nonsense", "cursor=" + "A" * 1100,
                          "cursor=WyJ4IiwxXQ"):  # ["x",1]
                response = await api.client.get(f"{path}?{query}")
                assert response.status == 400, (path, query)
                assert set(await response.json()) == {"error"}

    run_api(stack, tmp_path, scenario)


# --- scoping --------------------------------------------------------------------------------------------------


def test_every_route_answers_another_users_ids_exactly_like_missing_ones(stack: Settings, tmp_path: Path) -> None:
    """Walks the app's router: every /api route with an id in its path, called with A's session on B's ids and on
    ids that do not exist, answers 404 with the same body."""

    async def scenario(api: Api) -> None:
        s = api.seeded
        async with api.other() as as_b:
            b_csrf = await api.sign_in(await api.account(s.user_b), client=as_b)
            b_token = await (await as_b.post("/api/tokens", json={"name": "b"}, headers={CSRF_HEADER: b_csrf})).json()
        theirs = {"event_id": s.b_resume, "application_id": s.b_application, "variant_id": "v1",
                  "report_id": s.b_application.replace("app-b", "rep-b"), "token_id": b_token["token_id"],
                  "command_id": s.b_command}
        missing = {"event_id": "no-such-resume", "application_id": "no-such-application", "variant_id": "v1",
                   "report_id": "no-such-report", "token_id": "0123456789abcdef", "command_id": "no-such-command"}
        fixed = {"action": "approve"}  # not an id: the route's verb
        csrf = await api.sign_in(await api.account(s.user_a))
        walked = 0
        for route in api.app.router.routes():
            info = route.resource.get_info() if route.resource else {}
            template = info.get("formatter")
            if route.method == "HEAD" or not template or not template.startswith("/api/"):
                continue
            params = set(re.findall(r"{(\w+)}", template))
            assert params <= theirs.keys() | fixed.keys(), f"{template}: give the scoping test ids for {params}"
            answers = []
            for ids in (theirs, missing):
                path = template.format(**{**ids, **fixed})
                body = {"application_id": s.a_application, "kind": "INTERVIEW"}  # valid, so only the id decides
                response = await api.client.request(route.method, path, json=body, headers={CSRF_HEADER: csrf})
                answers.append((response.status, await response.json()))
            assert answers[0] == answers[1] == (404, {"error": "not found"}), (route.method, template, answers)
            walked += 1
        assert walked >= 9
        # B's token is untouched by A's attempt to revoke it.
        assert (await api.pool.fetchval("SELECT revoked_at FROM api_tokens WHERE token_id = $1",
                                        b_token["token_id"])) is None
        # And no list shows B's rows to A.
        for path in ("/api/discoveries", "/api/matches", "/api/resumes", "/api/applications",
                     "/api/outcomes/unlinked", "/api/tokens"):
            text = await (await api.client.get(path)).text()
            assert s.user_b not in text and b_token["token_id"] not in text, path

    run_api(stack, tmp_path, scenario)
