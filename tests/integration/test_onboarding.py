"""Onboarding through the real stack: the web client's writes (a resume, the preferences) go from the query API to
user.commands, the profiles worker decides, the sink keeps the outcome, and GET /api/commands/{command_id} shows
it — accepted, or refused with each problem at its field; another user's command id is not found, and a write
with the session cookie needs its CSRF token and this origin."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from adapters.mail_server import MailServer
from query_api.app import CSRF_HEADER, create_account_tables, create_app
from query_api.publish import kafka_publisher
from sinks.runner import run_sink
from streams.ids import user_id_for_email
from streams.local_ports import free_local_port
from streams.messages.users import MAX_PROFILE_BYTES
from streams.settings import Settings
from tests.integration.conftest import REPO_ROOT, Worker, sign_up_by_mail
from tests.integration.test_query_api_accounts import Api, run_api

pytestmark = pytest.mark.integration

SECRET = "onboarding-test-secret-" + "x" * 16
PASSWORD = "correct horse battery staple"
DECIDED_TIMEOUT_S = 90.0


async def _outcome(client: TestClient, command_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + DECIDED_TIMEOUT_S
    while True:
        response = await client.get(f"/api/commands/{command_id}")
        if response.status == 200 and (answer := await response.json())["status"] != "PENDING":
            return answer
        assert response.status in (200, 404), await response.text()
        assert time.monotonic() < deadline, f"command {command_id} not decided in {DECIDED_TIMEOUT_S}s"
        await asyncio.sleep(0.3)


def test_a_resume_and_preferences_from_the_web_client_are_decided_by_the_profiles_worker(
        stack: Settings, profiles_worker: Worker, tmp_path: Path) -> None:
    mail = MailServer(tmp_path / "mail", port=free_local_port()).start()  # sign-up's confirm link comes by mail
    settings = stack.model_copy(update={"api_secret": SECRET, "api_cookie_secure": False,
                                        "app_id": f"onboard-{uuid.uuid4().hex[:8]}", "smtp_host": "127.0.0.1",
                                        "smtp_port": mail.port, "smtp_security": "none"})
    profile = json.loads((REPO_ROOT / "demo" / "ada.profile.json").read_text())
    broken = {**profile, "basics": {**profile["basics"], "email": "ada at example"}}
    prefs = json.loads((REPO_ROOT / "demo" / "ada.prefs.json").read_text())
    email = f"onboard-{uuid.uuid4().hex[:8]}@example.net"

    async def main() -> None:
        stop = asyncio.Event()
        sink = asyncio.create_task(run_sink(settings, stop=stop, max_delay_ms=100))
        pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=4)
        try:
            await create_account_tables(pool)
            def server() -> TestServer:  # two browsers' worth: each client keeps its own cookies
                return TestServer(create_app(settings, pool, kafka_publisher(settings)), host="127.0.0.1",
                                  port=free_local_port())

            async with TestClient(server()) as client, TestClient(server()) as other:
                csrf = (await sign_up_by_mail(client, tmp_path / "mail", email, PASSWORD))["csrf_token"]
                write = {CSRF_HEADER: csrf}
                # A write with the cookie but without the CSRF token, or from another origin, is refused.
                assert (await client.post("/api/profile", data=json.dumps(profile))).status == 403
                assert (await client.post("/api/profile", data=json.dumps(profile),
                                          headers={**write, "Origin": "https://evil.example"})).status == 403

                # The instant check names the very problem the processor refuses it for, at the document's field.
                checked = await (await client.post("/api/profile/validate", data=json.dumps(broken),
                                                   headers=write)).json()
                assert checked["ok"] is False and [p["path"] for p in checked["problems"]] == ["/basics/email"]

                sent = await client.post("/api/profile", data=json.dumps(broken), headers=write)
                assert sent.status == 202, await sent.text()
                queued = await sent.json()
                assert queued["kind"] == "REGISTER_USER"
                refused = await _outcome(client, queued["event_id"])
                assert refused["status"] == "REJECTED" and refused["kind"] == "REGISTER_USER"
                assert [p["path"] for p in refused["problems"]] == ["/profile/basics/email"]
                assert "ada at example" in refused["problems"][0]["message"]
                assert refused["problems"][0]["message"] == checked["problems"][0]["message"]

                # Another user cannot read it; a missing id looks the same.
                other_csrf = (await sign_up_by_mail(other, tmp_path / "mail", f"other-{email}", PASSWORD))["csrf_token"]
                assert other_csrf
                theirs = await other.get(f"/api/commands/{queued['event_id']}")
                missing = await other.get("/api/commands/no-such-command")
                assert (theirs.status, await theirs.json()) == (missing.status, await missing.json()) == (
                    404, {"error": "not found"})

                fixed = await (await client.post("/api/profile", data=json.dumps(profile), headers=write)).json()
                assert fixed["kind"] == "REGISTER_USER"  # the refused registration registered nobody
                accepted = await _outcome(client, fixed["event_id"])
                assert (accepted["status"], accepted["profile_version"], accepted["problems"]) == ("ACCEPTED", 1, [])

                # Preferences: a shape error is the API's 400 by field; a bad board is the processor's refusal.
                shape = await client.put("/api/preferences", json={**prefs, "daily_cap": -1}, headers=write)
                assert shape.status == 400
                assert [p["path"] for p in (await shape.json())["problems"]] == ["/preferences/daily_cap"]
                bad_board = {**prefs, "saved_searches": [{**prefs["saved_searches"][0],
                                                          "boards": [{"source": "LEVER", "token": "no spaces"}]}]}
                queued = await (await client.put("/api/preferences", json=bad_board, headers=write)).json()
                assert queued["kind"] == "UPDATE_PREFERENCES"
                refused = await _outcome(client, queued["event_id"])
                assert [p["path"] for p in refused["problems"]] == ["/preferences/saved_searches/0/boards/0/token"]

                prefs["daily_cap"] = 3
                queued = await (await client.put("/api/preferences", json=prefs, headers=write)).json()
                assert (await _outcome(client, queued["event_id"]))["profile_version"] == 2
                deadline = time.monotonic() + DECIDED_TIMEOUT_S
                while (saved := await (await client.get("/api/preferences")).json())["profile_version"] < 2:
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.3)
                assert saved["registered"] and saved["preferences"]["daily_cap"] == 3
                assert saved["preferences"]["saved_searches"][0]["keywords"] == prefs["saved_searches"][0]["keywords"]
            # The API wrote nothing but commands (the instant check none): the user's rows are the sink's.
            user_id = user_id_for_email(email)
            assert await pool.fetchval("SELECT count(*) FROM view_commands WHERE user_id = $1", user_id) == 4
        finally:
            stop.set()
            await asyncio.wait_for(sink, timeout=60)
            await pool.close()

    try:
        asyncio.run(main())
    finally:
        mail.stop()


def test_the_instant_profile_check_names_each_problem_at_its_field_with_the_uploads_limits(
        stack: Settings, tmp_path: Path) -> None:
    profile = json.loads((REPO_ROOT / "demo" / "ada.profile.json").read_text())
    bad_email = {**profile, "basics": {**profile["basics"], "email": "ada at example"}}

    async def scenario(api: Api) -> None:
        csrf = await api.sign_in(await api.account(api.seeded.user_a))
        write = {CSRF_HEADER: csrf}

        async def check(body: bytes, headers: dict[str, str] = write) -> tuple[int, Any]:
            response = await api.client.post("/api/profile/validate", data=body, headers=headers)
            return response.status, await response.json()

        assert await check(json.dumps(profile).encode()) == (200, {"ok": True, "problems": []})
        status, answer = await check(json.dumps(bad_email).encode())
        assert status == 200 and answer["ok"] is False
        assert [p["path"] for p in answer["problems"]] == ["/basics/email"]
        assert "ada at example" in answer["problems"][0]["message"]
        # About the document as a whole: the path is '' (RFC 6901's pointer to all of it).
        assert (await check(b"[1, 2]"))[1]["problems"][0]["path"] == ""
        assert (await check(b'{"basics": '))[1]["problems"][0]["path"] == ""
        # The same limits as POST /api/profile, and a write's CSRF token like every other.
        assert (await check(b" " * (MAX_PROFILE_BYTES + 10)))[0] == 413
        assert (await check(b"\xff\xfe"))[0] == 400
        assert (await check(b"  "))[0] == 400
        assert (await check(json.dumps(profile).encode(), {}))[0] == 403

    run_api(stack, tmp_path, scenario)
