"""HTTP routes of the registry, shaped after Confluent's REST API so its clients work unchanged.

Handlers only parse the request and call :class:`SchemaRegistry`; errors become Confluent error bodies in
one middleware.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schema_registry.compatibility import CompatibilityLevel
from schema_registry.exceptions import InvalidSchema, MalformedRequest, RegistryError
from schema_registry.registry import SchemaRegistry, parse_schema_request, parse_version
from schema_registry.schemas import ParsedAvroSchema

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"
REGISTRY_KEY = web.AppKey("registry", SchemaRegistry)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class _SchemaBody(BaseModel):
    # Clients send more than we use (metadata, ruleSet, id, version...); ignoring them keeps them working.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    schema_text: str = Field(alias="schema")
    schema_type: str | None = Field(default=None, alias="schemaType")
    references: list[Any] | None = None


class _ConfigBody(BaseModel):
    model_config = ConfigDict(extra="ignore")

    compatibility: Any = None
    compatibility_level: Any = Field(default=None, alias="compatibilityLevel")


def _reply(payload: Any, status: int = 200) -> web.Response:
    return web.json_response(payload, status=status, content_type=CONTENT_TYPE)


def _error(status: int, error_code: int, message: str) -> web.Response:
    return _reply({"error_code": error_code, "message": message}, status=status)


@web.middleware
async def _errors_as_confluent_bodies(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except RegistryError as exc:
        if exc.http_status >= 500:
            logger.error("%s %s failed: %s", request.method, request.path, exc.message)
        return _error(exc.http_status, exc.error_code, exc.message)
    except web.HTTPException as exc:
        return _error(exc.status, exc.status, f"HTTP {exc.status} {exc.reason}")
    except Exception:
        logger.exception("unexpected error on %s %s", request.method, request.path)
        return _error(500, 50001, "Internal Server Error")


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise MalformedRequest(f"Request body is not valid JSON: {exc}") from exc


async def _schema_from(request: web.Request) -> ParsedAvroSchema:
    try:
        body = _SchemaBody.model_validate(await _json_body(request))
    except ValidationError as exc:
        raise InvalidSchema(f"Invalid schema request: {exc.errors(include_url=False)}") from exc
    return parse_schema_request(body.schema_text, body.schema_type, body.references or [])


async def _level_from(request: web.Request) -> CompatibilityLevel:
    try:
        body = _ConfigBody.model_validate(await _json_body(request))
    except ValidationError as exc:
        raise MalformedRequest(f"Invalid config request: {exc.errors(include_url=False)}") from exc
    return CompatibilityLevel.parse(body.compatibility or body.compatibility_level)


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "false").lower() == "true"


def _schema_id(request: web.Request) -> int:
    try:
        return int(request.match_info["schema_id"])
    except ValueError as exc:
        raise web.HTTPNotFound() from exc


def _registry(request: web.Request) -> SchemaRegistry:
    return request.app[REGISTRY_KEY]


# --- handlers ---------------------------------------------------------------------------------------------


async def root(_request: web.Request) -> web.Response:
    return _reply({})


async def health(_request: web.Request) -> web.Response:
    # The server only starts listening once the topic has been replayed, so answering means ready.
    return _reply({"status": "ok"})


async def list_subjects(request: web.Request) -> web.Response:
    return _reply(_registry(request).subjects(include_deleted=_flag(request, "deleted")))


async def register_schema(request: web.Request) -> web.Response:
    schema = await _schema_from(request)
    schema_id = await _registry(request).register(request.match_info["subject"], schema)
    return _reply({"id": schema_id})


async def lookup_schema(request: web.Request) -> web.Response:
    subject = request.match_info["subject"]
    schema = await _schema_from(request)
    entry = _registry(request).lookup(subject, schema, include_deleted=_flag(request, "deleted"))
    stored = _registry(request).schema(entry.schema_id)
    return _reply(
        {"subject": subject, "version": entry.version, "id": entry.schema_id, "schema": stored.text}
    )


async def delete_subject(request: web.Request) -> web.Response:
    versions = await _registry(request).delete_subject(
        request.match_info["subject"], permanent=_flag(request, "permanent")
    )
    return _reply(versions)


async def list_versions(request: web.Request) -> web.Response:
    subject = request.match_info["subject"]
    return _reply(_registry(request).versions(subject, include_deleted=_flag(request, "deleted")))


async def get_version(request: web.Request) -> web.Response:
    subject = request.match_info["subject"]
    version = parse_version(request.match_info["version"])
    entry, schema = _registry(request).version(subject, version, include_deleted=_flag(request, "deleted"))
    return _reply(
        {"subject": subject, "version": entry.version, "id": entry.schema_id, "schema": schema.text}
    )


async def get_version_schema(request: web.Request) -> web.Response:
    subject = request.match_info["subject"]
    version = parse_version(request.match_info["version"])
    _entry, schema = _registry(request).version(subject, version, include_deleted=_flag(request, "deleted"))
    return web.Response(text=schema.text, content_type=CONTENT_TYPE)


async def delete_version(request: web.Request) -> web.Response:
    version = await _registry(request).delete_version(
        request.match_info["subject"],
        parse_version(request.match_info["version"]),
        permanent=_flag(request, "permanent"),
    )
    return _reply(version)


async def get_schema_by_id(request: web.Request) -> web.Response:
    return _reply({"schema": _registry(request).schema(_schema_id(request)).text})


async def get_schema_text_by_id(request: web.Request) -> web.Response:
    return web.Response(text=_registry(request).schema(_schema_id(request)).text, content_type=CONTENT_TYPE)


async def get_schema_versions(request: web.Request) -> web.Response:
    usages = _registry(request).schema_usages(_schema_id(request), include_deleted=_flag(request, "deleted"))
    return _reply([{"subject": entry.subject, "version": entry.version} for entry in usages])


async def get_schema_subjects(request: web.Request) -> web.Response:
    usages = _registry(request).schema_usages(_schema_id(request), include_deleted=_flag(request, "deleted"))
    return _reply(sorted({entry.subject for entry in usages}))


async def schema_types(_request: web.Request) -> web.Response:
    return _reply(["AVRO"])


async def get_global_config(request: web.Request) -> web.Response:
    return _reply({"compatibilityLevel": _registry(request).global_level().value})


async def put_global_config(request: web.Request) -> web.Response:
    level = await _level_from(request)
    await _registry(request).set_level(None, level)
    return _reply({"compatibility": level.value})


async def delete_global_config(request: web.Request) -> web.Response:
    previous = await _registry(request).clear_level(None)
    return _reply({"compatibilityLevel": previous.value})


async def get_subject_config(request: web.Request) -> web.Response:
    level = _registry(request).subject_level(
        request.match_info["subject"], default_to_global=_flag(request, "defaultToGlobal")
    )
    return _reply({"compatibilityLevel": level.value})


async def put_subject_config(request: web.Request) -> web.Response:
    level = await _level_from(request)
    await _registry(request).set_level(request.match_info["subject"], level)
    return _reply({"compatibility": level.value})


async def delete_subject_config(request: web.Request) -> web.Response:
    previous = await _registry(request).clear_level(request.match_info["subject"])
    return _reply({"compatibilityLevel": previous.value})


async def compatibility_check(request: web.Request) -> web.Response:
    subject = request.match_info["subject"]
    raw_version = request.match_info.get("version")
    version = parse_version(raw_version) if raw_version is not None else None
    schema = await _schema_from(request)
    result = _registry(request).test_compatibility(subject, version, schema, all_versions=raw_version is None)
    payload: dict[str, Any] = {"is_compatible": result.is_compatible}
    if _flag(request, "verbose"):
        payload["messages"] = list(result.messages)
    return _reply(payload)


def create_app(registry: SchemaRegistry) -> web.Application:
    """Build the aiohttp application; starting and closing ``registry`` is the caller's job."""
    app = web.Application(middlewares=[_errors_as_confluent_bodies])
    app[REGISTRY_KEY] = registry
    app.router.add_routes(
        [
            web.get("/", root),
            web.get("/health", health),
            web.get("/subjects", list_subjects),
            web.post("/subjects/{subject}", lookup_schema),
            web.delete("/subjects/{subject}", delete_subject),
            web.get("/subjects/{subject}/versions", list_versions),
            web.post("/subjects/{subject}/versions", register_schema),
            web.get("/subjects/{subject}/versions/{version}", get_version),
            web.delete("/subjects/{subject}/versions/{version}", delete_version),
            web.get("/subjects/{subject}/versions/{version}/schema", get_version_schema),
            web.get("/schemas/types", schema_types),
            web.get("/schemas/ids/{schema_id}", get_schema_by_id),
            web.get("/schemas/ids/{schema_id}/schema", get_schema_text_by_id),
            web.get("/schemas/ids/{schema_id}/versions", get_schema_versions),
            web.get("/schemas/ids/{schema_id}/subjects", get_schema_subjects),
            web.get("/config", get_global_config),
            web.put("/config", put_global_config),
            web.delete("/config", delete_global_config),
            web.get("/config/{subject}", get_subject_config),
            web.put("/config/{subject}", put_subject_config),
            web.delete("/config/{subject}", delete_subject_config),
            web.post("/compatibility/subjects/{subject}/versions", compatibility_check),
            web.post("/compatibility/subjects/{subject}/versions/{version}", compatibility_check),
        ]
    )
    return app
