"""The registry's use cases: queries answered from the index, commands written to the log first.

Writes are serialised by one lock and applied to the index only after Kafka acknowledged them, through the
same :meth:`SchemaIndex.apply` that replays the topic, so what a client was told survives a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import avro.schema

from schema_registry.compatibility import CompatibilityLevel, CompatibilityResult, check_compatibility
from schema_registry.exceptions import (
    IncompatibleSchema,
    InvalidSchema,
    InvalidVersion,
    SchemaNotFound,
    StoreError,
    SubjectConfigNotFound,
    SubjectNotFound,
    SubjectNotSoftDeleted,
    SubjectSoftDeleted,
    VersionNotFound,
    VersionNotSoftDeleted,
    VersionSoftDeleted,
)
from schema_registry.index import SchemaIndex, SubjectVersion
from schema_registry.records import (
    ConfigCleared,
    ConfigSet,
    LogEvent,
    SchemaVersionRemoved,
    SchemaVersionWritten,
    decode_record,
    encode_event,
)
from schema_registry.schemas import ParsedAvroSchema, parse_avro_schema
from schema_registry.store import SchemaLog

logger = logging.getLogger(__name__)

LATEST = "latest"
_MAX_VERSION = 2**31 - 1


def parse_version(raw: str) -> int | None:
    """Parse a version path segment; None means the latest version (``latest`` or ``-1``, as in Confluent)."""
    if raw in (LATEST, "-1"):
        return None
    try:
        version = int(raw)
    except ValueError:
        version = 0
    if not 1 <= version <= _MAX_VERSION:
        raise InvalidVersion(
            f"The specified version '{raw}' is not a valid version id. "
            f'Allowed values are between [1, {_MAX_VERSION}] and the string "latest"'
        )
    return version


def parse_schema_request(
    schema_text: str, schema_type: str | None, references: Sequence[object]
) -> ParsedAvroSchema:
    if schema_type is not None and schema_type.upper() != "AVRO":
        raise InvalidSchema(
            f"Unsupported schema type {schema_type!r}: this registry only stores AVRO schemas"
        )
    if references:
        raise InvalidSchema("Schema references are not supported by this registry")
    return parse_avro_schema(schema_text)


class SchemaRegistry:
    def __init__(self, log: SchemaLog, default_level: CompatibilityLevel) -> None:
        self._log = log
        self._default_level = default_level
        self._index = SchemaIndex(default_level)
        self._write_lock = asyncio.Lock()
        # Set when a write's outcome is unknown (e.g. timeout): the record may still land, so the index is
        # rebuilt from the topic before the next write rather than risk handing out the same id twice.
        self._stale = False

    @property
    def index(self) -> SchemaIndex:
        return self._index

    async def start(self) -> None:
        await asyncio.to_thread(self._log.ensure_topic)
        await self._reload()

    async def close(self) -> None:
        await asyncio.to_thread(self._log.close)

    async def _reload(self) -> None:
        records = await asyncio.to_thread(self._log.read_all)
        index = SchemaIndex(self._default_level)
        for key, value in records:
            event = decode_record(key, value)
            if event is not None:
                index.apply(event)
        self._index = index
        self._stale = False
        logger.info("index ready: %d subjects, next id %d", len(index.subjects()), index.next_schema_id())

    async def _write(self, events: Sequence[LogEvent]) -> None:
        """Append ``events`` in order, applying each to the index once acknowledged. Hold the write lock."""
        for event in events:
            key, value = encode_event(event)
            try:
                await asyncio.to_thread(self._log.append, key, value)
            except StoreError:
                self._stale = True
                raise
            self._index.apply(event)

    async def _fresh_index(self) -> SchemaIndex:
        if self._stale:
            await self._reload()
        return self._index

    # --- commands -----------------------------------------------------------------------------------------

    async def register(self, subject: str, schema: ParsedAvroSchema) -> int:
        """Register ``schema`` under ``subject`` and return its global id; idempotent for a known schema."""
        async with self._write_lock:
            index = await self._fresh_index()
            live = index.versions(subject)
            known_id = index.id_for(schema)
            if known_id is not None and any(entry.schema_id == known_id for entry in live):
                return known_id
            level = index.effective_level(subject)
            result = check_compatibility(level, schema.avro, self._schemas_of(live))
            if not result.is_compatible:
                raise IncompatibleSchema(
                    "Schema being registered is incompatible with an earlier schema for subject "
                    f'"{subject}", details: {list(result.messages)}'
                )
            schema_id = known_id if known_id is not None else index.next_schema_id()
            stored = index.schema_by_id(schema_id)
            event = SchemaVersionWritten(
                subject=subject,
                version=index.max_version(subject) + 1,
                schema_id=schema_id,
                # Reuse the text already stored under the id so every version of an id serves one string.
                schema_text=stored.text if stored is not None else schema.text,
            )
            await self._write([event])
            logger.info("registered %s v%d as id %d", subject, event.version, schema_id)
            return schema_id

    async def set_level(self, subject: str | None, level: CompatibilityLevel) -> None:
        async with self._write_lock:
            await self._fresh_index()
            await self._write([ConfigSet(subject=subject, level=level)])

    async def clear_level(self, subject: str | None) -> CompatibilityLevel:
        async with self._write_lock:
            index = await self._fresh_index()
            if subject is None:
                previous = index.global_level
            else:
                if not index.has_subject(subject):
                    raise SubjectNotFound(f"Subject '{subject}' not found.")
                previous = index.subject_level(subject) or index.global_level
            await self._write([ConfigCleared(subject=subject)])
            return previous

    async def delete_subject(self, subject: str, *, permanent: bool) -> list[int]:
        async with self._write_lock:
            index = await self._fresh_index()
            everything = index.versions(subject, include_deleted=True)
            if not everything:
                raise SubjectNotFound(f"Subject '{subject}' not found.")
            live = [entry for entry in everything if not entry.deleted]
            if permanent:
                if live:
                    raise SubjectNotSoftDeleted(
                        f"Subject '{subject}' was not deleted first before being permanently deleted"
                    )
                await self._write(
                    [SchemaVersionRemoved(subject=subject, version=e.version) for e in everything]
                )
                return [entry.version for entry in everything]
            if not live:
                raise SubjectSoftDeleted(
                    f"Subject '{subject}' was soft deleted. Set permanent=true to delete permanently"
                )
            await self._write([self._soft_deleted(index, entry) for entry in live])
            return [entry.version for entry in live]

    async def delete_version(self, subject: str, version: int | None, *, permanent: bool) -> int:
        async with self._write_lock:
            index = await self._fresh_index()
            entry = self._find_version(index, subject, version, include_deleted=permanent)
            if permanent:
                if not entry.deleted:
                    raise VersionNotSoftDeleted(
                        f"Subject '{subject}' Version {entry.version} was not deleted first before being "
                        "permanently deleted"
                    )
                await self._write([SchemaVersionRemoved(subject=subject, version=entry.version)])
            else:
                if entry.deleted:
                    raise VersionSoftDeleted(f"Subject '{subject}' Version {entry.version} was soft deleted.")
                await self._write([self._soft_deleted(index, entry)])
            return entry.version

    @staticmethod
    def _soft_deleted(index: SchemaIndex, entry: SubjectVersion) -> SchemaVersionWritten:
        stored = index.schema_by_id(entry.schema_id)
        if stored is None:  # pragma: no cover - the index only holds versions whose schema it parsed
            raise SchemaNotFound(f"Schema {entry.schema_id} not found")
        return SchemaVersionWritten(
            subject=entry.subject,
            version=entry.version,
            schema_id=entry.schema_id,
            schema_text=stored.text,
            deleted=True,
        )

    # --- queries ------------------------------------------------------------------------------------------

    def subjects(self, *, include_deleted: bool = False) -> list[str]:
        return self._index.subjects(include_deleted=include_deleted)

    def versions(self, subject: str, *, include_deleted: bool = False) -> list[int]:
        versions = self._index.versions(subject, include_deleted=include_deleted)
        if not versions:
            raise SubjectNotFound(f"Subject '{subject}' not found.")
        return [entry.version for entry in versions]

    def version(
        self, subject: str, version: int | None, *, include_deleted: bool = False
    ) -> tuple[SubjectVersion, ParsedAvroSchema]:
        entry = self._find_version(self._index, subject, version, include_deleted=include_deleted)
        return entry, self._schema(entry.schema_id)

    def schema(self, schema_id: int) -> ParsedAvroSchema:
        return self._schema(schema_id)

    def schema_usages(self, schema_id: int, *, include_deleted: bool = False) -> list[SubjectVersion]:
        self._schema(schema_id)
        return self._index.usages(schema_id, include_deleted=include_deleted)

    def lookup(
        self, subject: str, schema: ParsedAvroSchema, *, include_deleted: bool = False
    ) -> SubjectVersion:
        versions = self._index.versions(subject, include_deleted=include_deleted)
        if not versions:
            raise SubjectNotFound(f"Subject '{subject}' not found.")
        schema_id = self._index.id_for(schema)
        matches = [entry for entry in versions if entry.schema_id == schema_id]
        if not matches:
            raise SchemaNotFound("Schema not found")
        # Prefer a live version over a soft-deleted one, and the newest of those.
        return max(matches, key=lambda entry: (not entry.deleted, entry.version))

    def global_level(self) -> CompatibilityLevel:
        return self._index.global_level

    def subject_level(self, subject: str, *, default_to_global: bool) -> CompatibilityLevel:
        level = self._index.subject_level(subject)
        if level is not None:
            return level
        if default_to_global:
            return self._index.global_level
        raise SubjectConfigNotFound(
            f"Subject '{subject}' does not have subject-level compatibility configured"
        )

    def test_compatibility(
        self, subject: str, version: int | None, schema: ParsedAvroSchema, *, all_versions: bool
    ) -> CompatibilityResult:
        """Confluent's compatibility test: against one version, or all versions the level looks at."""
        level = self._index.effective_level(subject)
        if all_versions:
            return check_compatibility(level, schema.avro, self._schemas_of(self._index.versions(subject)))
        entry = self._find_version(self._index, subject, version, include_deleted=False)
        return check_compatibility(level, schema.avro, self._schemas_of([entry]))

    # --- helpers ------------------------------------------------------------------------------------------

    def _schema(self, schema_id: int) -> ParsedAvroSchema:
        schema = self._index.schema_by_id(schema_id)
        if schema is None:
            raise SchemaNotFound(f"Schema {schema_id} not found")
        return schema

    def _schemas_of(self, entries: Sequence[SubjectVersion]) -> list[tuple[int, avro.schema.Schema]]:
        return [(entry.version, self._schema(entry.schema_id).avro) for entry in entries]

    @staticmethod
    def _find_version(
        index: SchemaIndex, subject: str, version: int | None, *, include_deleted: bool
    ) -> SubjectVersion:
        versions = index.versions(subject, include_deleted=include_deleted)
        if not versions:
            raise SubjectNotFound(f"Subject '{subject}' not found.")
        if version is None:
            return versions[-1]
        for entry in versions:
            if entry.version == version:
                return entry
        raise VersionNotFound(f"Version {version} not found.")
