"""Outcomes on the real stack: submitted applications and a Maildir of replies read by `resumeflow inbox read`
become linked, classified responses and one completion per application; silence becomes NO_RESPONSE."""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import hmac
import json
import mailbox
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from query_api.publish import kafka_publisher
from query_api.webhooks import add_ats_webhook
from streams.ids import derived_id, user_id_for_email
from streams.kafka_clients import RecordPublisher, Serdes, registry_client
from streams.messages import ApplicationSubmitted, PostingSummary, utc_now
from streams.settings import Settings
from streams.topics import APPLICATION_SUBMITTED
from tests.integration.conftest import Worker, run_cli

pytestmark = pytest.mark.integration
Reader = Callable[..., list[Any]]


@pytest.fixture(scope="module")
def outcomes_worker(worker_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    env = {**worker_env, "RESUMEFLOW_OUTCOMES_TICK_S": "1"}
    worker = Worker(["outcomes"], env, tmp_path_factory.mktemp("outcomes") / "worker.log").start()
    yield worker
    worker.stop()


def _submitted(user_id: str, job: str, company: str, title: str, *, days_ago: int, message_id: str | None,
               external_id: str | None = None) -> ApplicationSubmitted:
    sent = utc_now() - timedelta(days=days_ago)
    source = "GREENHOUSE" if job.startswith("greenhouse:") else "LEVER"
    return ApplicationSubmitted(
        event_id=derived_id("test-submitted", user_id, job), user_id=user_id, occurred_at=sent,
        application_id=derived_id("application", user_id, job), canonical_job_id=job, variant_id="skills_first-v2",
        channel="email", template="classic", message_id=message_id, external_id=external_id, ats_score=0.74,
        seniority="Senior", segment="Senior",
        posting=PostingSummary(source=source, board_token=company.lower(), source_job_id=job, title=title,
                               company=company, posted_at=sent - timedelta(days=3)))


def _mail(to: str, subject: str, body: str, *, sender: str, message_id: str, in_reply_to: str = "",
          html: bool = False) -> bytes:
    headers = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Message-ID: {message_id}",
               f"Date: {email.utils.format_datetime(utc_now())}", "MIME-Version: 1.0",
               f"Content-Type: text/{'html' if html else 'plain'}; charset=utf-8"]
    if in_reply_to:
        headers.append(f"In-Reply-To: {in_reply_to}")
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()


