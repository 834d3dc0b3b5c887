"""The query API: per-user reads of the read model (`sinks/views.py`), the user's decisions, and the thin web client.

It reads only the views and the artifact folder, never Kafka; a user's decisions (approve, reject, an outcome) are
written as commands to their topics (`application.commands`, `outcome.reports`), never to the database: the
processors decide and the views follow. Every `/api` route but sign-up and sign-in needs a signed-in session
(a cookie; writes also echo its CSRF token in `X-CSRF-Token`), an API token made by the user, or the operator's
stateless token (`query_api.auth`, `query_api.accounts`), and every query is scoped to that user; another
user's row answers 404, exactly like a missing one, so ids of other users' rows cannot be probed. Artifact files
are served only from inside the user's own folder of `settings.artifact_dir`, whatever URI a row carries (a row
naming another user's file is not found). An id that is not a plain id is not found before any query. Every error
is a JSON body `{"error": "..."}`; the routes are described by the OpenAPI document at `/openapi.json`
(`query_api.openapi`). List routes page by cursor (`query_api.paging`).
Passwords, tokens and resume contents are never logged.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hmac
import json
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import asyncpg
from aiohttp import web
from pydantic import ValidationError
from redis.asyncio import Redis
from redis.exceptions import RedisError

from adapters.ai_gateway.budgets import month_spend
from adapters.rate_limit import RedisTokenBucket
from query_api import accounts, choices, dashboard, paging, signin_mail
from query_api.accounts import Principal
from query_api.auth import require_secret, verify_token
from query_api.openapi import openapi_document
from query_api.publish import Publish, kafka_publisher
from query_api.reads import ApplicationFilter, application_history, list_applications, own_application
from query_api.webhooks import add_ats_webhook
from streams import bounded_json, metrics
from streams.dates import EARLIEST, plausible_day
from streams.ids import derived_id
from streams.messages import (
    CHANNELS,
    ApplicationCommand,
    ApplicationCommandKind,
    ApplicationStatus,
    BoardSource,
    OutcomeReport,
    Preferences,
    ResponseKind,
    ResponseSource,
    new_event_id,
    user_command,
    utc_now,
)
from streams.messages.resume_document import TailoredResume
from streams.messages.users import MAX_PROFILE_BYTES
from streams.redis_client import redis_client
from streams.settings import Settings
from streams.topics import APPLICATION_COMMANDS, OUTCOME_REPORTS, USER_COMMANDS
from textkit.profile_check import located, profile_problems

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_COOKIE = "__Host-rf_session"  # the __Host- prefix: Secure, Path=/, no Domain — no subdomain can set it
DEV_SESSION_COOKIE = "rf_session"  # with RESUMEFLOW_API_COOKIE_SECURE=false (http://127.0.0.1 only)
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Routes reachable without being signed in (they are how one signs in).
PUBLIC_API = frozenset({("POST", "/api/auth/signup"), ("POST", "/api/auth/signup/confirm"),
                        ("POST", "/api/auth/signin"), ("POST", "/api/auth/link"), ("POST", "/api/auth/link/signin")})
SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_JSONB_COLUMNS = frozenset({"reasons", "matched_skills", "missing_skills", "locations", "variants", "posting",
                            "answers", "match_reasons", "problems", "preferences"})
_FILENAME_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_EVENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")  # ids are UUIDs; anything else cannot be one of ours

SETTINGS_KEY = web.AppKey("settings", Settings)
POOL_KEY = web.AppKey("pool", asyncpg.Pool)
SECRET_KEY = web.AppKey("secret", str)
PUBLISH_KEY = web.AppKey("publish", Publish)
SIGNIN_LIMIT_KEY = web.AppKey("signin_limit", RedisTokenBucket)
LINK_LIMIT_KEY = web.AppKey("link_limit", RedisTokenBucket)
MAIL_TASKS_KEY = web.AppKey("mail_tasks", set)
REDIS_KEY = web.AppKey("redis", Redis)
USER_ID = web.RequestKey("user_id", str)  # the authenticated user of a request
PRINCIPAL = web.RequestKey("principal", Principal)

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
async def _storable_query(request: web.Request, handler: Handler) -> web.StreamResponse:
    """400 for a query parameter holding NUL, which PostgreSQL's text cannot store (asyncpg raises
    CharacterNotInRepertoireError: a 500), checked once here for every route. Path segments are ids each route
    matches against its pattern first (a NUL one is not found, 404); JSON bodies' strings go through `_text`.
    Invalid UTF-8 needs nothing: yarl decodes it to U+FFFD."""
    if any("\x00" in value for value in request.query.values()):
        raise web.HTTPBadRequest(reason="a query parameter holds a NUL character")
    return await handler(request)


@web.middleware
async def _json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as `{"error": "..."}` (a 4xx says what to fix; a 5xx says nothing of the cause, which is
    logged)."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        keep = {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After", "WWW-Authenticate")}
        return _error(exc.status, exc.reason, keep)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("%s %s failed", request.method, request.match_info.route.resource.canonical
                      if request.match_info.route.resource else "unmatched")
        return _error(500, "internal error")


def session_cookie_name(settings: Settings) -> str:
    return SESSION_COOKIE if settings.api_cookie_secure else DEV_SESSION_COOKIE


def _same_origin(request: web.Request) -> bool:
    """No Origin (not a browser, or a same-origin GET), or an Origin naming this host."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


