"""Parsing Avro schema text into the forms the registry compares and serves.

Two schemas are "the same" when their parsed JSON forms are equal, ignoring whitespace, key order and
namespace spelling but *keeping* defaults, docs, aliases and custom properties. Avro's Parsing Canonical
Form would drop defaults, so a schema that only changes a default would silently resolve to the old id;
Confluent (without ``normalize``) also treats such schemas as distinct.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import avro.errors
import avro.schema

from schema_registry.exceptions import InvalidSchema

_INT_RANGE = range(-(2**31), 2**31)
_LONG_RANGE = range(-(2**63), 2**63)


@dataclass(frozen=True)
class ParsedAvroSchema:
    """A validated Avro schema: ``text`` is what the registry serves, ``identity`` what it deduplicates on."""

    text: str
    identity: str
    avro: avro.schema.Schema


def parse_avro_schema(schema_text: str) -> ParsedAvroSchema:
    """Parse and validate schema text, raising :class:`InvalidSchema` (42201) when it is not usable Avro."""
    try:
        parsed = avro.schema.parse(schema_text)
    except (avro.errors.AvroException, ValueError, TypeError) as exc:
        raise InvalidSchema(f"Invalid schema: {exc}") from exc
    _check_defaults(parsed)
    as_json = parsed.to_json()
    return ParsedAvroSchema(
        text=json.dumps(as_json, separators=(",", ":")),
        identity=json.dumps(as_json, separators=(",", ":"), sort_keys=True),
        avro=parsed,
    )


def _check_defaults(root: avro.schema.Schema) -> None:
    """Reject field defaults that do not fit their type.

    The Python ``avro`` parser accepts them, but readers applying such a default would fail much later,
    far from the registration that introduced it. Like Java Avro, a union default may match any branch.
    """
    seen: set[int] = set()
    pending: list[avro.schema.Schema] = [root]
    while pending:
        schema = pending.pop()
        if id(schema) in seen:
            continue
        seen.add(id(schema))
        if isinstance(schema, avro.schema.RecordSchema):
            for field in schema.fields:
                if field.has_default and not _default_fits(field.type, field.default):
                    raise InvalidSchema(
                        f"Invalid default for field {field.name!r} of {schema.fullname}: {field.default!r}"
                    )
                pending.append(field.type)
        elif isinstance(schema, avro.schema.ArraySchema):
            pending.append(schema.items)
        elif isinstance(schema, avro.schema.MapSchema):
            pending.append(schema.values)
        elif isinstance(schema, avro.schema.UnionSchema):
            pending.extend(schema.schemas)


def _default_fits(schema: avro.schema.Schema, value: Any) -> bool:
    kind = schema.type
    if kind == "null":
        return value is None
    if kind == "boolean":
        return isinstance(value, bool)
    if kind in ("int", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return False
        return value in (_INT_RANGE if kind == "int" else _LONG_RANGE)
    if kind in ("float", "double"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind in ("string", "bytes", "fixed"):
        return isinstance(value, str)
    if isinstance(schema, avro.schema.EnumSchema):
        return isinstance(value, str) and value in schema.symbols
    if isinstance(schema, avro.schema.ArraySchema):
        return isinstance(value, list) and all(_default_fits(schema.items, item) for item in value)
    if isinstance(schema, avro.schema.MapSchema):
        return isinstance(value, dict) and all(_default_fits(schema.values, v) for v in value.values())
    if isinstance(schema, avro.schema.UnionSchema):
        return any(_default_fits(branch, value) for branch in schema.schemas)
    if isinstance(schema, avro.schema.RecordSchema):
        if not isinstance(value, dict):
            return False
        return all(
            _default_fits(field.type, value[field.name]) if field.name in value else field.has_default
            for field in schema.fields
        )
    return False
