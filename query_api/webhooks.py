"""ATS notifications: `POST /webhooks/ats/{provider}` turns a signed webhook into an `OutcomeReport` (source
WEBHOOK) on `outcome.reports`; the outcomes processor links it (by the ATS's application id, which submission
recorded as `external_id`) and completes the application.

Authentication is Greenhouse's web hook convention: the header `Signature: sha256 <hex>` carries the
HMAC-SHA256 of the raw body under the secret configured on both sides (`RESUMEFLOW_ATS_WEBHOOK_SECRET`;
without one the route answers 503). The signature is checked over the bytes before anything parses them, in
constant time. The body is bounded (`MAX_BODY_BYTES`) and parsed by `streams.bounded_json`. A report's id is
the hash of the provider and the body, so an ATS retrying a delivery sends the same report.

Greenhouse actions mapped (Harvest web hooks, `{"action": ..., "payload": {"application": {...}}}`):
`reject_candidate` -> REJECTED, `hire_candidate` -> ACCEPTED, `offer_created` -> OFFER, `candidate_stage_change`
-> by the new stage's name (offer, interview/onsite/assessment, screen/phone; else OTHER). Other actions and
`ping` are acknowledged and ignored. Answers: 202 (sent), 200 (ignored), 400 (not JSON or not this shape),
401 (bad signature), 404 (unknown provider), 413 (too large), 503 (no secret, or Kafka unreachable).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import UTC, date, datetime
from typing import Any

from aiohttp import web
from pydantic import ValidationError

from query_api.publish import Publish
from streams import bounded_json
from streams.dates import plausible_moment
from streams.ids import derived_id, user_id_for_email
from streams.messages import InboundMessage, OutcomeReport, ResponseKind, ResponseSource, utc_now
from streams.settings import Settings
from streams.topics import OUTCOME_REPORTS

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024
PROVIDERS = frozenset({"greenhouse"})
ACTIONS: dict[str, ResponseKind] = {
    "reject_candidate": ResponseKind.REJECTED,
    "hire_candidate": ResponseKind.ACCEPTED,
    "offer_created": ResponseKind.OFFER,
}
STAGE_WORDS: tuple[tuple[tuple[str, ...], ResponseKind], ...] = (
    (("offer",), ResponseKind.OFFER),
    (("interview", "onsite", "on-site", "assessment", "take home", "take-home", "panel"), ResponseKind.INTERVIEW),
    (("screen", "phone", "recruiter call"), ResponseKind.SCREEN),
)


class PayloadRefused(ValueError):
    """A webhook body that is not the provider's shape."""


def signature_ok(body: bytes, header: str | None, secret: str) -> bool:
    """`header` is `sha256 <hex>` and the hex is HMAC-SHA256(secret, body)."""
    if not header:
        return False
    scheme, _, digest = header.strip().partition(" ")
    if scheme.lower() != "sha256" or not digest:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest.strip().lower())


def _stage_kind(stage: str) -> ResponseKind:
    folded = stage.casefold()
    return next((kind for words, kind in STAGE_WORDS if any(w in folded for w in words)), ResponseKind.OTHER)


def _day(value: Any, *, now: datetime) -> date | None:
    """An ISO 8601 timestamp's UTC date; None when absent, unreadable or implausible (`streams.dates`)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC).date() if plausible_moment(parsed, now=now) else None
    except (ValueError, OverflowError):
        return None


def _list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise PayloadRefused(f"{name} is not a list")
    return value


def greenhouse_report(data: Any, *, body: bytes, now: datetime) -> OutcomeReport | None:
    """The report a Greenhouse web hook makes, or None for an action that says nothing about an outcome.
    Raises PayloadRefused, and nothing else, when the body is not a Greenhouse application web hook."""
    try:
        return _greenhouse_report(data, body=body, now=now)
    except ValidationError as exc:  # a value the report's own bounds refuse (an address, a length)
        raise PayloadRefused(f"a field out of bounds ({exc.error_count()} errors)") from None


def _greenhouse_report(data: Any, *, body: bytes, now: datetime) -> OutcomeReport | None:
    if not isinstance(data, dict) or not isinstance(data.get("action"), str):
        raise PayloadRefused("no action")
    action = data["action"]
    if action not in ACTIONS and action != "candidate_stage_change":
        return None
    payload = data.get("payload")
    application = payload.get("application") if isinstance(payload, dict) else None
    if not isinstance(application, dict) or application.get("id") in (None, ""):
        raise PayloadRefused("no payload.application.id")
    candidate = application.get("candidate")
    emails = _list(candidate.get("email_addresses") if isinstance(candidate, dict) else None,
                   "candidate.email_addresses")
    email = next((e.get("value") for e in emails if isinstance(e, dict) and isinstance(e.get("value"), str)
                  and "@" in e["value"]), None)
    if email is None:
        raise PayloadRefused("no candidate email address")
    stage = application.get("current_stage")
    stage_name = str(stage.get("name", ""))[:200] if isinstance(stage, dict) else ""
    kind = ACTIONS.get(action) or _stage_kind(stage_name)
    jobs = _list(application.get("jobs"), "jobs")
    title = next((str(j.get("name", ""))[:300] for j in jobs if isinstance(j, dict)), "")
    user_id = user_id_for_email(email)
    when = _day(application.get("rejected_at") or application.get("last_activity_at"), now=now)
    return OutcomeReport(
        event_id=derived_id("ats-webhook", "greenhouse", hashlib.sha256(body).hexdigest()), user_id=user_id,
        occurred_at=now, source=ResponseSource.WEBHOOK, kind=kind, responded_on=when,
        note=f"greenhouse: {action}" + (f" ({stage_name})" if stage_name else ""),
        external_id=str(application["id"])[:100],
        message=InboundMessage(subject=title, from_name="Greenhouse", to_address=email.strip().lower()),
    )


def add_ats_webhook(app: web.Application, settings: Settings, publish: Publish) -> None:
    """Add `POST /webhooks/ats/{provider}` to `app` (outside `/api`: the signature, not a user token,
    authenticates it); reports go to `outcome.reports` through `publish` (`query_api.publish`)."""

    async def handle(request: web.Request) -> web.Response:
        provider = request.match_info["provider"]
        if provider not in PROVIDERS:
            return web.json_response({"error": f"unknown provider {provider!r}"}, status=404)
        secret = settings.ats_webhook_secret
        if not secret:
            return web.json_response({"error": "no RESUMEFLOW_ATS_WEBHOOK_SECRET configured"}, status=503)
        body = await request.content.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            return web.json_response({"error": f"over {MAX_BODY_BYTES} bytes"}, status=413)
        if not signature_ok(body, request.headers.get("Signature"), secret):
            return web.json_response({"error": "bad or missing Signature"}, status=401)
        try:
            report = greenhouse_report(bounded_json.loads(body, max_bytes=MAX_BODY_BYTES), body=body, now=utc_now())
        except (bounded_json.JsonRefused, PayloadRefused) as exc:
            return web.json_response({"error": f"refused: {exc}"}, status=400)
        if report is None:
            return web.json_response({"ignored": True}, status=200)
        try:
            await publish(OUTCOME_REPORTS, report.user_id, report)
        except Exception:  # the broker is down or refused: the ATS retries a non-2xx delivery
            log.exception("ATS webhook: could not publish report %s", report.event_id)
            return web.json_response({"error": "could not queue the report; retry later"}, status=503)
        return web.json_response({"report_id": report.event_id}, status=202)

    app.router.add_post("/webhooks/ats/{provider}", handle)
