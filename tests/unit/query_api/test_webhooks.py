"""The ATS webhook: Greenhouse's signature convention, the payload mapped to a report, everything else refused."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, settings
from hypothesis import strategies as st

from query_api.webhooks import PayloadRefused, add_ats_webhook, greenhouse_report
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


def test_signed_bodies_whose_lists_are_not_lists_are_refused_with_400() -> None:
    for field_path, value in ((("candidate", "email_addresses"), "ada@example.org"),
                              (("candidate", "email_addresses"), 7), (("jobs",), {"name": "x"}), (("jobs",), 3)):
        data = json.loads(payload())
        target = data["payload"]["application"]
        for name in field_path[:-1]:
            target = target[name]
        target[field_path[-1]] = value
        body = json.dumps(data).encode()
        status, answer, sent = post(body, signed(body))
        assert (status, sent) == (400, []), (field_path, value, answer)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10)
_TIMESTAMPS = st.one_of(st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()),
                        st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-12:00", "2026-13-01",
                                         "9999-12-31"]))


@st.composite
def _greenhouse_shaped(draw: st.DrawFn) -> Any:
    """A Greenhouse body with each field, at one chance in four, replaced by any JSON value."""
    def field(good: Any) -> Any:
        return draw(_JSON) if draw(st.integers(0, 3)) == 0 else good
    candidate = {"email_addresses": field([{"value": draw(st.one_of(st.just("ada@example.org"), _JSON)),
                                            "type": "personal"}])}
    application = {"id": field(69306314), "candidate": field(candidate), "jobs": field([{"name": field("Eng")}]),
                   "current_stage": field({"name": field("Phone screen")}),
                   "rejected_at": draw(st.one_of(_TIMESTAMPS, _JSON)),
                   "last_activity_at": draw(st.one_of(_TIMESTAMPS, _JSON))}
    action = draw(st.sampled_from(["reject_candidate", "hire_candidate", "offer_created", "candidate_stage_change"]))
    return field({"action": field(action), "payload": field({"application": field(application)})})


@settings(max_examples=300, deadline=None)
@given(_greenhouse_shaped())
def test_no_signed_body_makes_anything_but_a_report_none_or_a_refusal(data: Any) -> None:
    # The route answers 400 for PayloadRefused; any other exception would be a 500.
    body = json.dumps(data).encode()
    try:
        report = greenhouse_report(data, body=body, now=utc_now())
    except PayloadRefused:
        return
    assert report is None or isinstance(report, OutcomeReport)