def test_replies_in_a_maildir_become_responses_and_each_application_completes_once(
    stack: Settings, outcomes_worker: Worker, read_topic: Reader, tmp_path: Path
) -> None:
    address = f"outcomes-{uuid.uuid4().hex[:10]}@example.org"
    user_id = user_id_for_email(address)
    sent_id = f"<app-{uuid.uuid4().hex[:8]}@resumeflow.local>"
    rejected = _submitted(user_id, "lever:northwind:1", "Northwind Labs", "Data Engineer", days_ago=5,
                          message_id=sent_id)
    invited = _submitted(user_id, "lever:globex:2", "Globex", "Platform Engineer", days_ago=4, message_id=None)
    silent = _submitted(user_id, "lever:initech:3", "Initech", "Backend Developer", days_ago=45, message_id=None)
    publisher = RecordPublisher(stack, Serdes(registry_client(stack)))
    for application in (rejected, invited, silent):
        publisher.publish(APPLICATION_SUBMITTED, user_id, application)
    publisher.flush()

    folder = mailbox.Maildir(tmp_path / "Maildir", create=True)
    folder.add(_mail(address, "Re: Data Engineer application", "Hi,\r\n\r\nThank you for your interest. After careful "
                     "consideration we have decided not to move forward with your application.\r\n\r\n> my letter",
                     sender="Talent <talent@northwind.example>", message_id="<r1@northwind.example>",
                     in_reply_to=sent_id))
    folder.add(_mail(address, "Platform Engineer at Globex",
                     "<p>Hello!</p><p>We would like to <b>invite you to an interview</b> with our team.</p>"
                     "<script>document.location='https://evil.example'</script>",
                     sender="Globex Recruiting <jobs@globex.example>", message_id="<r2@globex.example>", html=True))
    folder.add(_mail(address, "New roles for you", "Read our newsletter.", sender="news@jobs.example",
                     message_id="<r3@jobs.example>"))
    folder.close()

    read = run_cli("inbox", "read", "--maildir", str(tmp_path / "Maildir"), "--email", address)
    assert "read 3 mails" in read.stdout and "3 reports sent" in read.stdout

    def mine(messages: list[Any]) -> list[dict[str, Any]]:
        return [m.value() for m in messages if m.key() == user_id]

    completions = mine(read_topic("workflow.completed", lambda ms: len(mine(ms)) >= 2, timeout_s=90))
    by_job = {c["canonical_job_id"]: c for c in completions}
    assert set(by_job) == {rejected.canonical_job_id, silent.canonical_job_id}
    done = by_job[rejected.canonical_job_id]
    assert (done["outcome"], done["variant_id"], done["template"], done["ats_score_band"], done["board"],
            done["channel"], done["segment"], done["responded"], done["interviewed"],
            done["days_posting_to_submission"]) == ("REJECTED", "skills_first-v2", "classic", "0.7-0.8", "LEVER",
                                                    "email", "Senior", True, False, 3)
    assert by_job[silent.canonical_job_id]["outcome"] == "NO_RESPONSE"
    assert by_job[silent.canonical_job_id]["responded"] is False

    unlinked = mine(read_topic("outcome.unlinked", lambda ms: len(mine(ms)) >= 1))
    assert [u["subject"] for u in unlinked] == ["New roles for you"]

    # Read the folder again, then record an offer: once the offer is answered, every report before it on the
    # same partition was too, and the mails were answered once.
    run_cli("inbox", "read", "--maildir", str(tmp_path / "Maildir"), "--email", address)
    run_cli("outcomes", "record", invited.application_id, "--email", address, "--kind", "OFFER",
            "--date", utc_now().date().isoformat())

    def offered(messages: list[Any]) -> bool:
        return any(v["kind"] == "OFFER" for v in mine(messages))

    responses = mine(read_topic("response.received", offered, timeout_s=90))
    inbox = sorted((r["application_id"], r["kind"], r["linked_by"]) for r in responses if r["source"] == "INBOX")
    assert inbox == sorted([(rejected.application_id, "REJECTED", "in_reply_to"),
                            (invited.application_id, "INTERVIEW", "company_and_title")])
    assert [(r["kind"], r["classified_by"]) for r in responses if r["source"] == "TIMER"] == [
        ("NO_RESPONSE", "timer")]
    completions = mine(read_topic("workflow.completed", lambda ms: len(mine(ms)) >= 3, timeout_s=60))
    assert sorted(c["outcome"] for c in completions) == ["NO_RESPONSE", "OFFER", "REJECTED"]
    offer = next(c for c in completions if c["outcome"] == "OFFER")
    assert (offer["interviewed"], offer["offered"], offer["days_to_response"]) == (True, True, 4)


def test_a_signed_greenhouse_webhook_completes_the_application_it_names(
    stack: Settings, outcomes_worker: Worker, read_topic: Reader
) -> None:
    address = f"webhook-{uuid.uuid4().hex[:10]}@example.org"
    user_id = user_id_for_email(address)
    ats_id = str(uuid.uuid4().int % 10**9)
    application = _submitted(user_id, "greenhouse:acme:9", "Acme", "Data Engineer", days_ago=2, message_id=None,
                             external_id=ats_id)
    publisher = RecordPublisher(stack, Serdes(registry_client(stack)))
    publisher.publish(APPLICATION_SUBMITTED, user_id, application)
    publisher.flush()
    body = json.dumps({"action": "reject_candidate", "payload": {"application": {
        "id": int(ats_id), "jobs": [{"name": "Data Engineer"}],
        "candidate": {"email_addresses": [{"value": address}]}}}}).encode()
    secret = "a-secret-both-sides-know"
    settings = stack.model_copy(update={"ats_webhook_secret": secret})

    async def deliver() -> int:
        app = web.Application()
        add_ats_webhook(app, settings, kafka_publisher(settings))  # the report goes through Kafka
        async with TestClient(TestServer(app)) as client:
            signature = "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            response = await client.post("/webhooks/ats/greenhouse", data=body, headers={"Signature": signature})
            return response.status

    assert asyncio.run(deliver()) == 202

    def mine(messages: list[Any]) -> list[dict[str, Any]]:
        return [m.value() for m in messages if m.key() == user_id]

    [response] = mine(read_topic("response.received", lambda ms: len(mine(ms)) >= 1))
    assert (response["kind"], response["source"], response["linked_by"], response["classified_by"]) == (
        "REJECTED", "WEBHOOK", "external_id", "webhook")
    [done] = mine(read_topic("workflow.completed", lambda ms: len(mine(ms)) >= 1))
    assert (done["application_id"], done["outcome"], done["board"]) == (application.application_id, "REJECTED",
                                                                        "GREENHOUSE")
