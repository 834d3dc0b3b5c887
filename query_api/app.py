"""The query API: per-user reads of the read model (`sinks/views.py`), the user's decisions, and the thin web client.

It reads only the views and the artifact folder, never Kafka; a user's decisions (approve, reject, an outcome) are
written as commands to their topics (`application.commands`, `outcome.reports`), never to the database: the
processors decide and the views follow. Every `/api` route needs a bearer token
(`query_api.auth`) and every query is scoped to the token's user; another user's row answers 404, exactly like a
missing one, so ids of other users' rows cannot be probed. Artifact files are served only from inside the user's
own folder of `settings.artifact_dir`, whatever URI a row carries (a row naming another user's file is not
found). An id that is not a plain id is not found before any query. Tokens and resume contents are never logged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import asyncpg
from aiohttp import web

from query_api.auth import require_secret, verify_token
from query_api.publish import Publish, kafka_publisher
from query_api.reads import application_history, list_applications, own_application
from query_api.webhooks import add_ats_webhook
from streams import bounded_json, metrics
from streams.dates import EARLIEST, plausible_day
from streams.ids import derived_id
from streams.messages import (
    ApplicationCommand,
    ApplicationCommandKind,
    OutcomeReport,
    ResponseKind,
    ResponseSource,
    new_event_id,
    utc_now,
)
from streams.messages.resume_document import TailoredResume
from streams.settings import Settings
from streams.topics import APPLICATION_COMMANDS, OUTCOME_REPORTS

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
LIST_LIMIT = 200
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_JSONB_COLUMNS = frozenset({"reasons", "matched_skills", "missing_skills", "locations", "variants", "posting",
                            "answers"})
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_EVENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")  # ids are UUIDs; anything else cannot be one of ours

SETTINGS_KEY = web.AppKey("settings", Settings)
POOL_KEY = web.AppKey("pool", asyncpg.Pool)
SECRET_KEY = web.AppKey("secret", str)
PUBLISH_KEY = web.AppKey("publish", Publish)
USER_ID = web.RequestKey("user_id", str)  # the authenticated user of a request

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


# --- helpers --------------------------------------------------------------------------------------------------


def _json_default(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _dumps(data: object) -> str:
    return json.dumps(data, default=_json_default, ensure_ascii=False)


def _json(data: object, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.json_response(data, status=status, headers=headers, dumps=_dumps)


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> web.Response:
    return _json({"error": message}, status=status, headers=headers)


def _row(record: asyncpg.Record) -> dict[str, Any]:
    """A view row as JSON-ready values; jsonb arrives as text unless the pool has a codec for it."""
    row = dict(record)
    for key in _JSONB_COLUMNS & row.keys():
        if isinstance(row[key], str):
            row[key] = json.loads(row[key])
    return row


def _bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def artifact_path(uri: str, artifact_dir: Path) -> Path | None:
    """The file a `file://` URI names, only if it resolves (symlinks and `..` included) to a file inside
    `artifact_dir`; None for anything else, which the caller answers as not found without touching it."""
    parts = urlsplit(uri)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
        return None
    raw = url2pathname(unquote(parts.path))
    if "\x00" in raw:
        return None
    root = artifact_dir.resolve()
    path = Path(raw).resolve()
    if not path.is_relative_to(root) or path == root or not path.is_file():
        return None
    return path


def resume_lines(resume: TailoredResume) -> list[dict[str, Any]]:
    """Every visible line in reading order with the section it belongs to and where its facts came from."""

    def line(section: str, text: str, provenance: list[Any]) -> dict[str, Any]:
        return {"section": section, "text": text,
                "provenance": [{"path": p.path, "transform": p.transform} for p in provenance]}

    lines = [line("header", resume.name.text, resume.name.provenance)]
    lines += [line("header", c.text, c.provenance) for c in resume.contact]
    for section in resume.sections:
        lines += [line(section.title, ln.text, ln.provenance) for ln in section.lines()]
    return lines


# --- middleware -----------------------------------------------------------------------------------------------


def _is_api(request: web.Request) -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


@web.middleware
async def _timed(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Latency per route (its pattern, e.g. `/api/resumes/{event_id}`, so ids do not become labels) and status."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        metrics.API_LATENCY.labels(request.method, name, str(status)).observe(time.perf_counter() - started)


@web.middleware
async def _api_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate every /api request before routing (an unknown /api path is 401 too, so routes cannot be
    probed without a token), and answer its errors as JSON."""
    if not _is_api(request):
        return await handler(request)
    token = _bearer_token(request)
    user_id = verify_token(token, request.app[SECRET_KEY]) if token else None
    if user_id is None:
        return _error(401, "missing or invalid bearer token", {"WWW-Authenticate": "Bearer"})
    request[USER_ID] = user_id
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        return _error(exc.status, exc.reason, {k: v for k, v in exc.headers.items() if k == "Allow"})


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(SECURITY_HEADERS)
    if _is_api(request):
        response.headers["Cache-Control"] = "no-store"