async def _principal(request: web.Request) -> Principal | web.Response:
    pool, now = request.app[POOL_KEY], utc_now()
    token = _bearer_token(request)
    if token is not None:
        if token.startswith(accounts.TOKEN_PREFIX):
            principal = await accounts.token_principal(pool, token, now=now)
        else:
            user_id = verify_token(token, request.app[SECRET_KEY])
            principal = Principal(user_id, "user", "operator-token") if user_id else None
        return principal or _error(401, "missing or invalid bearer token", {"WWW-Authenticate": "Bearer"})
    session_id = request.cookies.get(session_cookie_name(request.app[SETTINGS_KEY]))
    if session_id:
        principal = await accounts.session_principal(pool, session_id, now=now)
        if principal is None:
            response = _error(401, "session expired or signed out; sign in again")
            response.del_cookie(session_cookie_name(request.app[SETTINGS_KEY]), path="/")
            return response
        if request.method not in _SAFE_METHODS and not (
                _same_origin(request) and hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), principal.csrf
                                                              or "")):
            return _error(403, f"a write with a session cookie needs the session's {CSRF_HEADER} header and a "
                               "same-origin Origin")
        return principal
    return _error(401, "missing or invalid bearer token", {"WWW-Authenticate": "Bearer"})


@web.middleware
async def _api_auth(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Authenticate every /api request before routing (an unknown /api path is 401 too, so routes cannot be
    probed while signed out): a bearer token (an API token `rf_...` or the operator's stateless token) or the
    session cookie, whose writes must carry the session's CSRF token."""
    if not _is_api(request):
        return await handler(request)
    if (request.method, request.path) in PUBLIC_API:
        if not _same_origin(request):  # sign-in CSRF: another site signing the browser into an account
            return _error(403, "cross-origin sign-in refused")
        return await handler(request)
    principal = await _principal(request)
    if isinstance(principal, web.Response):
        return principal
    request[PRINCIPAL] = principal
    request[USER_ID] = principal.user_id
    return await handler(request)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():  # a route may loosen one for itself (the inline PDFs)
        response.headers.setdefault(name, value)
    if _is_api(request):
        response.headers["Cache-Control"] = "no-store"


# --- routes ---------------------------------------------------------------------------------------------------


async def healthz(request: web.Request) -> web.Response:
    return _json({"ok": True})


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html")


_STATIC_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,100}$")


async def static_file(request: web.Request) -> web.FileResponse:
    """The web client's files: a plain name of a regular file in STATIC_DIR (no folders, no symlinks), else a
    JSON 404 (aiohttp's own static route answers a missing file with an empty body)."""
    name = request.match_info["name"]
    path = STATIC_DIR / name
    if not _STATIC_NAME.match(name) or path.is_symlink() or not path.is_file():
        raise web.HTTPNotFound(reason="not found")
    return web.FileResponse(path)


async def me(request: web.Request) -> web.Response:
    record = await request.app[POOL_KEY].fetchrow(
        "SELECT user_id, email, name, profile_version, updated_at FROM view_users WHERE user_id = $1",
        request[USER_ID])
    return _json(_row(record)) if record else _error(404, "not found")


def _page(request: web.Request) -> paging.Page:
    try:
        return paging.page_of(request.query)
    except paging.PagingError as exc:
        raise web.HTTPBadRequest(reason=str(exc)) from None


async def discoveries(request: web.Request) -> web.Response:
    """`{"items": [...], "next": cursor}`, newest first; `?limit=` and `?cursor=` (`query_api.paging`)."""
    page = _page(request)
    records = await request.app[POOL_KEY].fetch(
        f"""SELECT d.event_id, d.canonical_job_id, d.search_name, d.title, d.company, d.reasons, d.occurred_at,
                  j.url, j.apply_url, j.status
             FROM view_discoveries d LEFT JOIN view_jobs j ON j.canonical_job_id = d.canonical_job_id
            WHERE d.user_id = $1 AND {paging.keyset("d.occurred_at", "d.event_id", 3)}
            ORDER BY d.occurred_at DESC, d.event_id LIMIT $2""",
        request[USER_ID], page.limit + 1, *paging.after_args(page))
    return _json(paging.reply([_row(r) for r in records], records, page, "occurred_at", "event_id"))


async def matches(request: web.Request) -> web.Response:
    """`{"items": [...], "next": cursor}`, newest first; `?limit=` and `?cursor=`."""
    page = _page(request)
    records = await request.app[POOL_KEY].fetch(
        f"""SELECT m.event_id, m.canonical_job_id, m.score, m.decision, m.matched_skills, m.missing_skills,
                  m.reasons, m.duplicate_of, m.occurred_at, j.title, j.company, j.url
             FROM view_matches m LEFT JOIN view_jobs j ON j.canonical_job_id = m.canonical_job_id
            WHERE m.user_id = $1 AND {paging.keyset("m.occurred_at", "m.event_id", 3)}
            ORDER BY m.occurred_at DESC, m.event_id LIMIT $2""",
        request[USER_ID], page.limit + 1, *paging.after_args(page))
    return _json(paging.reply([_row(r) for r in records], records, page, "occurred_at", "event_id"))


# File URIs stay server-side: clients get the API's own PDF link instead of a path on the server.
_RESUME_COLUMNS = """r.event_id, r.canonical_job_id, r.variant_id, r.template, r.sha256, r.ats_score,
                     r.provenance_summary, r.occurred_at, j.title, j.company, j.url"""


def _resume_json(record: asyncpg.Record) -> dict[str, Any]:
    row = {k: v for k, v in _row(record).items() if k not in ("artifact_uri", "resume_json_uri")}
    row["pdf_url"] = f"/api/resumes/{record['event_id']}/pdf"
    return row


async def resumes(request: web.Request) -> web.Response:
    """`{"items": [...], "next": cursor}`, newest first; `?limit=` and `?cursor=`."""
    page = _page(request)
    records = await request.app[POOL_KEY].fetch(
        f"""SELECT {_RESUME_COLUMNS}
              FROM view_resumes r LEFT JOIN view_jobs j ON j.canonical_job_id = r.canonical_job_id
             WHERE r.user_id = $1 AND {paging.keyset("r.occurred_at", "r.event_id", 3)}
             ORDER BY r.occurred_at DESC, r.event_id LIMIT $2""",
        request[USER_ID], page.limit + 1, *paging.after_args(page))
    return _json(paging.reply([_resume_json(r) for r in records], records, page, "occurred_at", "event_id"))


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


def _pdf_response(request: web.Request, body: bytes, filename: str) -> web.Response:
    """A PDF as a download, or with `?inline=1` shown in place: then only this origin's pages may frame it (the
    web client's preview), every other header as strict as elsewhere."""
    if request.query.get("inline") == "1":
        headers = {"Content-Disposition": f'inline; filename="{filename}.pdf"', "X-Frame-Options": "SAMEORIGIN",
                   "Content-Security-Policy": SECURITY_HEADERS["Content-Security-Policy"] +
                   "; frame-ancestors 'self'"}
    else:
        headers = {"Content-Disposition": f'attachment; filename="{filename}.pdf"'}
    return web.Response(body=body, content_type="application/pdf", headers=headers)


async def resume_pdf(request: web.Request) -> web.Response:
    record = await _own_resume(request)
    path = _artifact_or_404(request, record["artifact_uri"], "PDF", record["event_id"])
    filename = _FILENAME_UNSAFE.sub("_", record["variant_id"]).strip("._") or "resume"
    return _pdf_response(request, await asyncio.to_thread(path.read_bytes), filename)


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
    row["match_reasons"] = row.get("match_reasons") or []
    row["cover_letter_url"] = f"{base}/cover-letter" if record["cover_letter_uri"] else None
    return row


async def applications(request: web.Request) -> web.Response:
    """The user's applications, newest change first, `{"items": [...], "next": cursor}`; filters `?status=` (an
    application status, e.g. AWAITING_REVIEW), `?channel=` (email, greenhouse, lever, manual), `?board=` (the
    posting's source, e.g. GREENHOUSE) and `?q=` (in the company or title, at most 100 characters); `?limit=`
    and `?cursor=` page (a cursor is only good with the same filters)."""
    page = _page(request)
    records = await list_applications(request.app[POOL_KEY], request[USER_ID], filter=_application_filter(request),
                                      limit=page.limit + 1, after=page.after)
    return _json(paging.reply([_application_json(r) for r in records], records, page, "updated_at",
                              "application_id"))


def _application_filter(request: web.Request) -> ApplicationFilter:
    query = request.query

    def one_of(name: str, allowed: Iterable[str]) -> str | None:
        value = query.get(name)
        if value is not None and value not in allowed:
            raise web.HTTPBadRequest(reason=f"{name} must be one of {', '.join(sorted(allowed))}")
        return value

    text = query.get("q")
    if text is not None and not 0 < len(text.strip()) <= 100:
        raise web.HTTPBadRequest(reason="q must be 1 to 100 characters")
    return ApplicationFilter(status=one_of("status", {s.value for s in ApplicationStatus}),
                             channel=one_of("channel", CHANNELS), board=one_of("board", {b.value for b in BoardSource}),
                             text=text.strip() if text is not None else None)


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
    row.update(await application_history(request.app[POOL_KEY], request[USER_ID], record["application_id"]))
    return _json(row)


async def _own_variant(request: web.Request) -> tuple[asyncpg.Record, dict[str, Any]]:
    record = await _own_application(request)
    variant = next((v for v in _row(record)["variants"] if v["variant_id"] == request.match_info["variant_id"]),
                   None)
    if variant is None:
        raise web.HTTPNotFound(reason="not found")
    return record, variant


async def application_variant_pdf(request: web.Request) -> web.Response:
    record, variant = await _own_variant(request)
    path = _artifact_or_404(request, variant["artifact_uri"], "PDF", record["application_id"])
    filename = _FILENAME_UNSAFE.sub("_", variant["variant_id"]).strip("._") or "resume"
    return _pdf_response(request, await asyncio.to_thread(path.read_bytes), filename)


async def application_variant_lines(request: web.Request) -> web.Response:
    """`{"variant_id", "lines": [{"section", "text", "provenance": [...]}]}`: every line of one variant with where
    in the profile it came from (the review card's side panel); `lines` is empty for variants rendered before the
    JSON artifact existed."""
    record, variant = await _own_variant(request)
    lines: list[dict[str, Any]] = []
    if variant.get("resume_json_uri"):
        path = _artifact_or_404(request, variant["resume_json_uri"], "JSON", record["application_id"])
        lines = resume_lines(TailoredResume.model_validate_json(await asyncio.to_thread(path.read_bytes)))
    return _json({"variant_id": variant["variant_id"], "lines": lines})


async def application_cover_letter(request: web.Request) -> web.Response:
    record = await _own_application(request)
    if not record["cover_letter_uri"]:
        raise web.HTTPNotFound(reason="not found")
    path = _artifact_or_404(request, record["cover_letter_uri"], "cover letter", record["application_id"])
    return _pdf_response(request, await asyncio.to_thread(path.read_bytes), "cover-letter")


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    raw = await request.read()
    if len(raw) > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=len(raw))
    try:  # measured before parsing: a body nested thousands deep is refused, not a RecursionError
        body = bounded_json.loads(raw, max_bytes=MAX_BODY_BYTES)
    except bounded_json.JsonRefused:
        raise web.HTTPBadRequest(reason="the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="the body must be a JSON object")
    return body


def _text(body: dict[str, Any], name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit or "\x00" in value:  # PostgreSQL text cannot hold NUL
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
    first, for the user to link; one that was linked since shows its answer in the application's timeline.
    `{"items": [...], "next": cursor}`; `?limit=` and `?cursor=`."""
    page = _page(request)
    records = await request.app[POOL_KEY].fetch(
        f"""SELECT report_id, source, reason, kind, subject, from_address, responded_on, occurred_at
             FROM view_unlinked_reports WHERE user_id = $1 AND {paging.keyset("occurred_at", "report_id", 3)}
            ORDER BY occurred_at DESC, report_id LIMIT $2""", request[USER_ID], page.limit + 1,
        *paging.after_args(page))
    return _json(paging.reply([dict(r) for r in records], records, page, "occurred_at", "report_id"))


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


# --- onboarding: the profile and the preferences, as user commands ----------------------------------------------


async def _publish_user_command(request: web.Request, *, profile_json: str | None = None,
                                preferences: Preferences | None = None) -> web.Response:
    """Publish the user's command (`streams.messages.user_command`, as the CLI does) keyed by their id: 202
    `{"event_id", "kind"}`; its outcome shows at GET /api/commands/{command_id} once the profiles processor decided.
    A user the pipeline does not know yet (no accepted profile, no register command waiting or accepted) is
    registered with the account's email; preferences alone for such a user are refused by the processor."""
    pool, user_id = request.app[POOL_KEY], request[USER_ID]
    known = await pool.fetchval(
        """SELECT EXISTS (SELECT 1 FROM view_users WHERE user_id = $1)
               OR EXISTS (SELECT 1 FROM view_commands WHERE user_id = $1 AND kind = 'REGISTER_USER'
                                                        AND status IN ('PENDING', 'ACCEPTED'))""", user_id)
    register = not known and profile_json is not None
    email = await pool.fetchval("SELECT email FROM api_accounts WHERE user_id = $1", user_id) if register else None
    if register and email is None:  # an operator token of a user without a web account: the CLI registers them
        raise web.HTTPConflict(reason="this user has no account email to register with; sign up first")
    command = user_command(event_id=new_event_id(), user_id=user_id, occurred_at=utc_now(), register=register,
                           email=email, profile_json=profile_json, preferences=preferences)
    await request.app[PUBLISH_KEY](USER_COMMANDS, command.user_id, command)
    return _json({"event_id": command.event_id, "kind": command.kind.value}, status=202)


async def _profile_text(request: web.Request) -> str:
    """The body as a profile's text: 413 past MAX_PROFILE_BYTES, 400 when it is not UTF-8 or is empty."""
    raw = await request.read()
    if len(raw) > MAX_PROFILE_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_PROFILE_BYTES, actual_size=len(raw),
                                            reason=f"the profile is larger than {MAX_PROFILE_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise web.HTTPBadRequest(reason="the profile must be UTF-8 text (a JSON Resume document)") from None
    if not text.strip():
        raise web.HTTPBadRequest(reason="the profile is empty: send a JSON Resume document")
    return text


async def upload_profile(request: web.Request) -> web.Response:
    """POST /api/profile with the JSON Resume document itself as the body (a file's bytes, or pasted text), at
    most 256 KiB of UTF-8: 202 `{"event_id", "kind"}` (REGISTER_USER the first time, then UPDATE_PROFILE). The
    document is checked by the profiles processor, not here: every problem, with its field, comes back as the
    command's outcome."""
    return await _publish_user_command(request, profile_json=await _profile_text(request))


async def validate_profile(request: web.Request) -> web.Response:
    """POST /api/profile/validate with the same body as POST /api/profile: 200 `{"ok", "problems": [{"path",
    "message"}]}`, the problems the profiles processor would refuse it for (`textkit.profile_check`, the one
    validator), each at a JSON Pointer into the document sent (`/basics/email`; '' for all of it). Nothing is
    written or published: the onboarding page checks as the user types."""
    text = await _profile_text(request)
    # A schema check of up to 256 KiB: off the event loop, which serves everyone else meanwhile.
    problems = [located(reason, "") for reason in await asyncio.to_thread(profile_problems, text)]
    return _json({"ok": not problems, "problems": [p.model_dump(mode="json") for p in problems]})


def preferences_problems(exc: ValidationError) -> list[dict[str, str]]:
    """pydantic's errors as `{"path", "message"}` with the path a JSON Pointer under `/preferences`, as the
    profiles processor words the problems it finds."""
    def token(part: object) -> str:  # RFC 6901: a key's own "~" and "/" escaped
        return str(part).replace("~", "~0").replace("/", "~1")

    return [{"path": "/preferences" + "".join(f"/{token(part)}" for part in error["loc"]), "message": error["msg"]}
            for error in exc.errors(include_url=False)]


async def own_preferences(request: web.Request) -> web.Response:
    """GET /api/preferences: `{"registered", "profile_version", "preferences"}`, the accepted preferences (the
    defaults before any profile was accepted); `preferences` is null for a profile the view kept before it kept
    preferences (until the sink sees the user's next profile, or replays user.profiles)."""
    record = await request.app[POOL_KEY].fetchrow(
        "SELECT profile_version, preferences FROM view_users WHERE user_id = $1", request[USER_ID])
    if record is None:
        return _json({"registered": False, "profile_version": 0,
                      "preferences": Preferences().model_dump(mode="json")})
    stored = _row(record)["preferences"]
    return _json({"registered": True, "profile_version": record["profile_version"],
                  "preferences": Preferences.model_validate(stored).model_dump(mode="json") if stored else None})


async def update_preferences(request: web.Request) -> web.Response:
    """PUT /api/preferences with the whole preferences object (saved searches, submission_mode, daily_cap, ...;
    `demo/ada.prefs.json` is one): 202 `{"event_id", "kind": "UPDATE_PREFERENCES"}`. One that is not even of the
    right shape (a negative cap, an unknown mode) is 400 with `problems` by field; the rest is the processor's."""
    body = await _body(request)
    try:
        preferences = Preferences.model_validate(body)
    except ValidationError as exc:
        problems = preferences_problems(exc)
        return _json({"error": "the preferences are not valid: " + "; ".join(
            f"{p['path']}: {p['message']}" for p in problems), "problems": problems}, status=400)
    return await _publish_user_command(request, preferences=preferences)


async def command_outcome(request: web.Request) -> web.Response:
    """GET /api/commands/{command_id} (a command's `event_id`): `{"event_id", "kind", "status":
    PENDING|ACCEPTED|REJECTED, "reasons", "problems": [{"path", "message"}], "profile_version", "occurred_at",
    "decided_at"}` of one of the user's commands; 404 until the sink has seen it (and for another user's)."""
    command_id = request.match_info["command_id"]
    record = await request.app[POOL_KEY].fetchrow(
        """SELECT command_id AS event_id, kind, status, reasons, problems, profile_version, occurred_at, decided_at
             FROM view_commands WHERE command_id = $1 AND user_id = $2""", command_id, request[USER_ID],
    ) if _EVENT_ID.match(command_id) else None
    return _json(_row(record)) if record else _error(404, "not found")


# --- accounts, sessions, tokens ------------------------------------------------------------------------------

_MAX_TOKEN_NAME = 100


def _set_session_cookie(response: web.Response, settings: Settings, session_id: str) -> None:
    response.set_cookie(session_cookie_name(settings), session_id, path="/", httponly=True,
                        secure=settings.api_cookie_secure, samesite="Lax",
                        max_age=int(settings.api_session_hours * 3600))


async def _signed_in(request: web.Request, user_id: str, status: int) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    session_id, csrf = await accounts.start_session(
        request.app[POOL_KEY], user_id, now=utc_now(), lifetime=dt.timedelta(hours=settings.api_session_hours))
    response = _json({"user_id": user_id, "csrf_token": csrf}, status=status)
    _set_session_cookie(response, settings, session_id)
    return response


def _credentials(body: Mapping[str, Any]) -> tuple[str, str]:
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not accounts.valid_email(email.strip()):
        raise web.HTTPBadRequest(reason="email must be an email address")
    if not isinstance(password, str) or len(password) > accounts.MAX_PASSWORD:
        raise web.HTTPBadRequest(reason=f"password must be a string of at most {accounts.MAX_PASSWORD} characters")
    return email.strip(), password


async def sign_in(request: web.Request) -> web.Response:
    """POST /api/auth/signin {"email", "password"}: 200 {"user_id", "csrf_token"} with the session cookie; 401
    for a wrong email or password (the same answer for both); 429 with Retry-After past
    RESUMEFLOW_API_SIGNIN_BURST attempts for one email (one more each RESUMEFLOW_API_SIGNIN_REFILL_S)."""
    email, password = _credentials(await _body(request))
    await _limited(request, request.app[SIGNIN_LIMIT_KEY], email, "sign-in")
    user_id = await accounts.check_password(request.app[POOL_KEY], email, password)
    if user_id is None:
        raise web.HTTPUnauthorized(reason="wrong email or password")
    return await _signed_in(request, user_id, 200)


def _session_only(request: web.Request, what: str) -> Principal:
    principal = request[PRINCIPAL]
    if principal.via != "session":
        raise web.HTTPForbidden(reason=f"{what} needs a signed-in session, not a bearer token")
    return principal


async def sign_out(request: web.Request) -> web.Response:
    """POST /api/auth/signout: ends this session (server side) and clears the cookie."""
    _session_only(request, "sign-out")
    name = session_cookie_name(request.app[SETTINGS_KEY])
    await accounts.end_session(request.app[POOL_KEY], request.cookies[name])
    response = _json({"signed_out": True})
    response.del_cookie(name, path="/")
    return response


async def session_info(request: web.Request) -> web.Response:
    """GET /api/auth/session: who is signed in, how, and the session's CSRF token (after a page reload)."""
    principal = request[PRINCIPAL]
    role = principal.role if principal.via != "operator-token" else await accounts.role_of(
        request.app[POOL_KEY], principal.user_id)
    return _json({"user_id": principal.user_id, "role": role, "via": principal.via, "csrf_token": principal.csrf})


async def list_tokens(request: web.Request) -> web.Response:
    """GET /api/tokens: the user's API tokens (never the tokens themselves), newest first."""
    rows = await request.app[POOL_KEY].fetch(
        """SELECT token_id, name, created_at, expires_at, revoked_at FROM api_tokens WHERE user_id = $1
            ORDER BY created_at DESC, token_id LIMIT 200""", request[USER_ID])
    return _json({"items": [dict(r) for r in rows], "next": None})


async def create_token(request: web.Request) -> web.Response:
    """POST /api/tokens {"name", "days": optional, at most RESUMEFLOW_API_TOKEN_DAYS}: 201 with the token, shown
    this once (`Authorization: Bearer rf_...`); only its SHA-256 is kept."""
    _session_only(request, "making an API token")
    body = await _body(request)
    name = _text(body, "name", _MAX_TOKEN_NAME) or "script"
    max_days = request.app[SETTINGS_KEY].api_token_days
    days = body.get("days", max_days)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= max_days:
        raise web.HTTPBadRequest(reason=f"days must be a whole number from 1 to {max_days}")
    token_id, token, expires_at = await accounts.create_token(
        request.app[POOL_KEY], request[USER_ID], name, now=utc_now(), lifetime=dt.timedelta(days=days))
    return _json({"token_id": token_id, "token": token, "name": name, "expires_at": expires_at}, status=201)


async def revoke_token(request: web.Request) -> web.Response:
    """DELETE /api/tokens/{token_id}: revoked at once; another user's token id is not found."""
    token_id = request.match_info["token_id"]
    if not _EVENT_ID.match(token_id) or not await accounts.revoke_token(
            request.app[POOL_KEY], request[USER_ID], token_id, now=utc_now()):
        raise web.HTTPNotFound(reason="not found")
    return _json({"revoked": token_id})


async def _require_operator(request: web.Request) -> None:
    """403 unless the request's user has the operator role (`resumeflow user role --email E operator`)."""
    if await accounts.role_of(request.app[POOL_KEY], request[USER_ID]) != "operator":
        raise web.HTTPForbidden(reason="this route is for operators")


async def operator_accounts(request: web.Request) -> web.Response:
    """GET /api/operator/accounts (operators only): every account (email, role, sign-up time, live sessions),
    newest first, `{"items", "next"}` with `?limit=` and `?cursor=`."""
    await _require_operator(request)
    page = _page(request)
    records = await request.app[POOL_KEY].fetch(
        f"""SELECT a.user_id, a.email, a.role, a.created_at,
                   (SELECT count(*) FROM api_sessions s WHERE s.user_id = a.user_id AND s.expires_at > now())
                     AS live_sessions
              FROM api_accounts a WHERE {paging.keyset("a.created_at", "a.user_id", 2)}
             ORDER BY a.created_at DESC, a.user_id LIMIT $1""", page.limit + 1, *paging.after_args(page))
    return _json(paging.reply([dict(r) for r in records], records, page, "created_at", "user_id"))


async def _limited(request: web.Request, limiter: RedisTokenBucket, email: str, what: str) -> None:
    """429 with Retry-After once `email` has used its attempts (RESUMEFLOW_API_SIGNIN_BURST, then one each
    RESUMEFLOW_API_SIGNIN_REFILL_S); 503 when the limiter (Redis) is unreachable: no limit, no attempt."""
    try:
        wait_s = await limiter.try_acquire(accounts.sha256_hex(email.lower())[:32])
    except RedisError:
        log.exception("%s: the attempt limiter (Redis) is unreachable; refusing", what)
        raise web.HTTPServiceUnavailable(reason=f"{what} is unavailable for a moment; try again") from None
    if wait_s > 0:
        raise web.HTTPTooManyRequests(reason=f"too many {what} attempts for this email; wait and try again",
                                      headers={"Retry-After": str(math.ceil(wait_s))})


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
_LINK_MINUTES = int(accounts.SIGNIN_LINK_LIFETIME.total_seconds() // 60)
LINK_SENT = ("if this email has an account, a sign-in link is on its way; it works once, within "
             f"{_LINK_MINUTES} minutes")
SIGNUP_SENT = ("check your email: a link to finish signing up is on its way; it works once, within "
               f"{_LINK_MINUTES} minutes")
SIGNUP_LINK_PREFIX = "#signup-confirm="
SIGNIN_LINK_PREFIX = "#signin-link="


def _link_base(request: web.Request) -> str | None:
    """Where the mailed link points: RESUMEFLOW_API_PUBLIC_URL, else this request's origin when it is loopback."""
    configured = request.app[SETTINGS_KEY].api_public_url.rstrip("/")
    if configured:
        return configured
    return str(request.url.origin()) if request.url.host in _LOOPBACK else None


def _mail_base(request: web.Request, what: str) -> str:
    """The mailed links' base; 503 when this server has no SMTP server or no public address to put in a link."""
    base = _link_base(request)
    if base is None or not signin_mail.mail_configured(request.app[SETTINGS_KEY]):
        raise web.HTTPServiceUnavailable(reason=f"{what} is not set up on this server (it needs "
                                                "RESUMEFLOW_SMTP_HOST and RESUMEFLOW_API_PUBLIC_URL)")
    return base


async def _send_mail(settings: Settings, message: EmailMessage) -> None:
    try:
        await signin_mail.send(settings, message)
    except Exception:  # a background send: nobody awaits it, so it is logged here (never the link nor the address)
        log.exception("account mail %r: it could not be sent", message["Subject"])


def _mail_in_background(request: web.Request, message: EmailMessage) -> None:
    """Sends without holding the answer, so a reply takes the same time whether a mail goes out or not."""
    task = asyncio.create_task(_send_mail(request.app[SETTINGS_KEY], message))
    tasks = request.app[MAIL_TASKS_KEY]
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def request_signin_link(request: web.Request) -> web.Response:
    """POST /api/auth/link {"email"}: mails a one-time sign-in link (`#signin-link=` on the web client, valid once
    for 15 minutes) to the account of that email. 202 with the same answer, at the same speed (the mail goes out
    in the background), whether or not the email has an account; 429 like sign-in; 503 when this server has no
    SMTP server (RESUMEFLOW_SMTP_HOST) or no public address (RESUMEFLOW_API_PUBLIC_URL) to put in a link."""
    body = await _body(request)
    email = body.get("email")
    if not isinstance(email, str) or not accounts.valid_email(email.strip()):
        raise web.HTTPBadRequest(reason="email must be an email address")
    email = email.strip()
    base = _mail_base(request, "sign-in by link")
    await _limited(request, request.app[LINK_LIMIT_KEY], email, "sign-in link")
    made = await accounts.create_signin_link(request.app[POOL_KEY], email, now=utc_now())
    if made is not None:
        token, address = made
        _mail_in_background(request, signin_mail.signin_message(
            request.app[SETTINGS_KEY], address, f"{base}/{SIGNIN_LINK_PREFIX}{token}", _LINK_MINUTES))
    return _json({"status": LINK_SENT}, status=202)


async def sign_up(request: web.Request) -> web.Response:
    """POST /api/auth/signup {"email", "password"}: 202 {"status"} with the same answer, after the same work,
    whether or not the email has an account, so nobody learns who has one. A new email is mailed a confirm link
    (`#signup-confirm=` on the web client, valid once for 15 minutes; POST /api/auth/signup/confirm makes the
    account with this password); a known one is mailed "you already have an account" with a sign-in link. 400 for
    a malformed email or a weak password (they tell nothing about accounts); 429 with Retry-After past
    RESUMEFLOW_API_SIGNIN_BURST mails to one email (the sign-in links' bucket: both mail the address); 503 when
    this server cannot mail links (RESUMEFLOW_SMTP_HOST, RESUMEFLOW_API_PUBLIC_URL)."""
    email, password = _credentials(await _body(request))
    problem = accounts.password_problem(password)
    if problem:
        raise web.HTTPBadRequest(reason=problem)
    base = _mail_base(request, "sign-up")
    await _limited(request, request.app[LINK_LIMIT_KEY], email, "sign-up")
    settings = request.app[SETTINGS_KEY]
    mail = await accounts.start_sign_up(request.app[POOL_KEY], email, password, now=utc_now())
    if mail.existing:
        message = signin_mail.account_exists_message(settings, mail.address, f"{base}/{SIGNIN_LINK_PREFIX}{mail.token}",
                                                     _LINK_MINUTES)
    else:
        message = signin_mail.signup_message(settings, mail.address, f"{base}/{SIGNUP_LINK_PREFIX}{mail.token}",
                                             _LINK_MINUTES)
    _mail_in_background(request, message)
    return _json({"status": SIGNUP_SENT}, status=202)


async def confirm_sign_up(request: web.Request) -> web.Response:
    """POST /api/auth/signup/confirm {"token"}: the token of a mailed confirm link. 201 {"user_id", "csrf_token"}
    with the session cookie: the account is made with the sign-up's password (its user id is the pipeline's id for
    that email). When the email got an account in between, 200 and a session of that account, as a sign-in link
    would (no second account). 400 for a link that is unknown, already used or expired."""
    token = _text(await _body(request), "token", 128)
    made = await accounts.confirm_sign_up(request.app[POOL_KEY], token, now=utc_now()) if token else None
    if made is None:
        raise web.HTTPBadRequest(reason="this sign-up link is not valid: it was used, it expired, or it is "
                                        "mistyped; sign up again")
    user_id, created = made
    if created:
        log.info("account created for user %s", user_id)
    return await _signed_in(request, user_id, 201 if created else 200)


async def redeem_signin_link(request: web.Request) -> web.Response:
    """POST /api/auth/link/signin {"token"}: the token from a mailed link; 200 {"user_id", "csrf_token"} with the
    session cookie, as a password sign-in. 401 for a link that is unknown, already used or expired."""
    token = _text(await _body(request), "token", 128)
    user_id = await accounts.redeem_signin_link(request.app[POOL_KEY], token, now=utc_now()) if token else None
    if user_id is None:
        raise web.HTTPUnauthorized(reason="this sign-in link is not valid: it was used, it expired, or it is "
                                          "mistyped; ask for a new one")
    return await _signed_in(request, user_id, 200)


# --- dashboard ------------------------------------------------------------------------------------------------


def _window(request: web.Request) -> tuple[dashboard.Period, int]:
    period = request.query.get("period", "week")
    if period not in ("day", "week"):
        raise web.HTTPBadRequest(reason="period must be day or week")
    raw = request.query.get("span")
    try:
        span = int(raw) if raw is not None else dashboard.DEFAULT_SPAN[period]
    except ValueError:
        span = 0
    if not 1 <= span <= dashboard.MAX_SPAN:
        raise web.HTTPBadRequest(reason=f"span must be a whole number of periods from 1 to {dashboard.MAX_SPAN}")
    return period, span  # type: ignore[return-value]


async def dashboard_funnel(request: web.Request) -> web.Response:
    """GET /api/dashboard/funnel?period=day|week&span=N: each funnel stage's count per UTC day or ISO week, the
    last N periods (30 days or 12 weeks unless given), zero-filled (`query_api.dashboard.funnel_series`)."""
    period, span = _window(request)
    return _json(await dashboard.funnel(request.app[POOL_KEY], request[USER_ID], period, span, now=utc_now()))


async def dashboard_response_rates(request: web.Request) -> web.Response:
    """GET /api/dashboard/response-rates: the share of the user's submitted applications that got an answer,
    overall, by variant sent and by board."""
    return _json(await dashboard.response_rates(request.app[POOL_KEY], request[USER_ID]))


async def dashboard_ai_spend(request: web.Request) -> web.Response:
    """GET /api/dashboard/ai-spend: the user's AI spend (USD) this UTC month, per day, against the month's budget
    (RESUMEFLOW_AI_USER_BUDGET_USD_PER_DAY times the month's days); from the AI gateway's Redis counters."""
    today = utc_now().date()
    try:
        per_day = await month_spend(request.app[REDIS_KEY], request[USER_ID], today)
    except RedisError:
        log.exception("dashboard: the AI spend counters (Redis) are unreachable")
        raise web.HTTPServiceUnavailable(reason="AI spend is unavailable for a moment; try again") from None
    return _json(dashboard.spend_summary(
        per_day, daily_budget_usd=request.app[SETTINGS_KEY].ai_user_budget_usd_per_day, today=today))


async def list_choices(request: web.Request) -> web.Response:
    """GET /api/choices: `{"boards", "statuses", "channels", "remote", "submission_modes"}`, each a list of the
    values the filters and forms accept."""
    return _json(choices.choices())


async def openapi(request: web.Request) -> web.Response:
    return web.Response(text=_OPENAPI_TEXT(), content_type="application/json")


_OPENAPI_TEXT = functools.cache(lambda: json.dumps(openapi_document(), ensure_ascii=False))


# --- app ------------------------------------------------------------------------------------------------------


async def create_account_tables(pool: asyncpg.Pool) -> None:
    """The API's own tables (`query_api.accounts`), made when `serve` starts."""
    async with pool.acquire() as conn, conn.transaction():
        # One creator at a time: concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('resumeflow.api_accounts'))")
        await accounts.create_schema(conn)


async def _close_redis(app: web.Application) -> None:
    if app[MAIL_TASKS_KEY]:  # account mails still being sent: let them go out (each has the SMTP timeout)
        await asyncio.wait(set(app[MAIL_TASKS_KEY]))
    await app[REDIS_KEY].aclose()


def create_app(settings: Settings, pool: asyncpg.Pool, publish: Publish) -> web.Application:
    """`publish(topic, key, message)` writes a command and returns once the broker acknowledged it
    (`query_api.publish`).
    Raises UserError when RESUMEFLOW_API_SECRET is missing or too short."""
    secret = require_secret(settings)
    # Room for a profile (POST /api/profile); every other body is held to MAX_BODY_BYTES by `_body`.
    app = web.Application(middlewares=[_timed, _json_errors, _api_auth, _storable_query],
                          client_max_size=MAX_PROFILE_BYTES + 1)
    app[SETTINGS_KEY] = settings
    app[POOL_KEY] = pool
    app[SECRET_KEY] = secret
    app[PUBLISH_KEY] = publish
    # Sign-in attempts per email: the same Redis token bucket discovery uses for board hosts.
    app[REDIS_KEY] = redis_client(settings.redis_url)
    app[SIGNIN_LIMIT_KEY] = RedisTokenBucket(
        app[REDIS_KEY], capacity=settings.api_signin_burst, refill_per_s=1 / settings.api_signin_refill_s,
        key_prefix="resumeflow:signin:")
    app[LINK_LIMIT_KEY] = RedisTokenBucket(
        app[REDIS_KEY], capacity=settings.api_signin_burst, refill_per_s=1 / settings.api_signin_refill_s,
        key_prefix="resumeflow:signin-link:")
    app[MAIL_TASKS_KEY] = set()
    app.on_cleanup.append(_close_redis)
    app.on_response_prepare.append(_security_headers)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/", index)
    app.router.add_get("/openapi.json", openapi)
    app.router.add_get("/static/{name}", static_file)
    app.router.add_post("/api/auth/signup", sign_up)
    app.router.add_post("/api/auth/signup/confirm", confirm_sign_up)
    app.router.add_post("/api/auth/signin", sign_in)
    app.router.add_post("/api/auth/signout", sign_out)
    app.router.add_post("/api/auth/link", request_signin_link)
    app.router.add_post("/api/auth/link/signin", redeem_signin_link)
    app.router.add_get("/api/auth/session", session_info)
    app.router.add_get("/api/tokens", list_tokens)
    app.router.add_post("/api/tokens", create_token)
    app.router.add_delete("/api/tokens/{token_id}", revoke_token)
    app.router.add_get("/api/operator/accounts", operator_accounts)
    app.router.add_get("/api/me", me)
    app.router.add_get("/api/choices", list_choices)
    app.router.add_get("/api/discoveries", discoveries)
    app.router.add_get("/api/matches", matches)
    app.router.add_get("/api/resumes", resumes)
    app.router.add_get("/api/resumes/{event_id}", resume_detail)
    app.router.add_get("/api/resumes/{event_id}/pdf", resume_pdf)
    app.router.add_get("/api/applications", applications)
    app.router.add_get("/api/applications/{application_id}", application_detail)
    app.router.add_get("/api/applications/{application_id}/variants/{variant_id}/pdf", application_variant_pdf)
    app.router.add_get("/api/applications/{application_id}/variants/{variant_id}/lines", application_variant_lines)
    app.router.add_get("/api/applications/{application_id}/cover-letter", application_cover_letter)
    app.router.add_post("/api/applications/{application_id}/outcomes", application_outcome)
    app.router.add_post("/api/applications/{application_id}/{action}", application_command)
    app.router.add_post("/api/profile", upload_profile)
    app.router.add_post("/api/profile/validate", validate_profile)
    app.router.add_get("/api/preferences", own_preferences)
    app.router.add_put("/api/preferences", update_preferences)
    app.router.add_get("/api/commands/{command_id}", command_outcome)
    app.router.add_get("/api/outcomes/unlinked", unlinked_reports)
    app.router.add_get("/api/dashboard/funnel", dashboard_funnel)
    app.router.add_get("/api/dashboard/response-rates", dashboard_response_rates)
    app.router.add_get("/api/dashboard/ai-spend", dashboard_ai_spend)
    app.router.add_post("/api/outcomes/unlinked/{report_id}/link", link_report)
    add_ats_webhook(app, settings, publish)
    return app


async def serve(settings: Settings, host: str, port: int, *, stop: asyncio.Event | None = None) -> None:
    """Open the pool, serve until `stop` is set (or the task is cancelled), then close both."""
    require_secret(settings)  # before connecting: a missing secret is the operator's to fix, not a DB error
    pool = await asyncpg.create_pool(settings.database_url, min_size=1, max_size=10)
    try:
        await create_account_tables(pool)
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
