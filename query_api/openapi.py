"""The query API's OpenAPI 3.1 document, served at `/openapi.json`.

Written here rather than generated: aiohttp's router knows paths and methods but not bodies or answers.
tests/integration/test_query_api_contract.py keeps it true: every route of the app is documented, every documented
operation answers (not 404 or 405), and schemathesis finds no server error across the document.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from query_api.choices import choices
from query_api.paging import DEFAULT_LIMIT, MAX_LIMIT
from streams.messages import (
    CHANNELS,
    ApplicationCommandKind,
    ApplicationStatus,
    BoardSource,
    Preferences,
    ResponseKind,
)
from streams.messages.users import MAX_PROFILE_BYTES

_ERROR = {"$ref": "#/components/schemas/Error"}
_PATH_ID = {"type": "string", "minLength": 1, "maxLength": 128}
# `?inline=1`: the PDF shown in place (the web client's preview frame) rather than downloaded.
_INLINE = {"name": "inline", "in": "query", "required": False, "schema": {"type": "string", "enum": ["1"]}}


def _errors(*statuses: int) -> dict[str, Any]:
    text = {400: "Bad request: the body or a parameter, named in `error`",
            401: "Not signed in, or a bad token", 403: "Forbidden: CSRF token missing, role or method not allowed",
            404: "Not found (also another user's id)", 409: "Conflict", 413: "Body too large",
            429: "Too many attempts; see Retry-After", 503: "A dependency is unavailable; retry"}
    return {str(s): {"description": text[s], "content": {"application/json": {"schema": _ERROR}}} for s in statuses}


def _ok(status: int, description: str, schema: dict[str, Any] | None = None,
        media: str = "application/json") -> dict[str, Any]:
    return {str(status): {"description": description,
                          "content": {media: {"schema": schema or {"type": "object"}}}}}


def _paged(item: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "next"],
            "properties": {"items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
                           "next": {"type": ["string", "null"], "description": "cursor of the next page"}}}


_PAGE_PARAMS = [
    {"name": "limit", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
    {"name": "cursor", "in": "query", "required": False, "description": "`next` of the previous page (opaque)",
     "schema": {"type": "string", "maxLength": 1024}},
]


def _path(*names: str) -> list[dict[str, Any]]:
    return [{"name": n, "in": "path", "required": True, "schema": _PATH_ID} for n in names]


def _json_body(schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _op(summary: str, responses: dict[str, Any], *, params: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None, public: bool = False, tag: str = "reads") -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "tags": [tag], "responses": responses}
    if params:
        op["parameters"] = params
    if body:
        op["requestBody"] = body
    if public:
        op["security"] = []
    return op


_CREDENTIALS = {"type": "object", "required": ["email", "password"], "additionalProperties": False,
                "properties": {"email": {"type": "string", "format": "email", "maxLength": 254},
                               "password": {"type": "string", "minLength": 10, "maxLength": 1024}}}
_SIGNED_IN = {"type": "object", "required": ["user_id", "csrf_token"],
              "properties": {"user_id": {"type": "string"}, "csrf_token": {"type": "string"}}}
_EMAIL_ONLY = {"type": "object", "required": ["email"],
               "properties": {"email": {"type": "string", "format": "email", "maxLength": 254}}}
_LINK_TOKEN = {"type": "object", "required": ["token"],
               "properties": {"token": {"type": "string", "minLength": 1, "maxLength": 128}}}
_WINDOW = [
    {"name": "period", "in": "query", "required": False, "description": "UTC days or ISO weeks (from Monday)",
     "schema": {"type": "string", "enum": ["day", "week"], "default": "week"}},
    {"name": "span", "in": "query", "required": False,
     "description": "how many periods, ending with the current one (default 30 days or 12 weeks)",
     "schema": {"type": "integer", "minimum": 1, "maximum": 366}},
]
_RATE = {"type": "object", "required": ["key", "submitted", "responded", "rate"],
         "properties": {"key": {"type": "string"}, "submitted": {"type": "integer"},
                        "responded": {"type": "integer"}, "rate": {"type": "number", "minimum": 0, "maximum": 1}}}
_FUNNEL = {"type": "object", "required": ["period", "buckets", "stages"], "properties": {
    "period": {"type": "string", "enum": ["day", "week"]},
    "buckets": {"type": "array", "items": {"type": "string", "format": "date"},
                "description": "each period's first day, oldest first"},
    "stages": {"type": "array", "items": {"type": "object", "required": ["stage", "counts", "total"], "properties": {
        "stage": {"type": "string", "enum": ["discovered", "matched", "prepared", "submitted", "responded",
                                             "interview", "offer"]},
        "counts": {"type": "array", "items": {"type": "integer"}}, "total": {"type": "integer"}}}}}}
_RATES = {"type": "object", "required": ["submitted", "responded", "rate", "by_variant", "by_board"], "properties": {
    "submitted": {"type": "integer"}, "responded": {"type": "integer"}, "rate": {"type": "number"},
    "by_variant": {"type": "array", "items": _RATE}, "by_board": {"type": "array", "items": _RATE}}}
_SPEND = {"type": "object", "required": ["month", "spent_usd", "budget_usd", "share", "today_usd", "daily_budget_usd",
                                         "days"], "properties": {
    "month": {"type": "string", "description": "YYYY-MM (UTC)"}, "spent_usd": {"type": "number"},
    "budget_usd": {"type": "number", "description": "the daily cap times the month's days"},
    "share": {"type": "number"}, "today_usd": {"type": "number"}, "daily_budget_usd": {"type": "number"},
    "days": {"type": "array", "items": {"type": "object", "properties": {
        "day": {"type": "string", "format": "date"}, "spent_usd": {"type": "number"}}}}}}
_DECISION = {"type": "object", "properties": {"variant_id": {"type": "string", "maxLength": 128},
                                               "note": {"type": "string", "maxLength": 2000}}}
_KINDS = [kind.value for kind in ResponseKind]
_OUTCOME = {"type": "object", "required": ["kind"],
            "properties": {"kind": {"type": "string", "enum": _KINDS}, "date": {"type": "string", "format": "date"},
                           "note": {"type": "string", "maxLength": 2000}}}
_LINK = {"type": "object", "required": ["application_id"],
         "properties": {"application_id": {"type": "string"}, "kind": {"type": "string", "enum": _KINDS}}}
_ACTIONS = [kind.value.lower().replace("_", "-") for kind in ApplicationCommandKind]
_PDF = {"type": "string", "format": "binary"}
_QUEUED_COMMAND = {"type": "object", "required": ["event_id", "kind"],
                   "properties": {"event_id": {"type": "string"}, "kind": {"type": "string"}}}
_PROBLEM = {"$ref": "#/components/schemas/CommandProblem"}
_AUTHED = (401, 404)
_PROFILE_CHECK = {"type": "object", "required": ["ok", "problems"], "properties": {
    "ok": {"type": "boolean", "description": "true: the profiles processor would accept this profile"},
    "problems": {"type": "array", "items": {"type": "object", "required": ["path", "message"], "properties": {
        "path": {"type": "string", "description": "JSON Pointer into the document sent, e.g. /basics/email; '' "
                                                  "for all of it"},
        "message": {"type": "string"}}}}}}
_CHOICES = {"type": "object", "required": list(choices()), "properties": {
    name: {"type": "array", "items": {"type": "string", "enum": values}} for name, values in choices().items()}}
_PREFERENCES = Preferences.model_json_schema(ref_template="#/components/schemas/{model}")
_PREFERENCE_DEFS = _PREFERENCES.pop("$defs", {})
_SAVED_PREFERENCES = {"type": "object", "required": ["registered", "profile_version", "preferences"], "properties": {
    "registered": {"type": "boolean"}, "profile_version": {"type": "integer"},
    "preferences": {"anyOf": [_PREFERENCES, {"type": "null"}],
                    "description": "null: kept by the view before it kept preferences"}}}


def _paths() -> dict[str, dict[str, Any]]:
    return {
        "/healthz": {"get": _op("Liveness", _ok(200, "ok"), public=True, tag="service")},
        "/": {"get": _op("The web client", _ok(200, "HTML page", {"type": "string"}, "text/html"), public=True,
                         tag="service")},
        "/openapi.json": {"get": _op("This document", _ok(200, "OpenAPI 3.1"), public=True, tag="service")},
        "/static/{name}": {"get": _op("The web client's script and styles", {
            **_ok(200, "a file", {"type": "string"}, "*/*"), **_errors(404)}, public=True, tag="service",
            params=[{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}])},
        "/api/auth/signup": {"post": _op(
            "Sign up: mails a confirm link (valid once, 15 minutes), or a sign-in link when the email already has "
            "an account; the same answer either way", {**_ok(202, "check your email"),
                                                         **_errors(400, 403, 413, 429, 503)},
            body=_json_body(_CREDENTIALS), public=True, tag="auth")},
        "/api/auth/signup/confirm": {"post": _op(
            "Finish a sign-up with a mailed confirm link's token: makes the account with the sign-up's password and "
            "signs in (sets the session cookie)",
            {**_ok(201, "account made, signed in", _SIGNED_IN),
             **_ok(200, "the email got an account meanwhile: signed in to it", _SIGNED_IN),
             **_errors(400, 403, 413)}, body=_json_body(_LINK_TOKEN), public=True, tag="auth")},
        "/api/auth/signin": {"post": _op(
            "Sign in (sets the session cookie)",
            {**_ok(200, "signed in", _SIGNED_IN), **_errors(400, 401, 403, 413, 429, 503)},
            body=_json_body(_CREDENTIALS), public=True, tag="auth")},
        "/api/auth/signout": {"post": _op("End this session", {**_ok(200, "signed out"), **_errors(401, 403)},
                                          tag="auth")},
        "/api/auth/link": {"post": _op(
            "Mail a one-time sign-in link (valid once, 15 minutes); the same answer whether or not the email has "
            "an account", {**_ok(202, "a link is on its way if the account exists"),
                           **_errors(400, 403, 413, 429, 503)}, body=_json_body(_EMAIL_ONLY), public=True,
            tag="auth")},
        "/api/auth/link/signin": {"post": _op(
            "Sign in with a mailed link's token (sets the session cookie)",
            {**_ok(200, "signed in", _SIGNED_IN), **_errors(400, 401, 403, 413)}, body=_json_body(_LINK_TOKEN),
            public=True, tag="auth")},
        "/api/auth/session": {"get": _op("Who is signed in, and the session's CSRF token",
                                         {**_ok(200, "the principal"), **_errors(401)}, tag="auth")},
        "/api/tokens": {
            "get": _op("The user's API tokens (not the tokens themselves)",
                       {**_ok(200, "tokens", _paged("Token")), **_errors(401)}, tag="auth"),
            "post": _op("Make an API token (shown once); needs a session",
                        {**_ok(201, "the token"), **_errors(400, 401, 403, 413)},
                        body=_json_body({"type": "object", "properties": {
                            "name": {"type": "string", "maxLength": 100},
                            "days": {"type": "integer", "minimum": 1, "maximum": 365}}}, required=False),
                        tag="auth")},
        "/api/tokens/{token_id}": {"delete": _op("Revoke an API token", {**_ok(200, "revoked"), **_errors(*_AUTHED)},
                                                 params=_path("token_id"), tag="auth")},
        "/api/operator/accounts": {"get": _op("Every account (operators only)",
                                              {**_ok(200, "accounts", _paged("Account")), **_errors(400, 401, 403)},
                                              params=_PAGE_PARAMS, tag="operations")},
        "/api/me": {"get": _op("The user's profile row", {**_ok(200, "the user"), **_errors(*_AUTHED)})},
        "/api/choices": {"get": _op(
            "The values each enumerated filter and form field takes (the web client's selects)",
            {**_ok(200, "the values, in their declared order", _CHOICES), **_errors(401)})},
        "/api/discoveries": {"get": _op("Discovered jobs, newest first",
                                        {**_ok(200, "a page", _paged("Row")), **_errors(400, 401)},
                                        params=_PAGE_PARAMS)},
        "/api/matches": {"get": _op("Matches, newest first", {**_ok(200, "a page", _paged("Row")),
                                                               **_errors(400, 401)}, params=_PAGE_PARAMS)},
        "/api/resumes": {"get": _op("Generated resumes, newest first",
                                    {**_ok(200, "a page", _paged("Row")), **_errors(400, 401)},
                                    params=_PAGE_PARAMS)},
        "/api/resumes/{event_id}": {"get": _op("A resume with its lines and their provenance",
                                               {**_ok(200, "the resume"), **_errors(*_AUTHED)},
                                               params=_path("event_id"))},
        "/api/resumes/{event_id}/pdf": {"get": _op("A resume's PDF", {**_ok(200, "PDF", _PDF, "application/pdf"),
                                                                      **_errors(*_AUTHED)},
                                                   params=[*_path("event_id"), _INLINE])},
        "/api/applications": {"get": _op(
            "Applications, newest change first", {**_ok(200, "a page", _paged("Row")), **_errors(400, 401)},
            params=[*_PAGE_PARAMS,
                    {"name": "status", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": sorted(s.value for s in ApplicationStatus)}},
                    {"name": "channel", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": sorted(CHANNELS)}},
                    {"name": "board", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": sorted(b.value for b in BoardSource)}},
                    {"name": "q", "in": "query", "required": False, "description": "in the company or the title",
                     "schema": {"type": "string", "minLength": 1, "maxLength": 100}}])},
        "/api/applications/{application_id}": {"get": _op(
            "An application with its timeline, submission and outcome",
            {**_ok(200, "the application"), **_errors(*_AUTHED)}, params=_path("application_id"))},
        "/api/applications/{application_id}/variants/{variant_id}/pdf": {"get": _op(
            "A variant's PDF", {**_ok(200, "PDF", _PDF, "application/pdf"), **_errors(*_AUTHED)},
            params=[*_path("application_id", "variant_id"), _INLINE])},
        "/api/applications/{application_id}/variants/{variant_id}/lines": {"get": _op(
            "A variant's lines, each with its provenance in the profile",
            {**_ok(200, "the lines"), **_errors(*_AUTHED)}, params=_path("application_id", "variant_id"))},
        "/api/applications/{application_id}/cover-letter": {"get": _op(
            "The cover letter's PDF", {**_ok(200, "PDF", _PDF, "application/pdf"), **_errors(*_AUTHED)},
            params=[*_path("application_id"), _INLINE])},
        "/api/applications/{application_id}/outcomes": {"post": _op(
            "Report an answer (interview, offer, ...)", {**_ok(202, "queued"), **_errors(400, 401, 403, 404, 413)},
            params=_path("application_id"), body=_json_body(_OUTCOME), tag="writes")},
        "/api/applications/{application_id}/{action}": {"post": _op(
            "A decision on an application", {**_ok(202, "queued"), **_errors(400, 401, 403, 404, 413)},
            params=[*_path("application_id"),
                    {"name": "action", "in": "path", "required": True, "schema": {"type": "string", "enum": _ACTIONS}}],
            body=_json_body(_DECISION, required=False), tag="writes")},
        "/api/profile": {"post": _op(
            "Upload the master profile (the JSON Resume document itself is the body): a user command; its outcome "
            "at /api/commands/{command_id}",
            {**_ok(202, "queued", _QUEUED_COMMAND), **_errors(400, 401, 403, 409, 413)},
            body={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "description": f"a JSON Resume document, at most {MAX_PROFILE_BYTES} bytes"}}}},
            tag="writes")},
        "/api/profile/validate": {"post": _op(
            "Check a master profile as the profiles processor would, without sending it (the same body as POST "
            "/api/profile); nothing is written",
            {**_ok(200, "the check: ok, or each problem at a JSON Pointer into the document sent", _PROFILE_CHECK),
             **_errors(400, 401, 403, 413)},
            body={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "description": f"a JSON Resume document, at most {MAX_PROFILE_BYTES} bytes"}}}},
            tag="writes")},
        "/api/preferences": {
            "get": _op("The accepted preferences (defaults before a profile was accepted)",
                       {**_ok(200, "the preferences", _SAVED_PREFERENCES),
                        **_errors(401)}),
            "put": _op("Replace the preferences (saved searches, submission mode, daily cap): a user command; its "
                       "outcome at /api/commands/{command_id}",
                       {**_ok(202, "queued", _QUEUED_COMMAND),
                        "400": {"description": "Not preferences; `problems` names each field",
                                "content": {"application/json": {"schema": {
                                    "type": "object", "required": ["error"],
                                    "properties": {"error": {"type": "string"},
                                                   "problems": {"type": "array", "items": _PROBLEM}}}}}},
                        **_errors(401, 403, 413)},
                       body=_json_body(_PREFERENCES), tag="writes")},
        "/api/commands/{command_id}": {"get": _op(
            "A user command's outcome: PENDING, ACCEPTED, or REJECTED with the reasons by field (404 until seen)",
            {**_ok(200, "the outcome", {"$ref": "#/components/schemas/CommandOutcome"}), **_errors(*_AUTHED)},
            params=_path("command_id"))},
        "/api/outcomes/unlinked": {"get": _op("Answers not tied to an application",
                                              {**_ok(200, "a page", _paged("Row")), **_errors(400, 401)},
                                              params=_PAGE_PARAMS)},
        "/api/outcomes/unlinked/{report_id}/link": {"post": _op(
            "Tie an unlinked answer to one of the user's applications",
            {**_ok(202, "queued"), **_errors(400, 401, 403, 404, 413)}, params=_path("report_id"),
            body=_json_body(_LINK), tag="writes")},
        "/api/dashboard/funnel": {"get": _op(
            "The funnel (discovered to offer): each stage's count per day or week, zero-filled",
            {**_ok(200, "the funnel", _FUNNEL), **_errors(400, 401)}, params=_WINDOW, tag="dashboard")},
        "/api/dashboard/response-rates": {"get": _op(
            "The share of submitted applications answered, overall, by variant and by board",
            {**_ok(200, "the rates", _RATES), **_errors(401)}, tag="dashboard")},
        "/api/dashboard/ai-spend": {"get": _op(
            "AI spend this month (UTC), per day, against the month's budget",
            {**_ok(200, "the spend", _SPEND), **_errors(401, 503)}, tag="dashboard")},
        "/webhooks/ats/{provider}": {"post": _op(
            "An ATS notification, signed with RESUMEFLOW_ATS_WEBHOOK_SECRET (HMAC-SHA256 in `Signature`)",
            {**_ok(202, "queued"), **_ok(200, "ignored"), **_errors(400, 401, 404, 413, 503)},
            params=[{"name": "provider", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "Signature", "in": "header", "required": False, "schema": {"type": "string"}}],
            body=_json_body({"type": "object"}), public=True, tag="webhooks")},
    }


@functools.cache
def _document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "resumeflow query API", "version": "1",
                 "description": "Reads of a user's read model and their decisions (written as commands). Every "
                                "error is {\"error\": \"...\"}. Another user's id answers 404, like a missing one. "
                                "Writes made with the session cookie must send the session's CSRF token in "
                                "X-CSRF-Token."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An API token (`rf_...`, POST /api/tokens) or the operator's token "
                                          "(`resumeflow user token`)"},
                "session": {"type": "apiKey", "in": "cookie", "name": "__Host-rf_session",
                            "description": "Set by sign-in; `rf_session` when RESUMEFLOW_API_COOKIE_SECURE=false"},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
                **_PREFERENCE_DEFS,
                "Row": {"type": "object"},
                "Token": {"type": "object", "properties": {
                    "token_id": {"type": "string"}, "name": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "expires_at": {"type": "string", "format": "date-time"},
                    "revoked_at": {"type": ["string", "null"], "format": "date-time"}}},
                "CommandProblem": {"type": "object", "required": ["path", "message"], "properties": {
                    "path": {"type": "string", "description": "JSON Pointer into the command "
                             "({email, profile, preferences}), e.g. /profile/basics/email; '' for all of it"},
                    "message": {"type": "string"}}},
                "CommandOutcome": {"type": "object", "required": ["event_id", "status", "reasons", "problems"],
                                   "properties": {
                    "event_id": {"type": "string"}, "kind": {"type": ["string", "null"]},
                    "status": {"type": "string", "enum": ["PENDING", "ACCEPTED", "REJECTED"]},
                    "reasons": {"type": "array", "items": {"type": "string"}},
                    "problems": {"type": "array", "items": _PROBLEM},
                    "profile_version": {"type": ["integer", "null"]},
                    "occurred_at": {"type": "string", "format": "date-time"},
                    "decided_at": {"type": ["string", "null"], "format": "date-time"}}},
                "Account": {"type": "object", "properties": {
                    "user_id": {"type": "string"}, "email": {"type": "string"}, "role": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"}, "live_sessions": {"type": "integer"}}},
            },
        },
    }


def openapi_document() -> dict[str, Any]:
    """The document (a copy: callers may change theirs)."""
    return copy.deepcopy(_document())