# --- routes ---------------------------------------------------------------------------------------------------


async def healthz(request: web.Request) -> web.Response:
    return _json({"ok": True})


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


async def me(request: web.Request) -> web.Response:
    record = await request.app[POOL_KEY].fetchrow(
        "SELECT user_id, email, name, profile_version, updated_at FROM view_users WHERE user_id = $1",
        request[USER_ID])
    return _json(_row(record)) if record else _error(404, "not found")


async def discoveries(request: web.Request) -> web.Response:
    records = await request.app[POOL_KEY].fetch(
        """SELECT d.event_id, d.canonical_job_id, d.search_name, d.title, d.company, d.reasons, d.occurred_at,
                  j.url, j.apply_url, j.status
             FROM view_discoveries d LEFT JOIN view_jobs j ON j.canonical_job_id = d.canonical_job_id
            WHERE d.user_id = $1 ORDER BY d.occurred_at DESC, d.event_id LIMIT $2""",
        request[USER_ID], LIST_LIMIT)
    return _json([_row(r) for r in records])


async def matches(request: web.Request) -> web.Response:
    records = await request.app[POOL_KEY].fetch(
        """SELECT m.event_id, m.canonical_job_id, m.score, m.decision, m.matched_skills, m.missing_skills,
                  m.reasons, m.duplicate_of, m.occurred_at, j.title, j.company, j.url
             FROM view_matches m LEFT JOIN view_jobs j ON j.canonical_job_id = m.canonical_job_id
            WHERE m.user_id = $1 ORDER BY m.occurred_at DESC, m.event_id LIMIT $2""",
        request[USER_ID], LIST_LIMIT)
    return _json([_row(r) for r in records])


# File URIs stay server-side: clients get the API's own PDF link instead of a path on the server.
_RESUME_COLUMNS = """r.event_id, r.canonical_job_id, r.variant_id, r.template, r.sha256, r.ats_score,
                     r.provenance_summary, r.occurred_at, j.title, j.company, j.url"""


def _resume_json(record: asyncpg.Record) -> dict[str, Any]:
    row = {k: v for k, v in _row(record).items() if k not in ("artifact_uri", "resume_json_uri")}
    row["pdf_url"] = f"/api/resumes/{record['event_id']}/pdf"
    return row


async def resumes(request: web.Request) -> web.Response:
    records = await request.app[POOL_KEY].fetch(
        f"""SELECT {_RESUME_COLUMNS}
              FROM view_resumes r LEFT JOIN view_jobs j ON j.canonical_job_id = r.canonical_job_id
             WHERE r.user_id = $1 ORDER BY r.occurred_at DESC, r.event_id LIMIT $2""",
        request[USER_ID], LIST_LIMIT)
    return _json([_resume_json(r) for r in records])


async def _own_resume(request: web.Request) -> asyncpg.Record:
    if not _EVENT_ID.match(request.match_info["event_id"]):  # e.g. a NUL byte, which PostgreSQL cannot even take
        raise web.HTTPNotFound(reason="not found")
    record = await request.app[POOL_KEY].fetchrow(
        f"""SELECT {_RESUME_COLUMNS}, r.artifact_uri, r.resume_json_uri
              FROM view_resumes r LEFT JOIN view_jobs j ON j.canonical_job_id = r.canonical_job_id
             WHERE r.event_id = $1 AND r.user_id = $2""",
        request.match_info["event_id"], request[USER_ID])
    if record is None:
        raise web.HTTPNotFound(reason="not found")
    return record


