"""The in-memory read model of the registry, rebuilt from ``_schemas`` events.

It is only ever changed through :meth:`SchemaIndex.apply`, both while replaying the topic at start-up and
after a write has been acknowledged by Kafka, so a restarted registry ends up in exactly the same state.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from schema_registry.compatibility import CompatibilityLevel
from schema_registry.exceptions import InvalidSchema
from schema_registry.records import (
    ConfigCleared,
    ConfigSet,
    LogEvent,
    SchemaVersionRemoved,
    SchemaVersionWritten,
    SubjectSoftDeleted,
)
from schema_registry.schemas import ParsedAvroSchema, parse_avro_schema

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SubjectVersion:
    subject: str
    version: int
    schema_id: int
    deleted: bool


class SchemaIndex:
    def __init__(self, default_level: CompatibilityLevel = CompatibilityLevel.BACKWARD) -> None:
        self._default_level = default_level
        self._global_level: CompatibilityLevel | None = None
        self._subject_levels: dict[str, CompatibilityLevel] = {}
        self._schemas: dict[int, ParsedAvroSchema] = {}
        self._ids_by_identity: dict[str, int] = {}
        self._subjects: dict[str, dict[int, SubjectVersion]] = {}
        # Tracked apart from _schemas so an id seen once in this run is never handed out again.
        self._max_id = 0

    # --- writes -------------------------------------------------------------------------------------------

    def apply(self, event: LogEvent) -> None:
        match event:
            case SchemaVersionWritten():
                self._apply_schema(event)
            case SchemaVersionRemoved():
                versions = self._subjects.get(event.subject, {})
                versions.pop(event.version, None)
                if not versions:
                    self._subjects.pop(event.subject, None)
            case SubjectSoftDeleted():
                versions = self._subjects.get(event.subject, {})
                for number, entry in list(versions.items()):
                    if number <= event.version:
                        versions[number] = SubjectVersion(
                            entry.subject, number, entry.schema_id, deleted=True
                        )
            case ConfigSet(subject=None):
                self._global_level = event.level
            case ConfigSet(subject=str() as subject):
                self._subject_levels[subject] = event.level
            case ConfigCleared(subject=None):
                self._global_level = None
            case ConfigCleared(subject=str() as subject):
                self._subject_levels.pop(subject, None)

    def _apply_schema(self, event: SchemaVersionWritten) -> None:
        if event.schema_id not in self._schemas:
            try:
                parsed = parse_avro_schema(event.schema_text)
            except InvalidSchema as exc:
                logger.warning(
                    "skipping unparsable schema id=%d (%s v%d): %s",
                    event.schema_id,
                    event.subject,
                    event.version,
                    exc,
                )
                return
            self._schemas[event.schema_id] = parsed
            self._ids_by_identity.setdefault(parsed.identity, event.schema_id)
        self._max_id = max(self._max_id, event.schema_id)
        versions = self._subjects.setdefault(event.subject, {})
        versions[event.version] = SubjectVersion(event.subject, event.version, event.schema_id, event.deleted)

    # --- reads --------------------------------------------------------------------------------------------

    @property
    def global_level(self) -> CompatibilityLevel:
        return self._global_level or self._default_level

    def subject_level(self, subject: str) -> CompatibilityLevel | None:
        return self._subject_levels.get(subject)

    def effective_level(self, subject: str) -> CompatibilityLevel:
        return self._subject_levels.get(subject) or self.global_level

    def next_schema_id(self) -> int:
        return self._max_id + 1

    def schema_by_id(self, schema_id: int) -> ParsedAvroSchema | None:
        return self._schemas.get(schema_id)

    def id_for(self, schema: ParsedAvroSchema) -> int | None:
        return self._ids_by_identity.get(schema.identity)

    def subjects(self, *, include_deleted: bool = False) -> list[str]:
        return sorted(
            subject
            for subject, versions in self._subjects.items()
            if any(include_deleted or not entry.deleted for entry in versions.values())
        )

    def has_subject(self, subject: str) -> bool:
        return subject in self._subjects

    def versions(self, subject: str, *, include_deleted: bool = False) -> list[SubjectVersion]:
        """Versions of ``subject``, oldest first."""
        versions = self._subjects.get(subject, {})
        return [versions[n] for n in sorted(versions) if include_deleted or not versions[n].deleted]

    def max_version(self, subject: str) -> int:
        """Highest version ``subject`` ever used, soft-deleted ones included, so numbers are never reused."""
        return max(self._subjects.get(subject, {}), default=0)

    def usages(self, schema_id: int, *, include_deleted: bool = False) -> list[SubjectVersion]:
        return [
            entry
            for subject in sorted(self._subjects)
            for entry in self.versions(subject, include_deleted=include_deleted)
            if entry.schema_id == schema_id
        ]
