"""Property-based: schemathesis generates requests from `/openapi.json` for every operation (valid and invalid
parameters and bodies) and sends them to the API, running on the real PostgreSQL, Redis and Kafka; no answer may be
a server error (5xx). Requests carry user A's API token, so writes reach their handlers (bearer writes need no CSRF
token). Examples per operation: RESUMEFLOW_TEST_SCHEMATHESIS_EXAMPLES (default 25)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from adapters.mail_server import MailServer
from query_api import accounts
from query_api.app import create_app
from query_api.openapi import openapi_document
from query_api.publish import kafka_publisher
from streams.local_ports import free_local_port
from streams.messages import utc_now
from streams.settings import Settings
from tests.integration.test_query_api import SECRET, _seed

pytestmark = [pytest.mark.integration, pytest.mark.serial]

schema = schemathesis.openapi.from_dict(openapi_document())
EXAMPLES = int(os.environ.get("RESUMEFLOW_TEST_SCHEMATHESIS_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def live_api(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """The API on 127.0.0.1 (a free port) in a thread of its own; its base URL and user A's bearer header."""
    tmp = tmp_path_factory.mktemp("schemathesis")
    (tmp / "artifacts").mkdir()
    mail = MailServer(tmp / "mail", port=free_local_port()).start()  # sign-in links need an SMTP server (else 503)
    settings_ = stack.model_copy(update={"artifact_dir_override": tmp / "artifacts", "api_secret": SECRET,
                                         "api_cookie_secure": False, "ats_webhook_secret": "w" * 32,
                                         "smtp_host": "127.0.0.1", "smtp_port": mail.port, "smtp_security": "none"})
    ready: dict[str, object] = {}
    started, stop = threading.Event(), threading.Event()

    async def serve() -> None:
        pool = await asyncpg.create_pool(settings_.database_url, min_size=1, max_size=4)
        runner = web.AppRunner(create_app(settings_, pool, kafka_publisher(settings_)))
        try:
            seeded = await _seed(pool, tmp / "artifacts", tmp)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            await pool.execute(
                "INSERT INTO api_accounts (user_id, email, password_hash, created_at) VALUES ($1, $2, 'none', $3)",
                seeded.user_a, f"{seeded.user_a}@example.com", utc_now())
            _, token, _ = await accounts.create_token(pool, seeded.user_a, "schemathesis", now=utc_now(),
                                                      lifetime=dt.timedelta(hours=1))
            port = runner.addresses[0][1]
            ready.update(base=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"})
            started.set()
            while not stop.is_set():
                await asyncio.sleep(0.1)
        finally:
            started.set()
            await runner.cleanup()
            await pool.close()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    started.wait(60)
    assert "base" in ready, "the API did not start"
    yield ready["base"], ready["headers"]  # type: ignore[misc]
    stop.set()
    thread.join(30)
    mail.stop()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_from_the_openapi_document_gets_a_server_error(
        case: schemathesis.Case, live_api: tuple[str, dict[str, str]]) -> None:
    base, headers = live_api
    response = case.call(base_url=base, headers=headers, timeout=30)
    case.validate_response(response, checks=[not_a_server_error])


def test_the_document_is_valid_openapi_3_1(tmp_path: Path) -> None:
    assert schema.specification.version.startswith("3.1") if hasattr(schema, "specification") else True
    assert sum(1 for result in schema.get_all_operations() if result.ok()) == sum(
        len([m for m in item if m in {"get", "post", "put", "delete"}])
        for item in openapi_document()["paths"].values())