def _artifact_or_404(request: web.Request, uri: str, what: str, event_id: str) -> Path:
    owner = request[USER_ID]
    path = artifact_path(uri, request.app[SETTINGS_KEY].artifact_dir / owner) if _EVENT_ID.match(owner) else None
    if path is None:
        log.warning("resume %s: %s artifact is not a file in its user's artifact folder; not served", event_id,
                    what)
        raise web.HTTPNotFound(reason="not found")
    return path


async def resume_detail(request: web.Request) -> web.Response:
    record = await _own_resume(request)
    row = _resume_json(record)
    if not record["resume_json_uri"]:  # rows from before the JSON artifact existed
        row["lines"] = []
        return _json(row)
    path = _artifact_or_404(request, record["resume_json_uri"], "JSON", record["event_id"])
    resume = TailoredResume.model_validate_json(await asyncio.to_thread(path.read_bytes))
    row["lines"] = resume_lines(resume)
    return _json(row)


async def resume_pdf(request: web.Request) -> web.Response:
    record = await _own_resume(request)
    path = _artifact_or_404(request, record["artifact_uri"], "PDF", record["event_id"])
    filename = _FILENAME_UNSAFE.sub("_", record["variant_id"]).strip("._") or "resume"
    return web.Response(
        body=await asyncio.to_thread(path.read_bytes), content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}.pdf"'})


# --- applications ---------------------------------------------------------------------------------------------

_COMMANDS = {kind.value.lower().replace("_", "-"): kind for kind in ApplicationCommandKind}
_MAX_NOTE = 2000
MAX_BODY_BYTES = 64 * 1024


def _application_json(record: asyncpg.Record) -> dict[str, Any]:
    """A view row with its variants ordered the learner's pick first, each with the API's own PDF link (file
    paths stay on the server)."""
    row = {k: v for k, v in _row(record).items() if k != "cover_letter_uri"}
    base = f"/api/applications/{row['application_id']}"
    pick = row.get("recommended_variant_id")
    variants = sorted(row.get("variants") or [], key=lambda v: (v["variant_id"] != pick, -v["ats_score"]))
    row["variants"] = [{**{k: v for k, v in variant.items() if k not in ("artifact_uri", "resume_json_uri")},
                        "pdf_url": f"{base}/variants/{variant['variant_id']}/pdf"} for variant in variants]
    if row.get("posting"):
        row["posting"] = {k: v for k, v in row["posting"].items() if k != "source_job_id"}
    return row


async def applications(request: web.Request) -> web.Response:
    """The user's applications, newest change first; `?status=AWAITING_REVIEW` (or any status) filters."""
    records = await list_applications(request.app[POOL_KEY], request[USER_ID], status=request.query.get("status"),
                                      limit=LIST_LIMIT)
    return _json([_application_json(r) for r in records])


async def _own_application(request: web.Request) -> asyncpg.Record:
    if not _EVENT_ID.match(request.match_info["application_id"]):
        raise web.HTTPNotFound(reason="not found")
    record = await own_application(request.app[POOL_KEY], request[USER_ID], request.match_info["application_id"])
    if record is None:
        raise web.HTTPNotFound(reason="not found")
    return record


async def application_detail(request: web.Request) -> web.Response:
    """One application with its timeline (every state change and answer, oldest first), its submission and its
    outcome when there are."""
    record = await _own_application(request)
    row = _application_json(record)
    if record["cover_letter_uri"]:
        row["cover_letter_url"] = f"/api/applications/{record['application_id']}/cover-letter"
    row.update(await application_history(request.app[POOL_KEY], request[USER_ID], record["application_id"]))
    return _json(row)


