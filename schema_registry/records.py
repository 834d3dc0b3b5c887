"""The record format of the ``_schemas`` topic, compatible with Confluent Schema Registry and Karapace.

Keys are JSON objects whose bytes must be identical for the same logical key, or compaction would keep both
records; they are therefore always encoded here, in one fixed field order. Values are JSON too; a null value
(tombstone) removes the key. Unknown fields are ignored so a topic written by Confluent or Karapace replays.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from schema_registry.compatibility import CompatibilityLevel
from schema_registry.exceptions import RegistryError

logger = logging.getLogger(__name__)


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SchemaVersionWritten(_Event):
    """A subject version was registered, or its soft-deleted flag changed."""

    kind: Literal["schema"] = "schema"
    subject: str
    version: int
    schema_id: int
    schema_text: str
    deleted: bool = False


class SchemaVersionRemoved(_Event):
    """A version was permanently deleted (a tombstone on its key)."""

    kind: Literal["schema_removed"] = "schema_removed"
    subject: str
    version: int


class SubjectSoftDeleted(_Event):
    """Confluent's DELETE_SUBJECT record: every version up to ``version`` is soft-deleted."""

    kind: Literal["subject_deleted"] = "subject_deleted"
    subject: str
    version: int


class ConfigSet(_Event):
    """The compatibility level of a subject, or the global one when ``subject`` is None, was set."""

    kind: Literal["config"] = "config"
    subject: str | None
    level: CompatibilityLevel


class ConfigCleared(_Event):
    kind: Literal["config_cleared"] = "config_cleared"
    subject: str | None


LogEvent = SchemaVersionWritten | SchemaVersionRemoved | SubjectSoftDeleted | ConfigSet | ConfigCleared


class _Key(BaseModel):
    model_config = ConfigDict(extra="ignore")

    keytype: str
    subject: str | None = None
    version: int | None = None


class _SchemaValue(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    subject: str
    version: int
    id: int
    schema_text: str = Field(alias="schema")
    deleted: bool = False
    schema_type: str = Field(default="AVRO", alias="schemaType")


class _ConfigValue(BaseModel):
    model_config = ConfigDict(extra="ignore")

    compatibility_level: str = Field(alias="compatibilityLevel")


def _dumps(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def schema_key(subject: str, version: int) -> bytes:
    return _dumps({"keytype": "SCHEMA", "subject": subject, "version": version, "magic": 1})


def config_key(subject: str | None) -> bytes:
    return _dumps({"keytype": "CONFIG", "subject": subject, "magic": 0})


def encode_event(event: LogEvent) -> tuple[bytes, bytes | None]:
    """Return the ``(key, value)`` to produce for ``event``; a None value is a tombstone."""
    match event:
        case SchemaVersionWritten():
            value = {
                "subject": event.subject,
                "version": event.version,
                "id": event.schema_id,
                "schema": event.schema_text,
                "deleted": event.deleted,
            }
            return schema_key(event.subject, event.version), _dumps(value)
        case SchemaVersionRemoved():
            return schema_key(event.subject, event.version), None
        case ConfigSet():
            return config_key(event.subject), _dumps({"compatibilityLevel": event.level.value})
        case ConfigCleared():
            return config_key(event.subject), None
        case SubjectSoftDeleted():
            key = _dumps({"keytype": "DELETE_SUBJECT", "subject": event.subject, "magic": 0})
            return key, _dumps({"subject": event.subject, "version": event.version})


def decode_record(key: bytes | None, value: bytes | None) -> LogEvent | None:
    """Turn one topic record into an event, or None for records this registry does not act on.

    Malformed records are logged and skipped rather than aborting start-up: one bad record written by
    another tool must not make the whole registry unavailable.
    """
    if key is None:
        return None
    try:
        parsed_key = _Key.model_validate_json(key)
        return _decode(parsed_key, value)
    except (ValidationError, ValueError, KeyError, RegistryError) as exc:
        logger.warning("skipping malformed _schemas record key=%r: %s", key, exc)
        return None


def _decode(key: _Key, value: bytes | None) -> LogEvent | None:
    if key.keytype == "SCHEMA":
        if key.subject is None or key.version is None:
            raise ValueError("SCHEMA key without subject or version")
        if value is None:
            return SchemaVersionRemoved(subject=key.subject, version=key.version)
        schema_value = _SchemaValue.model_validate_json(value)
        if schema_value.schema_type.upper() != "AVRO":
            logger.warning("skipping %s schema %s v%d", schema_value.schema_type, key.subject, key.version)
            return None
        return SchemaVersionWritten(
            subject=schema_value.subject,
            version=schema_value.version,
            schema_id=schema_value.id,
            schema_text=schema_value.schema_text,
            deleted=schema_value.deleted,
        )
    if key.keytype == "CONFIG":
        if value is None:
            return ConfigCleared(subject=key.subject)
        config_value = _ConfigValue.model_validate_json(value)
        return ConfigSet(
            subject=key.subject, level=CompatibilityLevel.parse(config_value.compatibility_level)
        )
    if key.keytype == "DELETE_SUBJECT" and value is not None and key.subject is not None:
        body = json.loads(value)
        return SubjectSoftDeleted(subject=key.subject, version=int(body["version"]))
    return None
