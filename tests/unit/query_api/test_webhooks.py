"""The ATS webhook: Greenhouse's signature convention, the payload mapped to a report, everything else refused."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from query_api.webhooks import add_ats_webhook, greenhouse_report
from streams.ids import user_id_for_email
from streams.messages import Message, OutcomeReport, ResponseKind, ResponseSource, utc_now
from streams.settings import Settings
from streams.topics import OUTCOME_REPORTS, TopicSpec

SECRET = "s3cret-shared-with-greenhouse"


def payload(action: str = "reject_candidate", stage: str = "Application Review") -> bytes:
    return json.dumps({"action": action, "payload": {"application": {
        "id": 69306314, "status": "rejected", "rejected_at": "2026-10-20T14:03:11.000Z",
        "current_stage": {"id": 7, "name": stage}, "jobs": [{"id": 4, "name": "Data Engineer"}],
        "candidate": {"id": 1, "first_name": "Ada", "email_addresses": [
            {"value": "Ada.Park@example.org", "type": "personal"}]}}}}).encode()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"Signature": "sha256 " + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
            "Content-Type": "application/json"}


def post(body: bytes, headers: dict[str, str], *, secret: str | None = SECRET, provider: str = "greenhouse"
         ) -> tuple[int, Any, list[OutcomeReport]]:
    sent: list[OutcomeReport] = []

    async def publish(topic: TopicSpec, key: str, report: Message) -> None:
        assert (topic, key) == (OUTCOME_REPORTS, report.user_id)  # type: ignore[attr-defined]
        sent.append(report)  # type: ignore[arg-type]

    async def run() -> tuple[int, Any]:
        app = web.Application()
        add_ats_webhook(app, Settings(RESUMEFLOW_ATS_WEBHOOK_SECRET=secret), publish)
        async with TestClient(TestServer(app)) as client:
            response = await client.post(f"/webhooks/ats/{provider}", data=body, headers=headers)
            return response.status, await response.json()

    status, answer = asyncio.run(run())
    return status, answer, sent


def test_a_signed_rejection_becomes_a_webhook_report_for_the_candidates_user() -> None:
    body = payload()
    status, answer, [report] = post(body, signed(body))
    assert status == 202 and answer == {"report_id": report.event_id}
    assert (report.user_id, report.source, report.kind, report.external_id) == (
        user_id_for_email("ada.park@example.org"), ResponseSource.WEBHOOK, ResponseKind.REJECTED, "69306314")
    assert str(report.responded_on) == "2026-10-20" and report.message and report.message.subject == "Data Engineer"


def test_the_same_delivery_retried_is_the_same_report() -> None:
    body = payload()
    now = utc_now()
    assert greenhouse_report(json.loads(body), body=body, now=now).event_id == greenhouse_report(  # type: ignore
        json.loads(body), body=body, now=now).event_id


def test_a_stage_change_is_read_by_the_stage_name() -> None:
    for stage, kind in (("Phone Screen", ResponseKind.SCREEN), ("Onsite Interview", ResponseKind.INTERVIEW),
                        ("Offer", ResponseKind.OFFER), ("Reference Check", ResponseKind.OTHER)):
        body = payload("candidate_stage_change", stage)
        assert post(body, signed(body))[2][0].kind is kind


def test_bad_signatures_unknown_providers_and_bad_bodies_are_refused_and_nothing_is_sent() -> None:
    body = payload()
    assert post(body, {"Signature": "sha256 " + "0" * 64})[0] == 401
    assert post(body, {})[0] == 401
    assert post(body, signed(body, "another secret"))[0] == 401
    assert post(body + b" ", signed(body))[0] == 401  # the signature covers the exact bytes
    assert post(body, signed(body), secret=None)[0] == 503
    assert post(body, signed(body), provider="workday")[0] == 404
    for bad in (b"not json", b'{"action": "reject_candidate", "payload": {}}', b"[" * 5000 + b"]" * 5000):
        status, _, sent = post(bad, signed(bad))
        assert status == 400 and sent == []
    ignored = json.dumps({"action": "ping"}).encode()
    assert post(ignored, signed(ignored))[0:3:2] == (200, [])