async def application_variant_pdf(request: web.Request) -> web.Response:
    record = await _own_application(request)
    variant = next((v for v in _row(record)["variants"] if v["variant_id"] == request.match_info["variant_id"]),
                   None)
    if variant is None:
        raise web.HTTPNotFound(reason="not found")
    path = _artifact_or_404(request, variant["artifact_uri"], "PDF", record["application_id"])
    filename = _FILENAME_UNSAFE.sub("_", variant["variant_id"]).strip("._") or "resume"
    return web.Response(body=await asyncio.to_thread(path.read_bytes), content_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{filename}.pdf"'})


async def application_cover_letter(request: web.Request) -> web.Response:
    record = await _own_application(request)
    if not record["cover_letter_uri"]:
        raise web.HTTPNotFound(reason="not found")
    path = _artifact_or_404(request, record["cover_letter_uri"], "cover letter", record["application_id"])
    return web.Response(body=await asyncio.to_thread(path.read_bytes), content_type="application/pdf",
                        headers={"Content-Disposition": 'attachment; filename="cover-letter.pdf"'})


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:  # measured before parsing: a body nested thousands deep is refused, not a RecursionError
        body = bounded_json.loads(await request.read(), max_bytes=MAX_BODY_BYTES)
    except bounded_json.JsonRefused:
        raise web.HTTPBadRequest(reason="the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="the body must be a JSON object")
    return body


def _text(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise web.HTTPBadRequest(reason=f"{name} must be a string of at most {limit} characters")
    return value


async def application_command(request: web.Request) -> web.Response:
    """POST /api/applications/{id}/{approve|reject|withdraw|mark-applied|confirm-sent|confirm-not-sent} with an
    optional JSON body {"variant_id": ..., "note": ...}: 202 with the command's id; what it did shows in the
    application's status when submission has taken it."""
    kind = _COMMANDS.get(request.match_info["action"])
    if kind is None:
        raise web.HTTPNotFound(reason="not found")
    record = await _own_application(request)
    body = await _body(request)
    variant_id = _text(body, "variant_id", 128)
    if variant_id is not None and variant_id not in {v["variant_id"] for v in _row(record)["variants"]}:
        raise web.HTTPBadRequest(reason="variant_id is not one of this application's variants")
    command = ApplicationCommand(event_id=new_event_id(), user_id=request[USER_ID], occurred_at=utc_now(),
                                 application_id=record["application_id"], kind=kind, variant_id=variant_id,
                                 note=_text(body, "note", _MAX_NOTE) or "")
    await request.app[PUBLISH_KEY](APPLICATION_COMMANDS, command.user_id, command)
    return _json({"command_id": command.event_id, "kind": kind.value}, status=202)


def outcome_fields(body: Mapping[str, Any], *, now: dt.datetime) -> tuple[ResponseKind, dt.date | None]:
    """A reported outcome's kind and date; HTTPBadRequest (400) for an unknown kind, a date that is not
    YYYY-MM-DD, or one outside `streams.dates` (before 2000 or after tomorrow)."""
    try:
        kind = ResponseKind(body.get("kind"))
        responded_on = dt.date.fromisoformat(body["date"]) if body.get("date") else None
    except (ValueError, TypeError):
        raise web.HTTPBadRequest(reason=f"kind must be one of {', '.join(k.value for k in ResponseKind)} and "
                                        "date a YYYY-MM-DD date") from None
    if responded_on is not None and not plausible_day(responded_on, now=now):
        raise web.HTTPBadRequest(reason=f"date must lie between {EARLIEST} and tomorrow")
    return kind, responded_on


async def application_outcome(request: web.Request) -> web.Response:
    """POST /api/applications/{id}/outcomes {"kind": "INTERVIEW", "date": "2026-11-30", "note": ...}: the user's
    own report of an answer, 202; the outcomes processor links and records it."""
    record = await _own_application(request)
    body = await _body(request)
    kind, responded_on = outcome_fields(body, now=utc_now())
    note = _text(body, "note", _MAX_NOTE) or ""
    # One report per (application, kind, date, note): a double click is one report, not two.
    report = OutcomeReport(
        event_id=derived_id("outcome-report", request[USER_ID], record["application_id"], kind.value,
                            str(responded_on), note),
        user_id=request[USER_ID], occurred_at=utc_now(), source=ResponseSource.USER,
        application_id=record["application_id"], canonical_job_id=record["canonical_job_id"], kind=kind,
        responded_on=responded_on, note=note)
    await request.app[PUBLISH_KEY](OUTCOME_REPORTS, report.user_id, report)
    return _json({"report_id": report.event_id, "kind": kind.value}, status=202)


async def unlinked_reports(request: web.Request) -> web.Response:
    """Answers the outcomes processor could not tie to an application (a mail from an unknown sender), newest
    first, for the user to link; one that was linked since shows its answer in the application's timeline."""
    records = await request.app[POOL_KEY].fetch(
        """SELECT report_id, source, reason, kind, subject, from_address, responded_on, occurred_at
             FROM view_unlinked_reports WHERE user_id = $1 ORDER BY occurred_at DESC, report_id LIMIT $2""",
        request[USER_ID], LIST_LIMIT)
    return _json([dict(r) for r in records])


async def link_report(request: web.Request) -> web.Response:
    """POST /api/outcomes/unlinked/{report_id}/link {"application_id": ..., "kind": optional}: the user says which
    application an unlinked answer belongs to (and what it was); 202, the outcomes processor links it."""
    report_id = request.match_info["report_id"]
    if not _EVENT_ID.match(report_id) or not await request.app[POOL_KEY].fetchval(
            "SELECT 1 FROM view_unlinked_reports WHERE report_id = $1 AND user_id = $2", report_id, request[USER_ID]):
        raise web.HTTPNotFound(reason="not found")
    body = await _body(request)
    application_id = _text(body, "application_id", 128) or ""
    if not _EVENT_ID.match(application_id) or not await request.app[POOL_KEY].fetchval(
            "SELECT 1 FROM view_applications WHERE application_id = $1 AND user_id = $2", application_id,
            request[USER_ID]):
        raise web.HTTPBadRequest(reason="application_id is not one of your applications")
    try:
        kind = ResponseKind(body["kind"]) if body.get("kind") else None
    except (ValueError, TypeError):
        raise web.HTTPBadRequest(reason=f"kind must be one of {', '.join(k.value for k in ResponseKind)}") from None
    report = OutcomeReport(
        event_id=derived_id("outcome-link", request[USER_ID], report_id, application_id, str(kind)),
        user_id=request[USER_ID], occurred_at=utc_now(), source=ResponseSource.USER, application_id=application_id,
        links_report_id=report_id, kind=kind)
    await request.app[PUBLISH_KEY](OUTCOME_REPORTS, report.user_id, report)
    return _json({"report_id": report.event_id}, status=202)


# --- app ------------------------------------------------------------------------------------------------------


def create_app(settings: Settings, pool: asyncpg.Pool, publish: Publish) -> web.Application:
    """`publish(topic, key, message)` writes a command and returns once the broker acknowledged it
    (`query_api.publish`).
    Raises UserError when RESUMEFLOW_API_SECRET is missing or too short."""
    secret = require_secret(settings)
    app = web.Application(middlewares=[_timed, _api_auth], client_max_size=MAX_BODY_BYTES)
    app[SETTINGS_KEY] = settings
    app[POOL_KEY] = pool
    app[SECRET_KEY] = secret
    app[PUBLISH_KEY] = publish
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/", index)
    app.router.add_static("/static", STATIC_DIR, show_index=False, follow_symlinks=False)
    app.router.add_get("/api/me", me)
    app.router.add_get("/api/discoveries", discoveries)
    app.router.add_get("/api/matches", matches)
    app.router.add_get("/api/resumes", resumes)
    app.router.add_get("/api/resumes/{event_id}", resume_detail)
    app.router.add_get("/api/resumes/{event_id}/pdf", resume_pdf)
    app.router.add_get("/api/applications", applications)
    app.router.add_get("/api/applications/{application_id}", application_detail)
    app.router.add_get("/api/applications/{application_id}/variants/{variant_id}/pdf", application_variant_pdf)
    app.router.add_get("/api/applications/{application_id}/cover-letter", application_cover_letter)
    app.router.add_post("/api/applications/{application_id}/outcomes", application_outcome)
    app.router.add_post("/api/applications/{application_id}/{action}", application_command)
    app.router.add_get("/api/outcomes/unlinked", unlinked_reports)
    app.router.add_post("/api/outcomes/unlinked/{report_id}/link", link_report)
    add_ats_webhook(app, settings, publish)
    return app


async def serve(settings: Settings, host: str, port: int, *, stop: asyncio.Event | None = None) -> None:
    """Open the pool, serve until `stop` is set (or the task is cancelled), then close both."""
    require_secret(settings)  # before connecting: a missing secret is the operator's to fix, not a DB error
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=10)
    try:
        runner = web.AppRunner(create_app(settings, pool, kafka_publisher(settings)))
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
            log.info("query API on http://%s:%d", host, port)
            await (stop or asyncio.Event()).wait()
        finally:
            await runner.cleanup()
    finally:
        await pool.close()
